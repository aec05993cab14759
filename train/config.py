"""What the training script reads besides TRL's SFTConfig and ModelConfig: the dataset, the
prompt format, resume, early stopping and where to publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from annotated_types import Ge, Le

from cazton_llm.defaults import DEFAULT_COMPANY
from cazton_llm.prompt_format import PROMPT_FORMATS
from cazton_llm.stage_config import AtLeastOne, FieldError, FilePath, check_fields

Share = Annotated[float, Ge(0), Le(1)]


@dataclass
class ScriptArguments:
    dataset_name: str | None = field(
        default=None, metadata={"help": "dataset Hub id or local folder built by `python -m dataset_builder build`"}
    )
    dataset_config: str = field(default="default", metadata={"help": "dataset config (default: conversational)"})
    dataset_train_split: str = field(default="train", metadata={"help": "split to train on"})
    dataset_test_split: str = field(default="test", metadata={"help": "split to evaluate on during training"})
    prompt_format: str = field(
        default="chat",
        metadata={"help": "chat (our template with EOS-terminated answers) or legacy (question: … answer: …)"},
    )
    retrieved_fraction: Share = field(
        default=0.0,
        metadata={
            "help": "share of training questions shown with the passages the chat's retrieval finds, their own "
            "among them (RAFT), as the Space and the benchmark's retrieved mode prompt"
        },
    )
    distractor_fraction: Share = field(
        default=0.0,
        metadata={"help": "share shown with retrieved passages that are not their own (the answer is kept)"},
    )
    follow_up_fraction: Share = field(
        default=0.0,
        metadata={"help": "share asked after one or two earlier exchanges, with retrieved passages (loss on the last)"},
    )
    casual_fraction: Share = field(
        default=0.0,
        metadata={
            "help": "share of training questions rewritten the way visitors type (lower case, 'u', no question mark), "
            "so the way a question is written does not tell the model whether the site answers it"
        },
    )
    unanswerable_fraction: Annotated[float, Ge(0), Le(2)] = field(
        default=0.0,
        metadata={
            "help": "questions the site does not answer, added as a share of the training questions, answered "
            "'the website does not say' with the contact page"
        },
    )
    lora_top_layers: AtLeastOne | None = field(
        default=None,
        metadata={
            "help": "put LoRA on the top N transformer layers only: backpropagation then stops below them, which "
            "makes a CPU step much cheaper (unset: every layer)"
        },
    )
    company: str = field(
        default=DEFAULT_COMPANY,
        metadata={"help": "company in the system line of a model with its own chat template (as the Space's)"},
    )
    resume: bool = field(default=False, metadata={"help": "continue from the last checkpoint of an interrupted run"})
    early_stopping_patience: AtLeastOne | None = field(
        default=None, metadata={"help": "stop after this many evaluations without eval-loss improvement"}
    )
    license: str = field(default="mit", metadata={"help": "license written on the model card"})
    dataset_hub_id: str | None = field(
        default=None, metadata={"help": "Hub id of the dataset to name on the card when training from a local folder"}
    )

    def __post_init__(self):
        check_fields(self)
        if self.prompt_format not in PROMPT_FORMATS:
            raise FieldError("prompt_format", f"{self.prompt_format!r} is not one of {', '.join(PROMPT_FORMATS)}")
        drawn = self.retrieved_fraction + self.distractor_fraction + self.follow_up_fraction
        if drawn > 1:
            raise FieldError(
                "retrieved_fraction", f"retrieved, distractor and follow-up fractions add up to {drawn:g}: at most 1"
            )

    @property
    def example_mix(self):
        from train.examples import ExampleMix

        return ExampleMix(
            self.retrieved_fraction,
            self.distractor_fraction,
            self.follow_up_fraction,
            self.unanswerable_fraction,
            self.casual_fraction,
        )


@dataclass(kw_only=True)
class TrainRecipe:
    """A training run as data (the pipeline's `train` section): a recipe YAML and field overrides on top of it,
    as `python -m train --config RECIPE --field value …` gives them on the command line."""

    recipe: FilePath = Path("train/configs/phi-1_5.yaml")
    overrides: dict[str, Any] = field(default_factory=dict)  # any recipe field, e.g. {num_train_epochs: 3}

    def __post_init__(self):
        check_fields(self)
        if not self.recipe.is_file():
            raise FieldError("recipe", f"{str(self.recipe)!r} not found: pick one in train/configs/")

    def arguments(self, **settings):
        """(ScriptArguments, SFTConfig, ModelConfig): the recipe's fields, then the overrides, then `settings`."""
        from train.cli import training_arguments

        return training_arguments(self.recipe, {**self.overrides, **settings})

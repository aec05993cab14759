"""What the training script reads besides TRL's SFTConfig and ModelConfig: the dataset, the
prompt format, resume, early stopping and where to publish."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    grounded_fraction: float = field(
        default=0.0,
        metadata={
            "help": "share of training questions shown with their source passage in the prompt, so the model "
            "learns to answer from the passage the Space and benchmark put there in grounded mode (0 to 1)"
        },
    )
    lora_top_layers: int | None = field(
        default=None,
        metadata={
            "help": "put LoRA on the top N transformer layers only: backpropagation then stops below them, which "
            "makes a CPU step much cheaper (unset: every layer)"
        },
    )
    company: str = field(
        default="Cazton",
        metadata={
            "help": "company named in the system line of a model with its own chat template; the Space and the "
            "benchmark use the same line"
        },
    )
    resume: bool = field(default=False, metadata={"help": "continue from the last checkpoint of an interrupted run"})
    early_stopping_patience: int | None = field(
        default=None, metadata={"help": "stop after this many evaluations without eval-loss improvement"}
    )
    license: str = field(default="mit", metadata={"help": "license written on the model card"})
    dataset_hub_id: str | None = field(
        default=None, metadata={"help": "Hub id of the dataset to name on the card when training from a local folder"}
    )

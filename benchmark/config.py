"""The benchmark's settings: `python -m benchmark`'s options and the pipeline's `benchmark` section."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from cazton_llm.decoding import DEFAULT_MAX_NEW_TOKENS, Decoding
from cazton_llm.defaults import DEFAULT_COMPANY
from cazton_llm.errors import UserError
from cazton_llm.model_loading import ModelSpec
from cazton_llm.stage_config import AtLeastOne, FieldError, FilePath, check_fields

# What each prompt mode puts into the prompt; the report says it in these words.
MODE_MEANINGS = {
    "closed-book": "the question alone",
    "retrieved": "the chat's own path: the passages its retrieval finds for the question, as the Space sends them",
    "oracle": "the chat's prompt had its retrieval ranked the question's own source passage first (the rest "
    "as retrieval fills it, no earlier turn): a ceiling, since the chat must retrieve",
    "follow-up": "the chat's path with an earlier exchange (the previous held-out question and this model's "
    "retrieved answer to it) in the history, as the chat holds a conversation (its prompt shows the earlier question, "
    "not its answer)",
}
MODES = tuple(MODE_MEANINGS)


class NamedModels(argparse.Action):
    """`--model NAME=SPEC`, repeatable, into {name: ModelSpec}: each spec is parsed once, here."""

    def __init__(self, *args, type=None, **kwargs):  # the field's type is the result, not a parser of one value
        super().__init__(*args, **kwargs)

    def __call__(self, parser, namespace, text, option_string=None):
        name, equals, spec = text.partition("=")
        if not equals or not name.strip() or not spec.strip():
            raise UserError(f"--model {text!r} must be NAME=SPEC, e.g. finetuned=microsoft/phi-1_5+me/adapter")
        models = dict(getattr(namespace, self.dest))
        if name.strip() in models:
            raise UserError(f"--model {name.strip()} is given twice: give each model its own name")
        setattr(namespace, self.dest, {**models, name.strip(): ModelSpec.parse(spec)})


@dataclass(kw_only=True)
class BenchmarkConfig:
    dataset: str = field(metadata={"help": "dataset Hub id or folder (from dataset_builder build)"})
    out: FilePath = field(metadata={"help": "report folder (answers are cached there)"})
    models: dict[str, ModelSpec] = field(
        default_factory=dict,
        metadata={
            "aliases": ["--model"],
            "action": NamedModels,
            "metavar": "NAME=SPEC",
            "help": "a model to compare: BASE or BASE+ADAPTER, Hub ids or folders, @revision allowed (repeat for "
            "more models)",
        },
    )
    split: str = field(default="test", metadata={"help": "held-out split"})
    modes: list[str] = field(
        default_factory=lambda: ["closed-book", "retrieved"],
        metadata={
            "choices": MODES,
            "help": "prompt modes: closed-book (the question alone), retrieved (the chat's retrieval and prompt), "
            "oracle (retrieval made perfect: the question's own passage first; a ceiling), follow-up (retrieved, "
            "after an earlier exchange)",
        },
    )
    other_models_modes: list[str] | None = field(
        default=None,
        metadata={"choices": MODES, "help": "the modes models after the first run (unset: all of --modes)"},
    )
    visitor_questions: FilePath | None = field(
        default=None,
        metadata={
            "help": "JSONL of visitor-style questions with the pages that answer them: retrieval is scored on it"
        },
    )
    judge: str | None = field(
        default=None,
        metadata={"metavar": "openai:MODEL", "help": "LLM judge (OPENAI_API_KEY, optional OPENAI_BASE_URL)"},
    )
    limit: AtLeastOne | None = field(default=None, metadata={"help": "only the first N questions"})
    max_new_tokens: AtLeastOne = field(
        default=DEFAULT_MAX_NEW_TOKENS, metadata={"help": "token budget per answer (as in the Space)"}
    )
    batch_size: AtLeastOne = field(default=8, metadata={"help": "questions answered at once"})
    seed: int = field(default=0, metadata={"help": "seed of generation and of the confidence intervals"})
    company: str = field(
        default=DEFAULT_COMPANY,
        metadata={"help": "company named in the system line of models with their own chat template"},
    )
    update_model_card: FilePath | None = field(
        default=None,
        metadata={"metavar": "ADAPTER_DIR", "help": "add CARD_MODEL's results to this adapter's card (model-index)"},
    )
    card_model: str = field(default="finetuned", metadata={"help": "which model's results go on the card"})

    def __post_init__(self):
        if isinstance(self.models, dict):  # specs written as text (a YAML config) are parsed once, here
            self.models = {
                name: ModelSpec.parse(spec) if isinstance(spec, str) else spec for name, spec in self.models.items()
            }
        check_fields(self)
        if not self.models:
            raise FieldError("models", "give at least one model to compare, as NAME=SPEC")
        for name in ("modes", "other_models_modes"):
            modes = getattr(self, name)
            unknown = [mode for mode in modes or [] if mode not in MODES]
            if unknown or modes == []:
                raise FieldError(
                    name, f"{unknown[0] if unknown else ''!r} is not a prompt mode: use {', '.join(MODES)}"
                )
        if "follow-up" in self.modes and "retrieved" not in self.modes:
            raise FieldError(
                "modes",
                "follow-up asks each question after the model's retrieved answer to the one before: add retrieved",
            )
        file_in_the_way = next((path for path in (self.out, *self.out.parents) if path.is_file()), None)
        if file_in_the_way is not None:
            raise FieldError(
                "out", f"{str(file_in_the_way)!r} is a file: give a folder for the report (new or existing)"
            )
        if self.visitor_questions is not None and not self.visitor_questions.is_file():
            raise FieldError("visitor_questions", f"{str(self.visitor_questions)!r} not found")

    def modes_of(self, model: str) -> list[str]:
        """The modes `model` is prompted in: all for the first model, `other_models_modes` of them for the rest."""
        if model == next(iter(self.models)) or self.other_models_modes is None:
            return list(self.modes)
        return [mode for mode in self.modes if mode in self.other_models_modes]

    @property
    def decoding(self) -> Decoding:
        """The Space's decoding settings (cazton_llm.decoding) with this token budget."""
        return Decoding(max_new_tokens=self.max_new_tokens)

"""The Space's settings: environment variables (as set on the Hub Space) with real-world defaults.

No default is a placeholder: without ADAPTER the base serves alone, and without DATASET the dataset is
the one the adapter's model card names, or none. Where the chat listens is Gradio's own business
(GRADIO_SERVER_NAME, GRADIO_SERVER_PORT) unless a port is passed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cazton_llm.decoding import DEFAULT_MAX_NEW_TOKENS, Decoding
from cazton_llm.defaults import DEFAULT_BASE_MODEL, DEFAULT_COMPANY
from cazton_llm.errors import UserError
from cazton_llm.model_loading import ModelRef, ModelSpec
from cazton_llm.stage_config import AtLeastOne, Port, Seconds, check_fields


def from_env(name: str, default, help: str, kind=str):
    """A field whose default is the environment variable `name` (as set on the Hub Space) as `kind`, else
    `default`; the command line overrides both."""

    def read() -> object:
        if name not in os.environ:
            return default
        try:
            return kind(os.environ[name])
        except ValueError:
            raise UserError(f"{name}={os.environ[name]!r} is not a valid {kind.__name__}: fix or unset it") from None

    return field(default_factory=read, metadata={"help": f"{help} (env {name})"})


@dataclass(kw_only=True)
class SpaceConfig:
    base_model: str = from_env(
        "BASE_MODEL", DEFAULT_BASE_MODEL, "Hub id[@revision] or folder of the base model; a merged model works"
    )
    # Empty ADAPTER serves the base alone (or a merged-model folder given as BASE_MODEL).
    adapter: str = from_env("ADAPTER", "", "LoRA adapter Hub id[@revision] or folder; '' for none")
    # None (DATASET unset): the dataset the adapter's model card names, if any; "": none.
    dataset: str | None = from_env(
        "DATASET",
        None,
        "QA dataset Hub id or folder for sources and examples; unset: the one the adapter's model card names; "
        "'' for none",
    )
    company: str = from_env(
        "COMPANY", DEFAULT_COMPANY, "company named in the title, description and instruct models' system line"
    )
    device: str = from_env("DEVICE", "auto", "auto, cpu or cuda")
    max_new_tokens: AtLeastOne = from_env("MAX_NEW_TOKENS", DEFAULT_MAX_NEW_TOKENS, "token budget per answer", int)
    max_message_chars: AtLeastOne = from_env("MAX_MESSAGE_CHARS", 1000, "longer messages are refused", int)
    max_history_turns: int = from_env("MAX_HISTORY_TURNS", 2, "earlier turns shown to the model", int)
    max_sources: AtLeastOne = field(default=3, metadata={"help": "source links under each answer"})
    concurrency_limit: AtLeastOne = from_env("CONCURRENCY_LIMIT", 2, "answers generated at once", int)
    max_queue_size: AtLeastOne = from_env("MAX_QUEUE_SIZE", 32, "requests waiting at most", int)
    polish_model: str = from_env("POLISH_MODEL", "gpt-4o-mini", "OpenAI model of Polish with GPT")
    polish_timeout_s: Seconds = from_env("POLISH_TIMEOUT_S", 15.0, "seconds before Polish gives up", float)
    port: Port | None = field(
        default=None,
        metadata={
            # The address is always Gradio's GRADIO_SERVER_NAME (Hub Spaces set 0.0.0.0), else 127.0.0.1: the
            # chat stays on this machine.
            "help": "serve: local port; unset: Gradio's GRADIO_SERVER_PORT, else the first free port from 7860"
        },
    )

    def __post_init__(self):
        check_fields(self)

    @property
    def model_spec(self) -> ModelSpec:
        """The base, and the adapter if any, each parsed once from its own setting (never joined into one text)."""
        return ModelSpec(ModelRef.parse(self.base_model), ModelRef.parse(self.adapter) if self.adapter else None)

    @property
    def decoding(self) -> Decoding:
        """The decoding settings, shared with the benchmark (cazton_llm.decoding)."""
        return Decoding(max_new_tokens=self.max_new_tokens)

    @property
    def polish_available(self) -> bool:
        return bool(os.environ.get("OPENAI_API_KEY"))

"""The Space's settings: environment variables (as set on the Hub Space) with real-world defaults.

No default is a placeholder: without ADAPTER the base serves alone, and without DATASET the dataset is
the one the adapter's model card names, or none. Where the chat listens is Gradio's own business
(GRADIO_SERVER_NAME, GRADIO_SERVER_PORT) unless a port is passed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cazton_llm.decoding import DEFAULT_MAX_NEW_TOKENS, Decoding

DEFAULT_BASE_MODEL = "microsoft/phi-1_5"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class SpaceConfig:
    base_model: str = field(default_factory=lambda: os.environ.get("BASE_MODEL", DEFAULT_BASE_MODEL))
    # Empty ADAPTER serves the base alone (or a merged-model folder given as BASE_MODEL).
    adapter: str = field(default_factory=lambda: os.environ.get("ADAPTER", ""))
    # None (DATASET unset): the dataset the adapter's model card names, if any; "": none.
    dataset: str | None = field(default_factory=lambda: os.environ.get("DATASET"))
    company: str = field(default_factory=lambda: os.environ.get("COMPANY", "Cazton"))
    device: str = field(default_factory=lambda: os.environ.get("DEVICE", "auto"))
    max_new_tokens: int = field(default_factory=lambda: _env_int("MAX_NEW_TOKENS", DEFAULT_MAX_NEW_TOKENS))
    max_message_chars: int = field(default_factory=lambda: _env_int("MAX_MESSAGE_CHARS", 1000))
    max_history_turns: int = field(default_factory=lambda: _env_int("MAX_HISTORY_TURNS", 2))
    max_sources: int = 3
    concurrency_limit: int = field(default_factory=lambda: _env_int("CONCURRENCY_LIMIT", 2))
    max_queue_size: int = field(default_factory=lambda: _env_int("MAX_QUEUE_SIZE", 32))
    polish_model: str = field(default_factory=lambda: os.environ.get("POLISH_MODEL", "gpt-4o-mini"))
    polish_timeout_s: float = field(default_factory=lambda: float(os.environ.get("POLISH_TIMEOUT_S", 15)))
    # None: Gradio's GRADIO_SERVER_PORT, else the first free port from 7860. The address is always Gradio's
    # GRADIO_SERVER_NAME (Hub Spaces set 0.0.0.0), else 127.0.0.1: the chat stays on this machine.
    port: int | None = None

    @property
    def model_spec(self) -> str:
        """`BASE` or `BASE+ADAPTER`, as `cazton_llm.model_loading` reads it."""
        return f"{self.base_model}+{self.adapter}" if self.adapter else self.base_model

    @property
    def decoding(self) -> Decoding:
        """The decoding settings, shared with the benchmark (cazton_llm.decoding)."""
        return Decoding(max_new_tokens=self.max_new_tokens)

    @property
    def polish_available(self) -> bool:
        return bool(os.environ.get("OPENAI_API_KEY"))

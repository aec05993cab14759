"""How answers are decoded, for the Space and the benchmark alike: the benchmark measures what the Space serves.

Greedy (reproducible, and what small models answer best with), stopped by EOS, by a stop string (the model
starting the next turn) or by the token budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from cazton_llm.errors import UserError
from cazton_llm.prompt_format import STOP_STRINGS

DEFAULT_MAX_NEW_TOKENS = 200
# 1.0 is off. A penalty also lowers the odds of every token of the prompt, so in grounded mode it pushes the
# model away from the passage's own words; docs/train.md has the measurements behind this choice.
REPETITION_PENALTY = 1.0


@dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    repetition_penalty: float = REPETITION_PENALTY

    def __post_init__(self):
        if self.max_new_tokens < 1:
            raise UserError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.repetition_penalty <= 0:
            raise UserError(f"repetition_penalty must be positive, got {self.repetition_penalty}")

    def generate_kwargs(self, tokenizer, stop_strings=STOP_STRINGS) -> dict:
        """Keyword arguments for `model.generate` (add the inputs, and a streamer or stopping criteria)."""
        return {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.repetition_penalty,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
            "stop_strings": list(stop_strings),
            "tokenizer": tokenizer,
        }

"""How answers are decoded, for the Space and the benchmark alike: the benchmark measures what the Space serves.

Greedy (reproducible, and what small models answer best with), stopped by EOS, by a stop string (the model
starting the next turn) or by the token budget. A greedy small model can fall into a loop ("how to build a
team, how to build a team, …") that runs to the budget: no n-gram may repeat within the answer. The prompt is
left out of that rule, so a grounded answer can still quote its passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from cazton_llm.errors import UserError
from cazton_llm.prompt_format import STOP_STRINGS

DEFAULT_MAX_NEW_TOKENS = 200
# 1.0 is off. A penalty also lowers the odds of every token of the prompt, so in grounded mode it pushes the
# model away from the passage's own words; docs/train.md has the measurements behind this choice.
REPETITION_PENALTY = 1.0
# Long enough for names and phrases to recur ("Northwind Forge" is 3 tokens), short enough to stop a loop early.
ANSWER_NO_REPEAT_NGRAM_SIZE = 6


def answer_no_repeat_ngram(ngram_size: int, prompt_length: int):
    """transformers' no-repeat n-gram rule applied to the generated tokens only (its own rule also counts a
    decoder-only model's prompt, which would forbid quoting a grounded passage)."""
    from transformers.generation.logits_process import NoRepeatNGramLogitsProcessor

    class AnswerNoRepeatNGram(NoRepeatNGramLogitsProcessor):
        def __call__(self, input_ids, scores):
            return super().__call__(input_ids[:, prompt_length:], scores)

    return AnswerNoRepeatNGram(ngram_size)


@dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    repetition_penalty: float = REPETITION_PENALTY
    answer_no_repeat_ngram_size: int | None = ANSWER_NO_REPEAT_NGRAM_SIZE  # None: no rule

    def __post_init__(self):
        if self.max_new_tokens < 1:
            raise UserError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if self.repetition_penalty <= 0:
            raise UserError(f"repetition_penalty must be positive, got {self.repetition_penalty}")
        if self.answer_no_repeat_ngram_size is not None and self.answer_no_repeat_ngram_size < 1:
            raise UserError(f"answer_no_repeat_ngram_size must be at least 1, got {self.answer_no_repeat_ngram_size}")

    def generate_kwargs(self, tokenizer, prompt_length: int, stop_strings=STOP_STRINGS) -> dict:
        """Keyword arguments for `model.generate` on prompts `prompt_length` tokens long (left-padded batches
        share it); add the inputs, and a streamer or stopping criteria."""
        from transformers import LogitsProcessorList

        processors = []
        if self.answer_no_repeat_ngram_size:
            processors.append(answer_no_repeat_ngram(self.answer_no_repeat_ngram_size, prompt_length))
        return {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.repetition_penalty,
            "logits_processor": LogitsProcessorList(processors),
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
            "stop_strings": list(stop_strings),
            "tokenizer": tokenizer,
        }

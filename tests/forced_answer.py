"""A real model made to say a given answer: its own `generate` (streaming, batching and stopping as the chat and the
benchmark call it), with each step's logits forced to the next token of the answer, then its end of sequence. For the
chat's handling of answers a small model gives too rarely to test on its own (saying the website does not say)."""

from __future__ import annotations

import torch
from transformers import LogitsProcessor, LogitsProcessorList


class ForcedTokens(LogitsProcessor):
    """Only `tokens[step]` may follow (the last one for ever after), `step` counted from the prompt's end."""

    def __init__(self, tokens: list[int], prompt_length: int):
        self.tokens, self.prompt_length = tokens, prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        step = min(input_ids.shape[1] - self.prompt_length, len(self.tokens) - 1)
        forced = torch.full_like(scores, -float("inf"))
        forced[:, self.tokens[step]] = 0.0
        return forced


def make_say(model, tokenizer, answer: str, monkeypatch) -> None:
    """From now on (for this test), `model.generate` answers every prompt with `answer` (the last call's wins)."""
    tokens = [*tokenizer(answer, add_special_tokens=False)["input_ids"], tokenizer.eos_token_id]
    generate = type(model).generate.__get__(model)  # the model's own, not an earlier call's

    def generate_forced(*args, **kwargs):
        processors = LogitsProcessorList([*(kwargs.pop("logits_processor", None) or [])])
        processors.append(ForcedTokens(tokens, kwargs["input_ids"].shape[1]))
        return generate(*args, logits_processor=processors, **kwargs)

    monkeypatch.setattr(model, "generate", generate_forced)

"""The shared decoding settings: an answer may quote its prompt (a grounded passage) but not loop on itself."""

import pytest
import torch

from cazton_llm.decoding import Decoding, answer_no_repeat_ngram
from cazton_llm.errors import UserError

VOCAB = 10


def banned_next_tokens(prompt: list[int], answer: list[int], ngram_size: int = 3) -> set[int]:
    rule = answer_no_repeat_ngram(ngram_size, prompt_length=len(prompt))
    scores = rule(torch.tensor([prompt + answer]), torch.zeros(1, VOCAB))
    return {token for token in range(VOCAB) if scores[0, token] == -float("inf")}


def test_the_answer_may_quote_its_prompt():
    # The prompt holds 1 2 3; the answer so far is 1 2: completing the prompt's 3-gram is allowed.
    assert banned_next_tokens([1, 2, 3, 4], [1, 2]) == set()


def test_the_answer_may_not_repeat_its_own_ngrams():
    # The answer already said 5 6 7; after 5 6 again, 7 would start a loop.
    assert banned_next_tokens([1, 2], [5, 6, 7, 8, 5, 6]) == {7}


def test_generate_kwargs_carry_the_rule_and_bad_values_are_refused():
    class Tokenizer:
        eos_token_id, pad_token_id = 2, 0

    kwargs = Decoding(max_new_tokens=9).generate_kwargs(Tokenizer(), prompt_length=4)
    assert kwargs["max_new_tokens"] == 9 and kwargs["do_sample"] is False and len(kwargs["logits_processor"]) == 1
    assert len(Decoding(answer_no_repeat_ngram_size=None).generate_kwargs(Tokenizer(), 4)["logits_processor"]) == 0
    for bad in ({"max_new_tokens": 0}, {"repetition_penalty": 0}, {"answer_no_repeat_ngram_size": 0}):
        with pytest.raises(UserError):
            Decoding(**bad)

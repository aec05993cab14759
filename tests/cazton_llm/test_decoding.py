"""The shared decoding settings: an answer may quote its prompt (a grounded passage) but not loop on itself, nor
repeat a long run of an earlier answer of the conversation (a follow-up that says the previous answer again)."""

import pytest
import torch

from cazton_llm.decoding import Decoding, banned_next_tokens, earlier_answer_ids, history_continuations
from cazton_llm.errors import UserError

VOCAB = 10


class Tokenizer:
    eos_token_id, pad_token_id = 2, 0


def banned_by_generate_kwargs(
    prompt: list[int], answer: list[int], earlier: list[list[int]] = (), decoding: Decoding | None = None
) -> set[int]:
    """The tokens the processors `Decoding.generate_kwargs` hands to `model.generate` forbid next."""
    decoding = decoding or Decoding(answer_no_repeat_ngram_size=3, history_no_repeat_ngram_size=4)
    kwargs = decoding.generate_kwargs(Tokenizer(), prompt_length=len(prompt), earlier_answers=[earlier])
    scores = torch.zeros(1, VOCAB)
    for processor in kwargs["logits_processor"]:
        scores = processor(torch.tensor([prompt + answer]), scores)
    return {token for token in range(VOCAB) if scores[0, token] == -float("inf")}


def test_the_answer_may_quote_its_prompt():
    # The prompt holds 1 2 3; the answer so far is 1 2: completing the prompt's 3-gram is allowed.
    assert banned_by_generate_kwargs([1, 2, 3, 4], [1, 2]) == set()


def test_the_answer_may_not_repeat_its_own_ngrams():
    # The answer already said 5 6 7; after 5 6 again, 7 would start a loop.
    assert banned_by_generate_kwargs([1, 2], [5, 6, 7, 8, 5, 6]) == {7}


def test_the_answer_may_not_repeat_a_long_run_of_an_earlier_answer():
    earlier = [[3, 4, 5, 6, 7]]  # the previous answer, as the chat sends it in the history
    assert banned_by_generate_kwargs([1], [3, 4, 5], earlier) == {6}, "3 4 5 6 is a 4-gram of the earlier answer"
    assert banned_by_generate_kwargs([1], [8, 4, 5], earlier) == set(), "a shorter shared run is allowed"
    assert banned_by_generate_kwargs([1], [3, 4], earlier) == set(), "names and short phrases may recur"
    without_rule = Decoding(answer_no_repeat_ngram_size=3, history_no_repeat_ngram_size=None)
    assert banned_by_generate_kwargs([1], [3, 4, 5], earlier, without_rule) == set()


def test_each_row_of_a_batch_has_its_own_history():
    decoding = Decoding(answer_no_repeat_ngram_size=None, history_no_repeat_ngram_size=3)
    kwargs = decoding.generate_kwargs(Tokenizer(), prompt_length=1, earlier_answers=[[[5, 6, 7]], []])
    (processor,) = kwargs["logits_processor"]
    scores = processor(torch.tensor([[1, 5, 6], [1, 5, 6]]), torch.zeros(2, VOCAB))
    assert scores[0, 7] == -float("inf") and not torch.isinf(scores[1]).any()


def test_the_rule_is_one_function_of_token_ids():
    """What another runtime calls: the answer so far and the earlier answers' ids in, the banned tokens out."""
    history = history_continuations([[3, 4, 5, 6], [9, 4, 5, 8]], ngram_size=4)
    assert banned_next_tokens([1, 3, 4, 5], 6, history, 4) == {6}
    assert banned_next_tokens([1, 9, 4, 5], 6, history, 4) == {8}
    assert banned_next_tokens([5, 6, 7, 8, 9, 1, 5, 6, 7, 8, 9], 6, None, None) == {1}


def test_earlier_answers_are_the_assistant_turns_token_ids():
    class WordTokenizer:  # a word's id: its length; a leading space adds 100 to the first word's
        def __call__(self, text, add_special_tokens=True):
            ids = [len(word) for word in text.split()]
            return {"input_ids": [ids[0] + 100 * text.startswith(" "), *ids[1:]]}

    turns = [
        {"role": "user", "content": "a question"},
        {"role": "assistant", "content": "one answer"},
        {"role": "user", "content": "another"},
        {"role": "assistant", "content": "the second answer"},
        {"role": "user", "content": "and the price?"},
        {"role": "assistant", "content": "The Acme website does not say. You can ask Acme directly: http://x/contact"},
    ]
    expected = [[3, 6], [103, 6], [3, 6, 6], [103, 6, 6]]
    assert earlier_answer_ids(WordTokenizer(), turns) == expected, "the fixed abstention answer may be given again"


def test_generate_kwargs_carry_the_rule_and_bad_values_are_refused():
    kwargs = Decoding(max_new_tokens=9).generate_kwargs(Tokenizer(), prompt_length=4)
    assert kwargs["max_new_tokens"] == 9 and kwargs["do_sample"] is False and len(kwargs["logits_processor"]) == 1
    off = Decoding(answer_no_repeat_ngram_size=None)
    assert len(off.generate_kwargs(Tokenizer(), 4)["logits_processor"]) == 0
    assert len(off.generate_kwargs(Tokenizer(), 4, earlier_answers=[[[1, 2, 3, 4]]])["logits_processor"]) == 1
    bad_values = (
        {"max_new_tokens": 0},
        {"repetition_penalty": 0},
        {"answer_no_repeat_ngram_size": 0},
        {"history_no_repeat_ngram_size": 0},
    )
    for bad in bad_values:
        with pytest.raises(UserError):
            Decoding(**bad)

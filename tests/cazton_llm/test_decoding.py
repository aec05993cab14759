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


def test_a_one_token_loop_is_stopped_as_soon_as_the_answer_is_one_ngram_long():
    assert banned_next_tokens([7, 7, 7], 3) == {7}, "7 7 7 7 would repeat the 3-gram 7 7 7"
    assert banned_next_tokens([7, 7], 3) == set()


def test_both_rules_ban_together():
    history = history_continuations([[5, 6, 9]], ngram_size=3)
    assert banned_next_tokens([5, 6, 7, 8, 5, 6], 3, history, 3) == {7, 9}, "its own 5 6 7 and the earlier 5 6 9"


def test_without_a_history_size_earlier_answers_may_be_repeated():
    history = history_continuations([[3, 4, 5, 6]], ngram_size=4)
    assert banned_next_tokens([1, 3, 4, 5], 6, history, None) == set()


def test_a_batch_given_no_earlier_answers_still_stops_each_rows_loops():
    kwargs = Decoding(answer_no_repeat_ngram_size=3).generate_kwargs(Tokenizer(), prompt_length=1)
    (processor,) = kwargs["logits_processor"]
    scores = processor(torch.tensor([[1, 5, 6, 7, 5, 6], [1, 8, 9, 4, 8, 9]]), torch.zeros(2, VOCAB))
    assert [set(torch.isinf(row).nonzero().flatten().tolist()) for row in scores] == [{7}, {4}]


def test_an_answer_may_end_where_an_earlier_one_ended():
    """A tokenizer that ends every text it encodes with EOS (as some add BOS/EOS to a prompt): the earlier
    answer's ids are the words the model wrote, so saying its last words again does not forbid stopping."""
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["Azure course price days"] * 5, vocab_size=280, special_tokens=["</s>"])
    bpe._tokenizer.post_processor = TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 0)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="</s>")
    earlier = earlier_answer_ids(tokenizer, [{"role": "assistant", "content": "Azure course price days"}])
    answer = tokenizer("Azure course price days", add_special_tokens=False)["input_ids"]
    assert tokenizer.eos_token_id not in banned_next_tokens(answer, None, history_continuations(earlier, 3), 3)


def test_the_smallest_allowed_values_are_accepted_and_a_refusal_names_the_setting():
    Decoding(max_new_tokens=1, answer_no_repeat_ngram_size=1, history_no_repeat_ngram_size=1, loop_window_words=3)
    refusals = {
        "max_new_tokens must be at least 1, got 0": {"max_new_tokens": 0},
        "loop_window_words must be at least 3, got 2": {"loop_window_words": 2},
        "repetition_penalty must be positive, got -1": {"repetition_penalty": -1},
        "history_no_repeat_ngram_size must be at least 1, got 0": {"history_no_repeat_ngram_size": 0},
    }
    for message, bad in refusals.items():
        with pytest.raises(UserError, match=message):
            Decoding(**bad)


def test_generate_kwargs_stop_at_eos_and_stop_strings_and_pad_with_the_pad_token():
    tokenizer = Tokenizer()
    kwargs = Decoding(repetition_penalty=1.2).generate_kwargs(tokenizer, prompt_length=4, stop_strings=("END",))
    del kwargs["logits_processor"]
    assert len(kwargs.pop("stopping_criteria")) == 1, "the loop rule"
    assert kwargs == {
        "max_new_tokens": 200,
        "do_sample": False,
        "repetition_penalty": 1.2,
        "eos_token_id": 2,
        "pad_token_id": 0,
        "stop_strings": ["END"],
        "tokenizer": tokenizer,
    }


class WordTokenizer(Tokenizer):
    """Token i is the word WORDS[i]; 0 is the pad token."""

    WORDS = ("<pad>", "<s>", "</s>", "did", "it", "done", "we", "teach", "azure", "and", "kubernetes", "in", "portland")

    def batch_decode(self, rows, skip_special_tokens=False):
        return [" ".join(self.WORDS[token] for token in row.tolist() if token > 2) for row in rows]


def test_the_loop_rule_stops_the_row_that_loops_and_lets_the_others_go_on():
    tokenizer = WordTokenizer()
    looping = [3, 4] * 8 + [5, 4, 3]  # "did it did it … done it did": 19 words, 3 distinct
    varied = ([6, 7, 8, 9, 10, 11, 12] * 3)[:19]  # 19 words, 7 distinct
    prompt = [1, 7]
    (criterion,) = Decoding().generate_kwargs(tokenizer, prompt_length=len(prompt))["stopping_criteria"]
    stopped = criterion(torch.tensor([prompt + looping, prompt + varied]), torch.zeros(2, VOCAB))
    assert stopped.tolist() == [True, False]
    assert criterion(torch.tensor([prompt + looping[:17]]), torch.zeros(1, VOCAB)).tolist() == [False], (
        "17 words: fewer than the window"
    )
    long_answer = [prompt + varied * 10 + looping]  # the loop after 190 words that are none
    assert criterion(torch.tensor(long_answer), torch.zeros(1, VOCAB)).tolist() == [True]
    assert Decoding(loop_window_words=None).generate_kwargs(tokenizer, prompt_length=2)["stopping_criteria"] == []

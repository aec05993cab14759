"""Training examples longer than max_length are left out with a notice, not cut before their end of turn."""

from __future__ import annotations

from datasets import Dataset
from transformers import AutoTokenizer

from cazton_llm.prompt_format import prepare_tokenizer
from train.sft import within_length


def conversation(words: int) -> dict:
    return {"messages": [{"role": "user", "content": "word " * words}, {"role": "assistant", "content": "Yes."}]}


def test_only_the_examples_that_fit_are_kept_and_the_rest_are_counted(tiny_base_dir, capsys):
    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(tiny_base_dir))
    split = Dataset.from_list([conversation(5), conversation(200), conversation(10)])
    short_length = len(tokenizer.apply_chat_template(conversation(10)["messages"], tokenize=True, return_dict=False))

    kept = within_length(split, tokenizer, short_length, "train")

    assert [len(row["messages"][0]["content"].split()) for row in kept] == [5, 10]
    assert "1 of 3 train examples are longer than max_length" in capsys.readouterr().out


def test_without_a_max_length_every_example_is_kept(tiny_base_dir, capsys):
    """`max_length: null` (padding-free batches, which TRL does not truncate) keeps every example."""
    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(tiny_base_dir))
    split = Dataset.from_list([conversation(5), conversation(200)])

    assert len(within_length(split, tokenizer, None, "train")) == 2
    assert "longer than max_length" not in capsys.readouterr().out

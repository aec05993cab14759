"""Guarantees of the shared core, each test written so that a named one-line bug fails it: earlier turns
reach the prompt, grounding matches whole words, a stop string cuts wherever it starts (also at 0)."""

from types import SimpleNamespace

import pytest
from tokenizers import ByteLevelBPETokenizer
from transformers import PreTrainedTokenizerFast

from cazton_llm.grounding import content_words, grounding_score
from cazton_llm.prompt_format import (
    STOP_STRINGS,
    build_messages,
    has_own_chat_template,
    prepare_tokenizer,
    render_prompt,
    spare_pad_token,
)
from cazton_llm.stopping import cut_at_stop_string, find_stop_string, finish_answer, trim_dangling_sentence

HISTORY = [
    {"role": "user", "content": "Do you teach Azure?"},
    {"role": "assistant", "content": "Yes, a three-day course."},
]


@pytest.fixture(scope="module")
def tokenizer():
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["User: Assistant: Azure course price days"] * 5, vocab_size=280, special_tokens=["<|e|>"])
    return prepare_tokenizer(PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|e|>"))


# Bug: build_messages ignores `history` (the chat then answers every follow-up as a first question).
def test_earlier_questions_come_before_the_question_in_order():
    history = [*HISTORY, {"role": "user", "content": "And Python?"}, {"role": "assistant", "content": "Four days."}]
    messages = build_messages("How much is it?", system="Be brief.", history=history)
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": "Earlier questions: Do you teach Azure? / And Python?\n\nQuestion: How much is it?",
        },
    ]


# Bug: the earlier answers go into the prompt (the model then repeats them instead of answering).
def test_history_reaches_the_rendered_prompt_without_its_answers(tokenizer):
    prompt = render_prompt(tokenizer, "How much is it?", passage="Azure: 3 days.", history=HISTORY)
    assert prompt == (
        "User: Earlier questions: Do you teach Azure?\n\nContext: Azure: 3 days.\n\nQuestion: How much is it?"
        "\nAssistant:"
    )
    assert "three-day" not in prompt


def test_history_reads_only_role_and_content():
    turns = [{"role": "user", "content": "Hi", "metadata": {"title": "x"}, "options": None}]
    assert build_messages("Q?", history=turns)[0] == {
        "role": "user",
        "content": "Earlier questions: Hi\n\nQuestion: Q?",
    }


# Bug: grounding by substring ("java" found in "javascript", "art" in "start-ups").
def test_grounding_matches_whole_words_not_substrings():
    passage = "We teach JavaScript to start-ups and run workshops."
    assert grounding_score("Java art", passage) == 0.0
    assert grounding_score("JavaScript workshops", passage) == 1.0
    assert grounding_score("Java workshops", passage) == 0.5


def test_grounding_counts_every_occurrence_of_an_answer_word():
    # The share is over the answer's words with repeats: "azure azure python" is 2/3 supported.
    assert grounding_score("Azure, Azure, Python.", "Azure only.") == pytest.approx(2 / 3)


def test_grounding_is_case_insensitive_and_ignores_stop_words():
    assert grounding_score("THE AZURE course", "azure COURSE") == 1.0
    assert content_words("It is the one") == ["one"]


# Bug: a stop string found at index 0 treated as "not found" (`index > 0`).
@pytest.mark.parametrize("stop", STOP_STRINGS)
def test_a_stop_string_at_the_start_cuts_everything(stop):
    generated = f"{stop} What else do you offer?"
    assert find_stop_string(generated) == 0
    assert cut_at_stop_string(generated) == ("", True)
    finished = finish_answer(generated, ended_by_eos=False)
    assert (finished.text, finished.stop_reason) == ("", "stop_string")


def test_a_stop_string_at_the_end_is_cut_and_counted():
    assert cut_at_stop_string("We teach Azure.<|im_end|>") == ("We teach Azure.", True)
    assert finish_answer("We teach Azure.</s>", ended_by_eos=True).stop_reason == "stop_string"


def test_the_first_occurrence_of_a_stop_string_cuts_and_none_found_is_minus_one():
    text = "We teach Azure.\nUser: and?\nAssistant: More.\nUser: bye"
    assert find_stop_string(text) == text.index("\nUser:")
    assert cut_at_stop_string(text) == ("We teach Azure.", True)
    assert find_stop_string("We teach Azure.") == -1


def test_the_callers_stop_strings_replace_the_default_ones():
    assert cut_at_stop_string("We teach Azure. END more", ("END",)) == ("We teach Azure. ", True)
    assert cut_at_stop_string("We teach Azure.\nUser: hi", ("END",)) == ("We teach Azure.\nUser: hi", False)
    finished = finish_answer("We teach Azure. END more", ended_by_eos=False, stop_strings=("END",))
    assert (finished.text, finished.stop_reason) == ("We teach Azure.", "stop_string")


def test_a_dangling_trim_strips_trailing_space_even_without_a_sentence_end():
    assert trim_dangling_sentence("an unfinished thought   ") == "an unfinished thought"
    assert trim_dangling_sentence("  We build apps. And") == "  We build apps."


CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def test_no_company_no_system_line_even_for_a_model_with_its_own_template():
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["Azure course"] * 5, vocab_size=280, special_tokens=["<|im_start|>", "<|im_end|>"])
    own = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|im_end|>", bos_token="<|im_start|>")
    own.chat_template = CHATML
    assert render_prompt(own, "Q?") == "<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n"


def test_an_object_without_a_chat_template_attribute_has_no_template_of_its_own():
    assert has_own_chat_template(SimpleNamespace()) is False


def test_a_special_token_the_template_writes_never_pads():
    bpe = ByteLevelBPETokenizer()
    specials = ["<|im_start|>", "<|im_sep|>", "<|im_end|>", "<|endoftext|>"]
    bpe.train_from_iterator(["Azure course"] * 5, vocab_size=280, special_tokens=specials)
    own = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|im_end|>", bos_token="<|im_start|>")
    own.add_special_tokens({"additional_special_tokens": specials[1:2] + specials[3:]})
    own.chat_template = CHATML.replace("'\\n' + m['content']", "'<|im_sep|>' + m['content']")
    assert spare_pad_token(own) == "<|endoftext|>"

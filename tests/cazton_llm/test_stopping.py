"""Where answers end: crafted generations for every stop reason and trim rule."""

import pytest

from cazton_llm.stopping import (
    cut_at_stop_string,
    drop_repeated_sentences,
    find_stop_string,
    finish_answer,
    trim_dangling_sentence,
)


@pytest.mark.parametrize(
    ("generated", "ended_by_eos", "text", "reason"),
    [
        ("We offer Azure training.", True, "We offer Azure training.", "eos"),
        ("We offer Azure training.\nUser: and what else?", False, "We offer Azure training.", "stop_string"),
        ("Cloud migration.\nquestion: what is", False, "Cloud migration.", "stop_string"),
        ("We build apps. We also teach. And then the", False, "We build apps. We also teach.", "max_tokens"),
        ("We build apps. We build apps. We build apps.", True, "We build apps.", "eos"),
        ("an unfinished thought with no end", False, "an unfinished thought with no end", "max_tokens"),
        ("", True, "", "eos"),
        # The Space's crafted generations
        ("We partner with Microsoft.", True, "We partner with Microsoft.", "eos"),
        (
            "We partner with Microsoft.\nUser: What else?\nAssistant: AWS.",
            False,
            "We partner with Microsoft.",
            "stop_string",
        ),
        ("Our office is in Toronto.\nquestion: where", False, "Our office is in Toronto.", "stop_string"),
        ("We ship software. We ship software. We ship software. We also tr", False, "We ship software.", "max_tokens"),
        ("Founded in Toronto. We build software that", False, "Founded in Toronto.", "max_tokens"),
    ],
)
def test_finish_answer(generated, ended_by_eos, text, reason):
    finished = finish_answer(generated, ended_by_eos)
    assert (finished.text, finished.stop_reason) == (text, reason)


def test_earliest_stop_string_wins():
    text = "Answer one.\nQuestion: two\nUser: three"
    assert find_stop_string(text) == text.index("\nQuestion:")
    assert cut_at_stop_string(text) == ("Answer one.", True)
    assert cut_at_stop_string("No stop here.") == ("No stop here.", False)


def test_repeated_sentences_are_dropped_case_and_space_insensitively():
    assert drop_repeated_sentences("We help. we  help. We teach!") == "We help. We teach!"


def test_dangling_sentence_trim_keeps_closing_quotes():
    assert trim_dangling_sentence('He said "yes." Then') == 'He said "yes."'
    assert trim_dangling_sentence("Version 2.5 is out. It") == "Version 2.5 is out."

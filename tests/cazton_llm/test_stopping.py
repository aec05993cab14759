"""Where answers end: crafted generations for every stop reason and trim rule."""

import re

import pytest

from cazton_llm.stopping import (
    cut_at_stop_string,
    drop_repeated_sentences,
    find_stop_string,
    finish_answer,
    loop_span,
    trim_dangling_sentence,
)

# Loops the demo's SmolLM2 adapter ran into, kept from repeating itself exactly by the no-repeat rule.
DID_IT = "Yes, it did it did it did it done it did it did it didn't do it did it did it do it did it did she did"
WEEKS = "A typical four to six week wave of four to six weeks to four to six weeks to six weeks to six to six weeks to"


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
        # A loop with variations: cut where it starts, keeping at least the first sentence
        (DID_IT, False, "Yes", "loop"),
        (WEEKS, False, "A typical four to six week", "loop"),
        ("We teach Kubernetes. " + WEEKS, False, "We teach Kubernetes.", "loop"),
        ("Yes. Yes. " + "you can say yes, " * 8, False, "Yes.", "loop"),
        # A list that loops keeps its first item
        (
            "Software consulting that ships includes web development services, web design and web hosting services, "
            "web hosting and web development services, web hosting and website hosting services, web hosting",
            False,
            "Software consulting that ships includes web development services",
            "loop",
        ),
        # The model ended it: kept as it wrote it
        (DID_IT + ".", True, DID_IT + ".", "eos"),
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


@pytest.mark.parametrize(
    "answer",
    [
        "We offer cloud migration, custom web development, AI and machine learning, data engineering, DevOps and "
        "mobile apps and app security reviews.",
        "Our offices: Portland, Oregon; Toronto, Ontario; Lisbon, Portugal. Call +1 503 555 0142 from 8 to 6.",
        "Steps: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20.",
        "The course is hands-on: you build an app, you test the app, you ship the app, and you run the app in a "
        "cluster you set up yourself.",
    ],
)
def test_an_answer_that_names_several_things_is_no_loop(answer):
    assert loop_span(answer) is None
    assert finish_answer(answer, False).stop_reason == "max_tokens"


def test_a_loop_is_found_where_it_starts_and_not_at_all_when_the_rule_is_off():
    start, end = loop_span(DID_IT)
    assert start == DID_IT.index("it did") and len(re.findall(r"\w+", DID_IT[start:end])) == 18
    assert loop_span("We ship. " + WEEKS)[0] == len("We ship. A typical four to six week ")
    assert loop_span(DID_IT, window=None) is None
    assert finish_answer(DID_IT, False, loop_window=None).stop_reason == "max_tokens"
    assert loop_span("did it " * 8) is None, "fewer words than the window"

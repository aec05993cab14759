"""The Space's answer path: escaping, sources, earlier turns kept and input limits (where answers end:
tests/cazton_llm/test_stopping.py)."""

from __future__ import annotations

import dataclasses

import gradio as gr
import pytest

from cazton_llm.retrieval import PassageIndex, Source
from space.reply import as_text, check_message, prior_turns, reply_messages, source_link

SOURCES = [
    Source("https://example.com/partners", "Technology partners", "We partner with Microsoft and AWS."),
    Source("https://example.com/about", "About us", "Founded in Toronto, we build software."),
    Source("https://example.com/careers", "Careers", "We hire engineers who like to ship."),
]


def as_history(messages: list[gr.ChatMessage]) -> list[dict]:
    """The reply's messages as Gradio sends them back in the next turn's history."""
    return [{**dataclasses.asdict(message), "role": "assistant"} for message in messages]


def test_reply_shows_markup_as_text_and_the_sources_and_notice_apart():
    answer, notice, sources = reply_messages(
        'Try <b>this</b> <script>alert("x")</script>', SOURCES[:2], notice="Polishing was unavailable."
    )
    assert "<b>" not in answer.content and "&lt;b&gt;this&lt;/b&gt;" in answer.content
    assert "<script" not in answer.content and not answer.metadata
    assert (notice.content, notice.metadata["title"]) == ("Polishing was unavailable.", "Notice")
    assert sources.metadata["title"] == "Sources" and sources.content == (
        "- [Technology partners](https://example.com/partners)\n- [About us](https://example.com/about)"
    )
    assert as_text(as_text("<i>")) == as_text("<i>") == "&lt;i&gt;"
    (no_answer,) = reply_messages("", [])
    assert "no answer" in no_answer.content


def test_earlier_turns_are_kept_without_sources_or_notices():
    history = [
        {"role": "user", "content": "First question?"},
        *as_history(reply_messages("First <answer>.", SOURCES[:1])),
        {"role": "user", "content": [{"type": "text", "text": "Second question?"}]},
        *as_history(reply_messages("Second answer.", SOURCES, notice="Polishing was unavailable.")),
    ]
    assert prior_turns(history, max_turns=1, max_chars=100) == [
        {"role": "user", "content": "Second question?"},
        {"role": "assistant", "content": "Second answer."},
    ]
    assert prior_turns(history, max_turns=2, max_chars=100)[1] == {"role": "assistant", "content": "First <answer>."}
    assert prior_turns(history, max_turns=0, max_chars=100) == []


def test_images_html_and_diagrams_are_shown_as_text_and_read_back_as_written():
    answer = "See ![chart](http://x/leak?q=1), <img src=y> and\n```mermaid\nflowchart\n```\n~~~\ncode\n~~~"
    shown = as_text(answer)
    assert "![" not in shown and "<" not in shown and "`" not in shown and "~" not in shown
    assert as_text(shown) == shown
    history = [{"role": "user", "content": "Q?"}, *as_history(reply_messages(answer, SOURCES[:1]))]
    assert prior_turns(history, max_turns=1, max_chars=500)[1]["content"] == answer


def test_source_links_only_point_to_http_pages_and_cannot_carry_markup():
    crafted = Source("https://example.com/a?b=1)![x](http://evil/leak", "Offer <img src=http://evil/t> [1]", "p")
    link = source_link(crafted)
    assert link == (
        "[Offer &lt;img src=http://evil/t&gt; (1)](https://example.com/a?b=1%29%21%5Bx%5D%28http://evil/leak)"
    )
    assert source_link(Source("javascript:alert(1)//", "Click", "p")) == "Click"
    assert source_link(Source("data:text/html,hi", "", "p")) == "data:text/html,hi"


def test_a_history_the_client_sends_is_read_only_as_far_as_it_is_used():
    huge = "x" * 10_000_000
    history = [{"role": role, "content": huge} for _ in range(4) for role in ("user", "assistant")]
    history[-1] = {"role": "assistant", "content": [{"type": "text", "text": huge}] * 1000}
    turns = prior_turns(history, max_turns=2, max_chars=1000)
    assert [len(turn["content"]) for turn in turns] == [1000] * 4


def test_input_limits():
    assert check_message("  Who are you?  ", 20) == "Who are you?"
    with pytest.raises(gr.Error, match="Please type a question"):
        check_message(" \n ", 20)
    with pytest.raises(gr.Error, match="21 characters; the limit is 20"):
        check_message("x" * 21, 20)


def test_search_returns_the_most_relevant_pages_first():
    index = PassageIndex(SOURCES)
    assert index.search("Which technology partners do you have?")[0].url == "https://example.com/partners"
    assert index.search("Where were you founded?")[0].title == "About us"
    assert index.search("what is it?") == []
    assert len(index.search("partners software engineers", limit=2)) <= 2


def test_a_page_with_several_matching_passages_is_listed_once():
    partners = "https://example.com/partners"
    index = PassageIndex(
        [
            Source(partners, "Technology partners", "We partner with Microsoft on Azure projects."),
            Source(partners, "Technology partners", "We partner with AWS on data projects."),
            Source("https://example.com/cloud", "Cloud", "Our partner network covers Azure and AWS projects."),
            *SOURCES[1:],
        ]
    )
    found = index.search("Which partners do you work with on Azure and AWS projects?")
    assert [source.url for source in found].count(partners) == 1
    assert {source.url for source in found[:2]} == {partners, "https://example.com/cloud"}

"""The chat app on 127.0.0.1 driven by gradio_client: streamed answers with sources, examples
from the dataset, bad input answered with clear text, and a cancelled request stops generating."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from cazton_llm.dataset_loading import load_qa_dataset
from space.chat import STOP_REASON_COUNTS
from tests.space.conftest import generate_threads, reply_parts, running_app, wait_until

pytestmark = pytest.mark.slow
SOURCE_LINK = re.compile(r"^- \[(?P<title>[^\]]+)\]\((?P<url>http[^)]+)\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def streamed_reply(client: Client, message: str) -> list[str]:
    job = client.submit(message, False, api_name="/chat")
    return [*job, *job.outputs()[-1:]]


def test_answers_stream_token_by_token_with_sources(client, qa_dataset_dir):
    before = sum(STOP_REASON_COUNTS.values())
    updates = streamed_reply(client, "Who are the technology partners of Northwind Forge?")
    assert len(updates) >= 3, updates
    answer, titled = reply_parts(updates[-1])
    sources = titled["Sources"]
    assert answer.strip()
    links = SOURCE_LINK.findall(sources)
    assert 1 <= len(links) <= 3
    dataset_urls = set(load_qa_dataset(qa_dataset_dir, "passages", split="train")["url"])
    assert {url for _, url in links} <= dataset_urls
    assert any("partner" in title.lower() or "partner" in url for title, url in links)
    assert "Sources" not in reply_parts(updates[0])[1]
    assert sum(STOP_REASON_COUNTS.values()) == before + 1


def test_grounded_setting_answers_too(client):
    _, titled = reply_parts(client.predict("Where is the office?", True, api_name="/chat"))
    assert SOURCE_LINK.search(titled["Sources"])


def test_a_question_naming_only_the_company_is_answered_from_the_home_page(client):
    """The app reads the configured company's name as no topic: "What is Northwind Forge?" gets the home page, not
    the about page's offices, which share its name."""
    _, titled = reply_parts(client.predict("What is Northwind Forge?", True, api_name="/chat"))
    first_url = SOURCE_LINK.search(titled["Sources"])["url"]
    assert first_url.rstrip("/").count("/") == 2, titled["Sources"]


def test_example_questions_and_description_come_from_the_dataset(client, qa_dataset_dir):
    page_config = client.config
    questions = set(load_qa_dataset(qa_dataset_dir, split="test")["question"]) | set(
        load_qa_dataset(qa_dataset_dir, split="train")["question"]
    )
    # Shown as buttons in the chat: clicking one asks it with the current settings.
    shown = {
        example["text"]
        for component in page_config["components"]
        if component.get("type") == "chatbot"
        for example in component["props"].get("examples") or []
    }
    assert shown and shown <= questions
    assert "Northwind Forge" in str(page_config)


@pytest.mark.parametrize(
    ("message", "expected"),
    [("", "Please type a question"), ("   ", "Please type a question"), ("x" * 100_000, "the limit is 500")],
)
def test_bad_input_gets_a_clear_message(client, message, expected):
    with pytest.raises(AppError, match=expected) as error:
        client.predict(message, False, api_name="/chat")
    assert "Traceback" not in str(error.value)


def test_cancelling_a_request_stops_generation(space_config, never_stopping_model):
    long_answers = replace(space_config, max_new_tokens=700)
    with running_app(long_answers, never_stopping_model) as url:
        job = Client(url, verbose=False).submit("Tell me about the company in great detail.", False, api_name="/chat")
        assert wait_until(lambda: bool(generate_threads()) and job.status().code.name == "ITERATING", timeout_s=30)
        finished_before = sum(STOP_REASON_COUNTS.values())
        job.cancel()
        # Generous: an answer that ran on to its end instead would be counted below.
        assert wait_until(lambda: not generate_threads(), timeout_s=30)
        assert sum(STOP_REASON_COUNTS.values()) == finished_before, "the answer ran to its end instead of stopping"

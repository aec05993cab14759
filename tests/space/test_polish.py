"""GPT polish through the app against the local OpenAI-compatible stand-in: success, timeout and
HTTP 500 each show the expected reply; without a key there is no toggle; the key never leaks."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import requests
from gradio_client import Client

from space.polish import polish_answer
from tests.space.conftest import reply_parts, running_app
from tests.stand_ins.openai_server import OpenAIStandIn

pytestmark = pytest.mark.slow
FAKE_KEY = "sk-test-never-shown-0123456789"
POLISHED = "Northwind Forge partners with several technology vendors."


@pytest.fixture(scope="module")
def polish_server():
    with OpenAIStandIn(hang_s=3.0) as server:
        server.responder = lambda body: POLISHED
        yield server


@pytest.fixture(scope="module")
def polish_app_url(space_config, loaded_model, polish_server):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_API_KEY", FAKE_KEY)
        env.setenv("OPENAI_BASE_URL", polish_server.url)
        with running_app(replace(space_config, polish_timeout_s=1.0), loaded_model) as url:
            yield url


def ask(url: str, polish: bool) -> list[dict]:
    return Client(url, verbose=False).predict("Who are your technology partners?", False, polish, api_name="/chat")


def test_polish_rewrites_the_answer_and_keeps_sources(polish_app_url, polish_server):
    calls = polish_server.calls
    answer, titled = reply_parts(ask(polish_app_url, polish=True))
    assert answer.startswith(POLISHED)
    assert "Sources" in titled and "Notice" not in titled
    request = polish_server.requests[calls]
    prompt_text = " ".join(message["content"] for message in request["messages"])
    assert "Do not add any fact" in prompt_text and "Source passage:" in prompt_text
    assert polish_server.authorization[calls] == f"Bearer {FAKE_KEY}"


@pytest.mark.parametrize(("fault", "notice"), [("timeout", "timed out"), ("500", "HTTP 500")])
def test_polish_failure_shows_the_raw_answer_with_a_notice(polish_app_url, polish_server, fault, notice):
    raw, _ = reply_parts(ask(polish_app_url, polish=False))
    polish_server.script([fault])
    answer, titled = reply_parts(ask(polish_app_url, polish=True))
    assert titled["Notice"].startswith("Polishing was unavailable (the polishing service ")
    assert notice in titled["Notice"]
    assert answer == raw
    assert POLISHED not in answer


def test_unchecked_polish_makes_no_call(polish_app_url, polish_server):
    calls = polish_server.calls
    ask(polish_app_url, polish=False)
    assert polish_server.calls == calls


def test_the_key_never_reaches_the_page_or_logs(polish_app_url, caplog):
    with caplog.at_level(logging.DEBUG):
        ask(polish_app_url, polish=True)
    page = requests.get(polish_app_url, timeout=10).text
    config = requests.get(polish_app_url.rstrip("/") + "/config", timeout=10).text
    assert "Polish with GPT" in config
    assert FAKE_KEY not in page and FAKE_KEY not in config
    assert FAKE_KEY not in caplog.text


def test_without_a_key_the_toggle_is_hidden(app_url):
    config = requests.get(app_url.rstrip("/") + "/config", timeout=10).json()
    assert "Polish with GPT" not in str(config)
    assert "Grounded" in str(config)


def test_malformed_response_falls_back(polish_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", polish_server.url)
    polish_server.script(["malformed"])
    result = polish_answer("Q?", "Raw answer.", "passage", "gpt-4o-mini", timeout_s=30)  # the reply, not a timeout
    assert result.text == "Raw answer."
    assert "Polishing was unavailable" in result.notice

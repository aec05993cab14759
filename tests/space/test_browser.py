"""A real browser (Debian's chromium, headless, driven by Playwright) asks the demo's model (SmolLM2-135M-Instruct
with a LoRA adapter, grounded as the Space is by default) a question, sees the streamed answer in English
sentences and the right source page, and markup typed into the chat is shown as text, not run."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from cazton_llm.model_loading import load_for_inference
from tests.space.conftest import browser_page, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def smollm2_app_url(space_config, smollm2_dir, smollm2_adapter_dir):
    config = replace(space_config, base_model=str(smollm2_dir), adapter=str(smollm2_adapter_dir), max_new_tokens=96)
    with running_app(config, load_for_inference(config.model_spec, device="cpu")) as url:
        yield url


@pytest.fixture
def page(smollm2_app_url):
    """A page of its own for each test: a chat with no earlier messages."""
    with browser_page(smollm2_app_url) as page:
        yield page


def send(page, text: str) -> None:
    textbox = page.get_by_role("textbox").first
    textbox.fill(text)
    textbox.press("Enter")


def test_question_gets_an_answer_in_english_sentences_with_the_right_source(page):
    send(page, "Who are the technology partners of Northwind Forge?")
    sources = page.locator(".bot", has_text="Sources").last
    sources.wait_for(timeout=120_000)
    links = sources.locator("a")
    assert links.count() >= 1
    assert links.first.get_attribute("href") == "http://127.0.0.1:8765/partners.html"
    answer_text = sources.inner_text().split("Sources")[0].strip()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "space-chat.png"), full_page=True)
    # English words, not token soup. What the answer says is not asserted: the short-trained adapter of this fixture
    # answered "The technology partners of Northwind Forge are:" and stopped (2026-12-04), and with a sentence of
    # another passage of its prompt (2026-12-05, after prompts held the rest of their passages' pages); answer
    # quality is measured by the demo's benchmark, not here.
    words = re.findall(r"[A-Za-z]+", answer_text)
    assert len(words) >= 4 and sum(map(len, words)) > 0.7 * len(answer_text.replace(" ", "")), answer_text


def test_markup_in_a_message_is_not_executed(page):
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> what do you offer?'
    send(page, payload)
    page.locator(".bot", has_text="Sources").first.wait_for(timeout=120_000)
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".message img[src='x'], .message script").count() == 0
    assert page.get_by_text("<script>window.__pwned=2</script>", exact=False).count() >= 1

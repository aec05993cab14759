"""A real browser (Debian's chromium, headless, driven by Playwright) asks a question, sees the
streamed answer and its sources, and markup typed into the chat is shown as text, not run."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def page(app_url):
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(app_url, wait_until="domcontentloaded")
        page.get_by_role("textbox").first.wait_for(timeout=30_000)
        yield page
        browser.close()


def send(page, text: str) -> None:
    textbox = page.get_by_role("textbox").first
    textbox.fill(text)
    textbox.press("Enter")


def test_question_gets_a_streamed_answer_with_sources(page):
    send(page, "Who are the technology partners of Northwind Forge?")
    sources = page.locator(".bot", has_text="Sources").last
    sources.wait_for(timeout=60_000)
    links = sources.locator("a")
    assert links.count() >= 1
    assert links.first.get_attribute("href").startswith("http://127.0.0.1:")
    answer_text = sources.inner_text().split("Sources")[0].strip()
    assert answer_text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "space-chat.png"), full_page=True)


def test_markup_in_a_message_is_not_executed(page):
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> what do you offer?'
    send(page, payload)
    page.locator(".bot", has_text="Sources").nth(1).wait_for(timeout=60_000)
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".message img[src='x'], .message script").count() == 0
    assert page.get_by_text("<script>window.__pwned=2</script>", exact=False).count() >= 1

"""The chat on the company's own site: the snippet `publish` prints and the Space's card shows, pasted into a
local web page pointed at the local app, gets an answer with sources in a real browser (Debian's chromium)."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from huggingface_hub import SpaceCard

from space.config import SpaceConfig
from space.embed import embed_snippet, space_url
from space.publish import space_card
from tests.space.conftest import browser_page

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PAGE = "<!DOCTYPE html><html><body><h1>Northwind Forge</h1><p>Ask us anything:</p>{snippet}</body></html>"


def test_the_space_card_shows_the_snippet_for_its_own_address():
    assert space_url("Acme/Website_Chat.v2") == "https://acme-website-chat-v2.hf.space"
    card = SpaceCard(space_card(SpaceConfig(company="Acme"), "Acme/Website_Chat.v2"))
    assert embed_snippet("https://acme-website-chat-v2.hf.space", "Acme assistant") in card.text
    assert card.data.sdk == "gradio"


@pytest.fixture
def company_page(app_url, tmp_path):
    """A company's web page with the chat embedded, served on 127.0.0.1."""
    (tmp_path / "index.html").write_text(PAGE.format(snippet=embed_snippet(app_url)))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()


def test_a_page_with_the_snippet_chats_with_sources(company_page):
    with browser_page(company_page, in_frame=True) as page:
        chat = page.frame_locator("iframe")
        textbox = chat.get_by_role("textbox").first
        textbox.fill("Who are the technology partners of Northwind Forge?")
        textbox.press("Enter")
        sources = chat.locator(".bot", has_text="Sources").last
        sources.wait_for(timeout=120_000)
        assert sources.locator("a").count() >= 1
        assert page.locator("h1").inner_text() == "Northwind Forge", "the chat sits inside the company's page"

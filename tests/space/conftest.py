"""Space fixtures: the tiny base + adapter loaded once, and chat apps launched on 127.0.0.1."""

from __future__ import annotations

import abc
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from space.app import build_app
from space.config import SpaceConfig


@pytest.fixture(scope="package", autouse=True)
def without_twisted_marker_on_abc():
    """Scrapy tests import Twisted into this pytest process; `twisted.internet.base` leaves zope.interface's
    `__provides__` descriptor on `abc.ABC`, and Gradio's component constructor then fails with
    `AttributeError: __provides__` (same bug: Instagram/LibCST#1458). The app's own processes never load
    Twisted (tests/pipeline/test_imports.py), so the tests of the Space lift the marker while they run."""
    marker = vars(abc.ABC).get("__provides__")
    if marker is not None:
        del abc.ABC.__provides__
    yield
    if marker is not None:
        abc.ABC.__provides__ = marker


@pytest.fixture(scope="session")
def space_config(tiny_base_dir, tiny_adapter_dir, qa_dataset_dir) -> SpaceConfig:
    return SpaceConfig(
        base_model=str(tiny_base_dir),
        adapter=str(tiny_adapter_dir),
        dataset=str(qa_dataset_dir),
        company="Northwind Forge",
        device="cpu",
        max_new_tokens=48,
        max_message_chars=500,
    )


@pytest.fixture(scope="session")
def loaded_model(space_config):
    from cazton_llm.model_loading import load_for_inference

    return load_for_inference(space_config.model_spec, device="cpu")


@pytest.fixture(scope="session")
def never_stopping_model(loaded_model):
    """The loaded model with EOS and line breaks made impossible, so it writes to max_new_tokens:
    the finetuned model itself stops too soon to be cancelled mid-answer."""
    import copy

    import torch

    model, tokenizer = loaded_model
    runs_on = copy.deepcopy(model)
    banned = [
        token
        for token in range(len(tokenizer))
        if token in (tokenizer.eos_token_id, tokenizer.pad_token_id) or "\n" in tokenizer.decode([token])
    ]
    with torch.no_grad():
        runs_on.get_output_embeddings().bias[banned] = -1e4
    return runs_on, tokenizer


@pytest.fixture(scope="session")
def untrained_model(pages_path):
    """A randomly initialised tiny phi model and a tokenizer trained on the fixture pages, built in
    seconds: for app tests where what the model says does not matter."""
    import torch

    from cazton_llm.prompt_format import prepare_tokenizer
    from train.tiny_base import TinyBaseConfig, make_model, page_texts, train_tokenizer

    sizes = TinyBaseConfig(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=1)
    tokenizer = prepare_tokenizer(train_tokenizer(page_texts(pages_path), sizes.vocab_size))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return make_model(tokenizer, sizes).eval(), tokenizer


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def browser_page(url: str, in_frame: bool = False):
    """Debian's chromium, headless, driven by Playwright, on the chat at `url` (or on a page that embeds it in
    an iframe) once its textbox shows."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(url, wait_until="domcontentloaded")
        chat = page.frame_locator("iframe") if in_frame else page
        chat.get_by_role("textbox").first.wait_for(timeout=30_000)
        yield page
        browser.close()


@contextmanager
def running_app(config: SpaceConfig, loaded_model):
    """Launch the chat app in this process on a free port; yields its URL."""
    model, tokenizer = loaded_model
    demo = build_app(config, model=model, tokenizer=tokenizer)
    demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, show_error=False, quiet=True)
    try:
        yield demo.local_url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_url(space_config, loaded_model):
    os.environ.pop("OPENAI_API_KEY", None)
    with running_app(space_config, loaded_model) as url:
        yield url


def generate_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "space-generate" and thread.is_alive()]


def wait_until(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def reply_parts(reply: list[dict]) -> tuple[str, dict[str, str]]:
    """What an API client got: the answer, and the titled messages under it (Sources, Notice) by title."""
    answer, *titled = reply
    return answer["content"], {message["metadata"]["title"]: message["content"] for message in titled}

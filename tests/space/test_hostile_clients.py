"""Clients that speak the chat app's API to abuse it: only the chat endpoint is open to them, and a
chat history of millions of characters sent through Gradio's helper endpoints (the way around the
message limit) is read only as far as it is used, so the answer comes as fast as any other."""

from __future__ import annotations

import time

import pytest
from gradio_client import Client

from space.config import SpaceConfig
from tests.space.conftest import reply_parts, running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(qa_dataset_dir, untrained_model):
    config = SpaceConfig(
        base_model="unused",
        adapter="",
        dataset=str(qa_dataset_dir),
        company="Northwind Forge",
        device="cpu",
        max_new_tokens=8,
        max_message_chars=500,
    )
    with running_app(config, untrained_model) as url:
        yield url


def test_only_the_chat_endpoint_is_open_to_api_clients(app_url):
    client = Client(app_url, verbose=False)
    endpoints = client.view_api(all_endpoints=True, print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/chat"] and endpoints["unnamed_endpoints"] == {}
    with pytest.raises(ValueError, match="Cannot find a function with `api_name`: /lambda"):
        client.predict([{"role": "user", "content": [{"type": "text", "text": "hi"}]}], api_name="/lambda")


def test_a_huge_history_sent_through_the_api_is_read_only_as_far_as_it_is_used(app_url):
    attacker = Client(app_url, verbose=False)
    # A script speaking Gradio's HTTP API directly can still call the page's own helper events (the server
    # cannot tell it from the page); only the client libraries refuse them. This one stores a chat history.
    store_history = next(index for index, endpoint in attacker.endpoints.items() if endpoint.api_name == "/lambda")
    attacker.endpoints[store_history].is_valid = True
    huge = [{"type": "text", "text": "x" * 2_000_000}]
    attacker.predict(
        [{"role": role, "content": huge} for _ in range(4) for role in ("user", "assistant")], fn_index=store_history
    )

    started = time.monotonic()
    reply = attacker.predict("What does Northwind Forge offer?", False, api_name="/chat")
    elapsed = time.monotonic() - started
    assert "Sources" in reply_parts(reply)[1]

    # The same question from a client without history, timed on this machine now: reading 16 MB of history
    # would take many times as long.
    started = time.monotonic()
    Client(app_url, verbose=False).predict("What does Northwind Forge offer?", False, api_name="/chat")
    baseline = time.monotonic() - started
    assert elapsed < 3 * baseline + 2, f"the answer read the whole forged history ({elapsed:.1f} s vs {baseline:.1f} s)"

"""Helpers for dataset builder tests: a responder that answers like an LLM would, from the passage."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def passage_of(request_body: dict) -> str:
    user = request_body["messages"][-1]["content"]
    return re.search(r"<passage>\n(.*)\n</passage>", user, re.S).group(1)


def qa_responder(request_body: dict) -> str:
    """Up to three pairs, each answer a sentence of the passage (what a good model does)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", passage_of(request_body)) if len(s.split()) > 4][:3]
    pairs = [{"question": f"Could you explain: {' '.join(s.split()[:6])}?", "answer": s} for s in sentences]
    return json.dumps({"pairs": pairs or [{"question": "What is on this page?", "answer": "Not much."}]})


@pytest.fixture
def llm(openai_server, monkeypatch):
    """The stand-in answering like a QA-generating model, with the key set for the real client."""
    openai_server.responder = qa_responder
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-never-logged")
    return openai_server


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dataset_builder", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )

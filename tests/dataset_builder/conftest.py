"""Helpers for dataset builder tests: a responder that answers like an LLM would, from the passage."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.in_process import run_entry_point

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


def run_cli_process(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m dataset_builder ARGS` in a fresh process: for what only a new process shows (string hashing)."""
    return subprocess.run(
        [sys.executable, "-m", "dataset_builder", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


@pytest.fixture
def run_cli(capfd, monkeypatch):
    """`run_cli(*ARGS, env=None)`: `python -m dataset_builder ARGS` run in this process (tests/in_process.py);
    `env`, when given, is the whole environment of that run, as for subprocess.run."""

    def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        with monkeypatch.context() as patch:
            for name in set(os.environ) - set(env or os.environ):
                patch.delenv(name)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            return run_entry_point(["-m", "dataset_builder", *args], capfd)

    return run

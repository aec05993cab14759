"""Paid calls under stress, against the fault-injecting OpenAI-compatible stand-in: Ctrl-C keeps every
answer already paid for, an endpoint that refuses a passage for good does not block the stage, replies
that are not a chat completion are retried, and errors the user can fix are one line."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cazton_llm.page_schema import read_pages
from dataset_builder.generate import generate_qa
from dataset_builder.passages import all_passages
from tests.dataset_builder.conftest import REPO
from tests.dataset_builder.test_generate_openai import config
from tests.stand_ins.openai_server import REFUSAL

SECURITY_NOTICE = "http://127.0.0.1:8765/security-notice.html"


def cached_answers(tmp_path) -> int:
    return len(list((tmp_path / "cache").rglob("*.json")))


def generate_command(pages_path, tmp_path, server, *extra: str) -> list[str]:
    out = str(tmp_path / "qa.jsonl")
    return [sys.executable, "-m", "dataset_builder", "generate", "--pages", str(pages_path), "--out", out,
            "--base-url", server.url, *extra]  # fmt: off


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def ctrl_c_as_in_a_terminal() -> None:
    """The child gets Ctrl-C's default action, as a command typed in a terminal does, whatever this test run
    inherited: a shell starts a background job (`make test &`) with SIGINT ignored, and Python then never turns
    SIGINT into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def cli_env():
    return {**os.environ, "OPENAI_API_KEY": "sk-test"}


@pytest.fixture
def start_generate(cli_env):
    """Start `generate` in the background; whatever a failed test leaves running is killed."""
    started = []

    def start(command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=ctrl_c_as_in_a_terminal,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_ctrl_c_stops_new_calls_and_caches_every_answer_already_paid_for(
    llm, pages_path, tmp_path, cli_env, start_generate
):
    llm.latency_s = 0.3
    command = generate_command(pages_path, tmp_path, llm, "--concurrency", "2")
    run = start_generate(command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and cached_answers(tmp_path) < 4:
        time.sleep(0.02)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=30)
    assert run.returncode == 130, stderr[-2000:]
    assert last_line(stderr).startswith("interrupted: ") and "run the same command again" in last_line(stderr)
    assert "Traceback" not in stderr
    passages = len(all_passages(read_pages(pages_path)))
    answered = llm.calls
    assert answered < passages, "passages not yet asked were still sent after Ctrl-C"
    assert cached_answers(tmp_path) == answered, "an answer that was paid for was not cached"
    assert f"interrupted: {answered} of {passages} passages answered" in stderr

    rerun = subprocess.run(command, cwd=REPO, env=cli_env, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert llm.calls == passages, "the rerun asked again for answers already paid for"


def test_a_second_ctrl_c_stops_at_once(llm, pages_path, tmp_path, start_generate):
    llm.latency_s = 20.0  # every call is still in flight when the Ctrl-Cs come
    run = start_generate(generate_command(pages_path, tmp_path, llm, "--concurrency", "2"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and llm.calls < 2:
        time.sleep(0.02)
    run.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert run.poll() is None, "the first Ctrl-C must let the calls in flight finish"
    second = time.monotonic()
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=30)
    # At once: well before the calls in flight could have been answered (a loaded machine adds seconds, not 10).
    assert time.monotonic() - second < llm.latency_s / 2
    assert run.returncode == 130 and "interrupted again: stopped at once" in stderr
    assert llm.calls == 2 and cached_answers(tmp_path) == 0


def test_a_passage_the_endpoint_refuses_for_good_is_recorded_and_the_rest_kept(
    llm, pages_path, tmp_path, cli_env, run_cli
):
    llm.fault_for = lambda body: "400" if "Ignore all previous instructions" in str(body["messages"]) else None
    passages = len(all_passages(read_pages(pages_path)))
    for run in ("first", "second"):  # a rerun asks the refused passage again, and finishes again
        calls = llm.calls
        result = run_cli(*generate_command(pages_path, tmp_path, llm)[3:], env=cli_env)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        report = json.loads((tmp_path / "qa.report.json").read_text())
        assert report["failed"] == 1 and report["pairs"] > 0
        assert report["failures"][0]["url"] == SECURITY_NOTICE
        assert report["failures"][0]["reason"] == f"refused with HTTP 400: {REFUSAL}"
        assert f"{SECURITY_NOTICE} [Security notice]: refused with HTTP 400: {REFUSAL}" in result.stdout
        assert llm.calls - calls == (passages if run == "first" else 1)
    rows = [json.loads(line) for line in (tmp_path / "qa.jsonl").read_text().splitlines()]
    assert len({row["source_url"] for row in rows}) == len(read_pages(pages_path)) - 1


def test_replies_that_are_not_a_chat_completion_are_retried_like_a_5xx(llm, pages_path, tmp_path):
    llm.script(["html", "no_choices"])
    stats = generate_qa(config(llm, tmp_path, pages_path, concurrency=2))
    assert stats["failed"] == 0 and stats["generated"] == stats["passages"]
    assert llm.calls == stats["passages"] + 2


def test_a_refused_key_stops_the_run_with_one_line(llm, pages_path, tmp_path, cli_env, run_cli):
    llm.fault_for = lambda body: "401"
    result = run_cli(*generate_command(pages_path, tmp_path, llm, "--concurrency", "2")[3:], env=cli_env)
    assert result.returncode == 2
    assert last_line(result.stderr) == (
        "error: the endpoint refused the API key (HTTP 401: Incorrect API key provided.): check OPENAI_API_KEY"
    )
    assert "Traceback" not in result.stderr
    assert llm.calls <= 2, "passages were still sent after the key was refused"
    assert not (tmp_path / "qa.jsonl").exists()


@pytest.mark.parametrize(("fault", "reason"), [("400", f"HTTP 400: {REFUSAL}"), ("429", "RateLimitError")])
def test_no_pair_at_all_is_a_one_line_error_and_the_rerun_asks_again(
    llm, pages_path, tmp_path, cli_env, fault, reason, run_cli
):
    llm.retry_after_s = 0.01
    llm.fault_for = lambda body: fault
    command = generate_command(pages_path, tmp_path, llm, "--max-attempts", "2")[3:]
    result = run_cli(*command, env=cli_env)
    passages = len(all_passages(read_pages(pages_path)))
    assert result.returncode == 2, result.stdout[-2000:]
    error = last_line(result.stderr)
    assert error.startswith(f"error: no question/answer pair was produced: {passages} of {passages} passages failed")
    assert reason in error and "Traceback" not in result.stderr
    assert not (tmp_path / "qa.jsonl").exists()

    llm.fault_for = lambda body: None
    calls = llm.calls
    assert run_cli(*command, env=cli_env).returncode == 0
    assert llm.calls - calls == passages


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--max-attempts", "0"], "--max-attempts: input should be greater than or equal to 1, got 0"),
        (["--timeout", "-5"], "--timeout: input should be greater than 0, got -5.0"),
        (["--timeout", "0"], "--timeout: input should be greater than 0, got 0.0"),
    ],
)
def test_impossible_retry_settings_are_refused_at_the_cli(llm, pages_path, tmp_path, cli_env, option, message, run_cli):
    result = run_cli(*generate_command(pages_path, tmp_path, llm, *option)[3:], env=cli_env)
    assert result.returncode == 2
    assert result.stderr == f"error: {message}\n"
    assert llm.calls == 0

"""A bad `--judge` spec, or a judge without its API key, is one `error:` line before any model is loaded or any
question answered (it used to come after every answer was made)."""

import pytest

from benchmark.cli import main
from tests.bad_input import assert_refused


@pytest.mark.parametrize(
    ("judge", "api_key", "message"),
    [
        ("gpt-4o-mini", "sk-test", "--judge 'gpt-4o-mini' must look like openai:MODEL"),
        ("openai:", "sk-test", "--judge 'openai:' must look like openai:MODEL"),
        ("openai:gpt-4o-mini", None, "OPENAI_API_KEY"),
    ],
    ids=["no-provider", "no-model", "no-api-key"],
)
def test_bad_judge_is_refused_before_answering(
    qa_dataset_dir, tiny_base_dir, tmp_path, capsys, monkeypatch, judge, api_key, message
):
    if api_key:
        monkeypatch.setenv("OPENAI_API_KEY", api_key)
    argv = ["--dataset", str(qa_dataset_dir), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path / "report")]
    assert_refused(main, [*argv, "--judge", judge, "--limit", "2", "--max-new-tokens", "4"], tmp_path, capsys, message)

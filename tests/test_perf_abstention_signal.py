"""perf/abstention_signal.py refuses a run folder it cannot read, and a cut visitor question file, with one
`error:` line and exit 2, before it loads any model, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_input import assert_refused
from tests.perf_scripts import perf_script

VISITORS = Path(__file__).resolve().parent / "fixtures" / "data" / "visitor_questions.jsonl"


@pytest.mark.parametrize(
    ("manifest", "adapter", "message"),
    [
        (None, True, "holds no finished run"),
        (b'{"config": {"comp', True, "holds no finished run"),  # cut short
        (b'["not", "a", "manifest"]', True, "holds no finished run"),
        (b'{"config": {"company": "Northwind Forge"}}', False, "has no adapter"),
    ],
)
def test_a_run_folder_it_cannot_read_is_one_error_line(tmp_path, capsys, manifest, adapter, message):
    run = tmp_path / "run"
    run.mkdir()
    if manifest is not None:
        (run / "manifest.json").write_bytes(manifest)
    if adapter:
        (run / "adapter").mkdir()
    assert_refused(perf_script("abstention_signal").main, ["--run", str(run)], tmp_path, capsys, message)


def test_a_cut_visitor_question_file_is_one_error_line(tmp_path, capsys):
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "manifest.json").write_text('{"config": {"company": "Northwind Forge"}}')
    cut = tmp_path / "visitors.jsonl"
    cut.write_bytes(VISITORS.read_bytes()[:100])  # cut inside its first line
    argv = ["--run", str(run), "--visitor-questions", str(cut)]
    assert_refused(perf_script("abstention_signal").main, argv, tmp_path, capsys, "visitors.jsonl:1")

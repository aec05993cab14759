"""perf/seed_spread.py: issue 19's figures read from a benchmark's results, the spread table, and bad input (seeds,
folders, a config the pipeline refuses) refused with one `error:` line and exit 2, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.bad_input import assert_refused
from tests.perf_scripts import perf_script


def stats(mean: float, low: float | None = None) -> dict:
    return {"mean": mean, "low": mean if low is None else low, "high": mean}


def results(retrieved: float, copies: float, visitor_rouge: float) -> dict:
    finetuned = {"rouge_l": stats(retrieved, retrieved - 0.2), "clean_stop": stats(1.0)}
    return {
        "questions": 18,
        "models": {"finetuned": "base+adapter", "base": "base"},
        "metrics": {
            "retrieved": {"finetuned": finetuned, "base": {"rouge_l": stats(0.19), "clean_stop": stats(0.28)}},
            "oracle": {"finetuned": {"rouge_l": stats(0.5), "clean_stop": stats(1.0)}},
            "follow-up": {
                "finetuned": {"rouge_l": stats(0.45), "clean_stop": stats(0.95), "copies_previous": stats(copies)}
            },
        },
        "visitor": {
            "questions": 80,
            "not_answered_by_the_site": 13,
            "abstention": 5 / 13,
            "false_abstention": 16 / 67,
            "answerable_scores": {"rouge_l": stats(visitor_rouge)},
        },
    }


def test_the_figures_of_a_run_and_their_spread_over_seeds():
    module = perf_script("seed_spread")
    first = module.figures(results(0.5, 2 / 18, 0.3))
    assert first == {
        "retrieved ROUGE-L": 0.5,
        "retrieved CI low": 0.3,
        "base retrieved ROUGE-L": 0.19,
        "retrieved / oracle": 1.0,
        "follow-up / retrieved": 0.9,
        "follow-up copies": 2,
        "visitor unanswered turned away": 5,
        "visitor answered turned away": 16,
        "visitor answers ROUGE-L": 0.3,
        "clean stop, lowest mode": 0.95,
    }
    table = module.spread_table({0: first, 1: module.figures(results(0.6, 3 / 18, 0.25))})
    assert table[0] == "| figure | seed 0 | seed 1 | lowest | highest |"
    assert "| retrieved ROUGE-L | 0.5 | 0.6 | 0.5 | 0.6 |" in table
    assert "| follow-up copies | 2 | 3 | 2 | 3 |" in table
    assert "| visitor answers ROUGE-L | 0.3 | 0.25 | 0.25 | 0.3 |" in table


def test_a_benchmark_without_the_modes_it_reads_is_one_error():
    module = perf_script("seed_spread")
    partial = results(0.5, 0.0, 0.3)
    del partial["metrics"]["follow-up"]
    with pytest.raises(module.UserError, match="has no follow-up"):
        module.figures(partial)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "0", "0"], "give distinct seeds"),
        (["--seeds", "-1"], "give distinct seeds"),
        (["--config", "missing.yaml"], "not found"),
        (["--set", "site.max_pages=-1"], "the pipeline for seed 0 failed"),  # the pipeline's own check refuses it
    ],
)
def test_bad_input_is_one_error_line(tmp_path, capsys, argv, message):
    assert_refused(
        perf_script("seed_spread").main,
        ["--out", str(tmp_path / "seeds"), "--seeds", "0", *argv],
        tmp_path,
        capsys,
        message,
    )


def test_an_out_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "seeds").write_text("not a folder")
    assert_refused(perf_script("seed_spread").main, ["--out", str(tmp_path / "seeds")], tmp_path, capsys, "is a file")


@pytest.mark.parametrize("content", [b'{"metrics": {"retr', b"[1, 2]", b"\xff\xfe", b""])
def test_damaged_results_are_one_error_that_says_what_to_do(tmp_path, content):
    module = perf_script("seed_spread")
    path = tmp_path / "results.json"
    path.write_bytes(content)
    with pytest.raises(module.UserError, match="delete its run folder"):
        module.read_results(path)


def test_results_read_back_whole(tmp_path):
    path = tmp_path / "results.json"
    whole = results(0.5, 0.0, 0.3)
    path.write_text(json.dumps(whole))
    assert perf_script("seed_spread").read_results(path) == whole

"""The train/test split is a function of the QA file and the seed alone: the same file built in two
processes with different string hashing (PYTHONHASHSEED) holds out the same pages, so a rebuild, CI and a
teammate's machine benchmark on the same test questions."""

import json
import os

import pyarrow.parquet as pq

from tests.dataset_builder.conftest import run_cli

PAGES = 40


def write_qa(path) -> None:
    rows = [
        {
            "question": f"What does page {n} say about topic {n}?",
            "answer": f"Page {n} explains topic {n} in detail for readers.",
            "source_url": f"https://acme.example/section{n % 3}/page{n}.html",
        }
        for n in range(PAGES)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def split_ids(out) -> dict[str, list[str]]:
    return {
        split: sorted(pq.read_table(next((out / "data").glob(f"{split}-*.parquet")), columns=["id"])["id"].to_pylist())
        for split in ("train", "test")
    }


def build(qa, out, hash_seed: str, *args: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    result = run_cli("build", "--qa", str(qa), "--out", str(out), *args, env=env)
    assert result.returncode == 0, result.stderr
    return split_ids(out)


# Bug: the held-out pages drawn from a set's iteration order (it changes with PYTHONHASHSEED).
def test_same_qa_file_same_split_under_any_hash_seed(tmp_path):
    qa = tmp_path / "qa.jsonl"
    write_qa(qa)
    first = build(qa, tmp_path / "first", "1", "--seed", "3")
    second = build(qa, tmp_path / "second", "2", "--seed", "3")
    assert first == second
    assert len(first["test"]) >= 2 and len(first["train"]) > len(first["test"])


def test_another_seed_holds_out_other_pages(tmp_path):
    qa = tmp_path / "qa.jsonl"
    write_qa(qa)
    seed_0 = build(qa, tmp_path / "a", "1", "--seed", "0")
    assert build(qa, tmp_path / "b", "1", "--seed", "1")["test"] != seed_0["test"]

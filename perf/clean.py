"""Cleaning speed and near-duplicate quality on synthetic pairs with planted near-duplicates: time of
`clean_qa` (files to files) at growing sizes on at most 2 cores, growth from the smallest to the
largest size, and precision/recall of the planted near-duplicates.

    python perf/clean.py [--sizes 10000 30000 100000] [--planted-share 0.05]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cazton_llm.atomic import write_jsonl
from cazton_llm.input_files import read_jsonl
from cazton_llm.qa_schema import QARecord
from dataset_builder.clean import clean_qa
from dataset_builder.config import CleanConfig

VOCABULARY = [f"{stem}{n}" for stem in ("cloud", "data", "team", "plan", "audit", "model") for n in range(800)]


def synthetic_rows(size: int, planted_share: float, seed: int = 0) -> tuple[list[dict], set[str]]:
    """`size` pairs, a `planted_share` of them a reworded copy of an earlier question; returns (rows, planted)."""
    rng = random.Random(seed)
    rows, planted, originals = [], set(), []
    while len(rows) < size:
        if originals and rng.random() < planted_share:
            words = rng.choice(originals).rstrip("?").split()
            words[rng.randrange(len(words))] = rng.choice(VOCABULARY)  # one word changed: a near-duplicate
            question = " ".join(words) + "?"
            planted.add(question)
        else:
            question = " ".join(rng.sample(VOCABULARY, 14)) + "?"
            originals.append(question)
        passage = f"Our {question.rstrip('?')} service is delivered in four weeks by a senior team."
        answer = f"The {question.rstrip('?')} service takes four weeks."
        rows.append(QARecord(question, answer, f"https://example.com/{len(rows) % 500}", "T", passage, "b", "m"))
    return [record.to_dict() for record in rows], planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--planted-share", type=float, default=0.05)
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))[:2]
    os.sched_setaffinity(0, cores)
    print(f"cleaning on {len(cores)} cores")

    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            rows, planted = synthetic_rows(size, args.planted_share)
            qa_path, out_path = Path(tmp) / f"qa{size}.jsonl", Path(tmp) / f"clean{size}.jsonl"
            write_jsonl(qa_path, rows)
            started = time.perf_counter()
            report = clean_qa(CleanConfig(qa=qa_path, out=out_path, report=Path(tmp) / f"report{size}.json"))
            seconds = time.perf_counter() - started
            timings.append((size, seconds))
            dropped = {row["question"] for row in rows} - {row["question"] for row in read_jsonl(out_path)}
            found = len(planted & dropped)
            print(
                f"{size:>7} pairs: {seconds:6.2f} s ({size / seconds:,.0f} pairs/s), {len(planted)} planted, "
                f"dropped {report['dropped']}, near-dup precision {found / max(len(dropped), 1):.3f} "
                f"recall {found / max(len(planted), 1):.3f}"
            )
    (small, small_s), (large, large_s) = timings[0], timings[-1]
    print(
        f"growth {small:,} → {large:,} pairs: size x{large / small:.1f}, time x{large_s / small_s:.1f} "
        f"(linear would be x{large / small:.1f})"
    )


if __name__ == "__main__":
    main()

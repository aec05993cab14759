"""A build whose writes are stopped by "file too large" (here a file-size limit, RLIMIT_FSIZE, with SIGXFSZ ignored so
the write gets EFBIG as on a filesystem's own limit) or by a full disk: one `error:` line naming the file and what to
do, no traceback, and nothing under the output folder that could pass for a dataset."""

import json
import subprocess
import sys

import pytest

from tests.bad_input import PAGE, with_file_size_limit
from tests.dataset_builder.conftest import REPO

PAIR = {
    "question": "What does Northwind Forge Consulting build?",
    "answer": "Northwind Forge Consulting builds business software for banks and hospitals.",
    "passage": "Northwind Forge Consulting builds business software for banks and hospitals.",
}


def write_inputs(folder, pairs: int, paragraphs: int) -> None:
    """`pairs` QA pairs over 20 pages of `paragraphs` paragraphs each."""
    folder.mkdir()
    with (folder / "qa.jsonl").open("w") as handle:
        for number in range(pairs):
            url = f"http://127.0.0.1:8765/p{number % 20}.html"
            handle.write(json.dumps({**PAIR, "question": f"What does it build, case {number}?", "source_url": url}))
            handle.write("\n")
    with (folder / "pages.jsonl").open("w") as handle:
        for page in range(20):
            texts = [
                f"Paragraph {n} of page {page}: Northwind Forge builds software for banks." * 3
                for n in range(paragraphs)
            ]
            record = {
                **PAGE,
                "url": f"http://127.0.0.1:8765/p{page}.html",
                "paragraphs": texts,
                "text": "\n\n".join(texts),
            }
            handle.write(json.dumps(record) + "\n")


@pytest.mark.parametrize(
    ("pairs", "paragraphs", "limit", "named"),
    [
        (200, 1, 20_000, "reviewed.jsonl"),  # our own JSONL write (cazton_llm.atomic) is the first to hit it
        (6, 30, 40_000, "out/dataset"),  # datasets' Arrow writer, wrapped in DatasetGenerationError
    ],
    ids=["jsonl-write", "arrow-write-in-datasets"],
)
def test_file_too_large_during_build_is_one_error_line(tmp_path, pairs, paragraphs, limit, named):
    write_inputs(tmp_path / "in", pairs, paragraphs)
    (tmp_path / "out").mkdir()
    argv = ["build", "--qa", f"{tmp_path}/in/qa.jsonl", "--pages", f"{tmp_path}/in/pages.jsonl"]
    result = subprocess.run(
        [sys.executable, "-m", "dataset_builder", *argv, "--out", f"{tmp_path}/out/dataset"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=with_file_size_limit(limit),
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert len(errors) == 1, result.stderr[-3000:]
    assert f"file too large (the file-size limit, `ulimit -f`, is {limit} bytes): raise the limit" in errors[0]
    assert named in errors[0], errors[0]
    assert list((tmp_path / "out").iterdir()) == []  # no dataset folder, no temp folder left behind

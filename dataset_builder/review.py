"""Human review that survives regeneration: `review export` writes pairs with a decision column
(keep / drop / edit + edited text; CSV cells escaped against formula injection); `review import` stores
decisions keyed by the question's stable hash; every build applies them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Literal, get_args

from cazton_llm.atomic import atomic_path, write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.input_files import numbered_records, read_jsonl, read_utf8
from cazton_llm.qa_schema import QARecord, question_key, read_qa
from cazton_llm.spreadsheet_cells import escape_cell, unescape_cell

Decision = Literal["keep", "drop", "edit"]
DECISIONS = get_args(Decision)
EXPORT_COLUMNS = ("id", "decision", "question", "answer", "edited_question", "edited_answer", "source_url")
REQUIRED_COLUMNS = ("question", "decision")
CSV_DELIMITERS = ",;\t"  # Excel saves CSV with the list separator of its locale: ';' in much of Europe
UTF8_HINT = "save it as UTF-8 (Excel: Save As › CSV UTF-8)"


@dataclass(frozen=True)
class ReviewDecision:
    """A stored decision (one line of the reviews store), keyed by the question's id."""

    id: str
    decision: Decision
    edited_question: str = ""
    edited_answer: str = ""


@dataclass(frozen=True)
class ReviewedRow:
    """A row of a reviewed export: the pair as exported, and what the reviewer decided."""

    question: str
    decision: str = ""
    id: str = ""
    answer: str = ""
    edited_question: str = ""
    edited_answer: str = ""
    source_url: str = ""


def export_for_review(qa_path: str | Path, out_path: str | Path, reviews_path: str | Path | None = None) -> int:
    """CSV (or JSONL) with one row per pair, pre-filled with any decision already made."""
    decisions = load_reviews(reviews_path)
    rows = []
    for record in read_qa(qa_path):
        previous = decisions.get(record.id)
        rows.append(
            {
                "id": record.id,
                "decision": previous.decision if previous else "",
                "question": record.question,
                "answer": record.answer,
                "edited_question": previous.edited_question if previous else "",
                "edited_answer": previous.edited_answer if previous else "",
                "source_url": record.source_url,
            }
        )
    if str(out_path).endswith(".jsonl"):
        return write_jsonl(out_path, rows)
    with atomic_path(out_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows({column: escape_cell(cell) for column, cell in row.items()} for row in rows)
    return len(rows)


def read_review_csv(path: Path) -> Iterator[tuple[int, ReviewedRow]]:
    """(line, row) for each row of a reviewed CSV, comma- or semicolon-separated, in UTF-8."""
    text = read_utf8(path, UTF8_HINT)
    # Only the separator is sniffed, from the header: a header has no quotes, so the sniffer would also
    # decide that `""` is not an escaped quote, which it is in every spreadsheet's CSV (and ours).
    try:
        delimiter = csv.Sniffer().sniff(text.partition("\n")[0], delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:  # a header of one column has no separator to find
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=delimiter, restval="")
    columns = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise UserError(
            f"{path}:1: no {missing[0]!r} column (found: {', '.join(columns) or 'none'}): "
            "import the file `review export` wrote, header row included"
        )
    names = [field.name for field in fields(ReviewedRow)]
    row_end = reader.line_num
    for row in reader:
        row_start, row_end = row_end + 1, reader.line_num  # a quoted cell may span lines
        yield row_start, ReviewedRow(**{name: unescape_cell(row[name]) for name in names if name in row})


def read_review_file(path: Path) -> Iterator[tuple[int, ReviewedRow]]:
    if not path.is_file():
        raise UserError(f"review file {str(path)!r} not found")
    if path.suffix == ".jsonl":
        return numbered_records(path, ReviewedRow, "reviewed pair")
    return read_review_csv(path)


def reviewed_decision(row: ReviewedRow, where: str) -> ReviewDecision | None:
    """The decision a reviewed row records (None when it has none); `where` is FILE:LINE for errors."""
    decision = row.decision.strip().lower()
    if not decision:
        return None
    if decision not in DECISIONS:
        raise UserError(f"{where}: decision {decision!r} must be keep, drop or edit")
    key = question_key(row.question)
    if row.id.strip() and row.id.strip() != key:
        raise UserError(
            f"{where}: id {row.id!r} matches no pair: it is not the id of this row's question ({key}); keep id and "
            "question as exported and put new wording in edited_question/edited_answer"
        )
    edited_question, edited_answer = row.edited_question.strip(), row.edited_answer.strip()
    if decision == "edit" and not (edited_question or edited_answer):
        raise UserError(f"{where}: decision 'edit' needs edited_question or edited_answer")
    return ReviewDecision(key, decision, edited_question, edited_answer)


def import_reviews(review_file: str | Path, reviews_path: str | Path) -> dict:
    """Merge a reviewed export into the decisions store; returns counts per decision."""
    decisions = load_reviews(reviews_path)
    counts = dict.fromkeys(DECISIONS, 0)
    for line, row in read_review_file(Path(review_file)):
        decision = reviewed_decision(row, f"{review_file}:{line}")
        if decision:
            decisions[decision.id] = decision
            counts[decision.decision] += 1
    write_jsonl(reviews_path, (asdict(decision) for decision in decisions.values()))
    return counts


def load_reviews(reviews_path: str | Path | None) -> dict[str, ReviewDecision]:
    if reviews_path is None or not Path(reviews_path).is_file():
        return {}
    return {decision.id: decision for decision in read_jsonl(reviews_path, ReviewDecision, "review decision")}


def apply_reviews(records: list[QARecord], decisions: dict[str, ReviewDecision]) -> tuple[list[QARecord], dict]:
    """Drop and edit records as reviewed; returns (records, counts of applied decisions)."""
    result, applied = [], dict.fromkeys(DECISIONS, 0)
    for record in records:
        decision = decisions.get(record.id)
        if decision is None:
            result.append(record)
            continue
        applied[decision.decision] += 1
        if decision.decision == "drop":
            continue
        if decision.decision == "edit":
            record = replace(
                record,
                question=decision.edited_question or record.question,
                answer=decision.edited_answer or record.answer,
            )
        result.append(record)
    return result, applied

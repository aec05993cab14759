"""Human review that survives regeneration: `review export` writes pairs with a decision column
(keep / drop / edit + edited text); `review import` stores decisions keyed by the question's
stable hash; every build applies them."""

from __future__ import annotations

import csv
from pathlib import Path

from cazton_llm.atomic import atomic_path, read_jsonl, write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.qa_schema import QARecord, question_key

DECISIONS = ("keep", "drop", "edit")
EXPORT_COLUMNS = ("id", "decision", "question", "answer", "edited_question", "edited_answer", "source_url")


def export_for_review(qa_path: str | Path, out_path: str | Path, reviews_path: str | Path | None = None) -> int:
    """CSV (or JSONL) with one row per pair, pre-filled with any decision already made."""
    decisions = load_reviews(reviews_path)
    rows = []
    for row in read_jsonl(qa_path):
        previous = decisions.get(row["id"], {})
        rows.append(
            {
                "id": row["id"],
                "decision": previous.get("decision", ""),
                "question": row["question"],
                "answer": row["answer"],
                "edited_question": previous.get("edited_question", ""),
                "edited_answer": previous.get("edited_answer", ""),
                "source_url": row.get("source_url", ""),
            }
        )
    if str(out_path).endswith(".jsonl"):
        return write_jsonl(out_path, rows)
    with atomic_path(out_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def read_review_file(path: Path) -> list[dict]:
    if not path.is_file():
        raise UserError(f"review file {str(path)!r} not found")
    if path.suffix == ".jsonl":
        return list(read_jsonl(path))
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def import_reviews(review_file: str | Path, reviews_path: str | Path) -> dict:
    """Merge a reviewed export into the decisions store; returns counts per decision."""
    decisions = load_reviews(reviews_path)
    counts = dict.fromkeys(DECISIONS, 0)
    for line, row in enumerate(read_review_file(Path(review_file)), start=2):
        decision = (row.get("decision") or "").strip().lower()
        if not decision:
            continue
        if decision not in DECISIONS:
            raise UserError(f"{review_file}:{line}: decision {decision!r} must be keep, drop or edit")
        key = row.get("id") or question_key(row["question"])
        if decision == "edit" and not (
            (row.get("edited_question") or "").strip() or (row.get("edited_answer") or "").strip()
        ):
            raise UserError(f"{review_file}:{line}: decision 'edit' needs edited_question or edited_answer")
        decisions[key] = {
            "id": key,
            "decision": decision,
            "edited_question": (row.get("edited_question") or "").strip(),
            "edited_answer": (row.get("edited_answer") or "").strip(),
        }
        counts[decision] += 1
    write_jsonl(reviews_path, decisions.values())
    return counts


def load_reviews(reviews_path: str | Path | None) -> dict[str, dict]:
    if reviews_path is None or not Path(reviews_path).is_file():
        return {}
    return {row["id"]: row for row in read_jsonl(reviews_path)}


def apply_reviews(records: list[QARecord], decisions: dict[str, dict]) -> tuple[list[QARecord], dict]:
    """Drop and edit records as reviewed; returns (records, counts of applied decisions)."""
    result, applied = [], dict.fromkeys(DECISIONS, 0)
    for record in records:
        decision = decisions.get(record.id)
        if decision is None:
            result.append(record)
            continue
        applied[decision["decision"]] += 1
        if decision["decision"] == "drop":
            continue
        if decision["decision"] == "edit":
            record = QARecord(
                **{
                    **record.__dict__,
                    "question": decision["edited_question"] or record.question,
                    "answer": decision["edited_answer"] or record.answer,
                }
            )
        result.append(record)
    return result, applied

"""`import-csv`: the original project's CSV files (questions/answers columns, an unnamed index
column, `question`/`answer` spellings, a service/training column) into our QA records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cazton_llm.atomic import write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.qa_schema import QARecord, normalize_whitespace

COLUMN_NAMES = {"questions": "question", "question": "question", "answers": "answer", "answer": "answer"}
CATEGORY_COLUMNS = ("service", "training", "category", "topic")


def read_legacy_csv(path: Path) -> list[QARecord]:
    if not path.is_file():
        raise UserError(f"CSV file {str(path)!r} not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {str(path)!r} as CSV: {str(error).splitlines()[0]}") from None
    table.columns = [str(column).strip().lower() for column in table.columns]
    table = table.drop(columns=[column for column in table.columns if column.startswith("unnamed:") or column == ""])
    table = table.rename(columns={column: COLUMN_NAMES[column] for column in table.columns if column in COLUMN_NAMES})
    if not {"question", "answer"} <= set(table.columns):
        raise UserError(f"{str(path)!r} needs question(s) and answer(s) columns; found: {', '.join(table.columns)}")
    category = next((column for column in CATEGORY_COLUMNS if column in table.columns), None)
    return [
        QARecord(
            question=normalize_whitespace(row["question"]),
            answer=normalize_whitespace(row["answer"]),
            source_title=normalize_whitespace(row[category]) if category else "",
            generator="legacy-csv",
            model=path.name,
        )
        for row in table.to_dict("records")
        if row["question"].strip() or row["answer"].strip()
    ]


def import_csv(csv_paths: list[str | Path], out_path: str | Path) -> int:
    """Convert every CSV into one QA JSONL file; returns the number of pairs written."""
    records = [record for csv_path in csv_paths for record in read_legacy_csv(Path(csv_path))]
    if not records:
        raise UserError("the CSV files hold no question/answer rows")
    return write_jsonl(out_path, (record.to_dict() for record in records))

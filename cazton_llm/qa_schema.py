"""The question/answer record every stage reads and writes (qa.jsonl, dataset rows)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cazton_llm.input_files import read_jsonl

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class QARecord:
    """One grounded question/answer pair with its provenance."""

    question: str
    answer: str
    source_url: str = ""
    source_title: str = ""
    passage: str = ""
    generator: str = ""
    model: str = ""

    @property
    def id(self) -> str:
        return question_key(self.question)

    def to_dict(self) -> dict:
        return {"id": self.id, **asdict(self)}

    @classmethod
    def from_dict(cls, row: dict) -> QARecord:
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in row.items() if key in names})


QA_FIELDS = ("id", *(field.name for field in fields(QARecord)))


def read_qa(qa_path: str | Path) -> Iterator[QARecord]:
    """The pairs of a QA JSONL file (generate, clean or import-csv output); a bad line is a UserError."""
    return read_jsonl(qa_path, QARecord, "question/answer pair")


def normalize_whitespace(text: str) -> str:
    """Collapse runs of whitespace (including newlines) to single spaces and strip."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def normalize_question(question: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used for exact-duplicate checks."""
    return normalize_whitespace(_NOT_WORD.sub(" ", normalize_whitespace(question).lower()))


def question_key(question: str) -> str:
    """Stable id of a question: survives regeneration, re-crawls and whitespace changes."""
    return hashlib.sha256(normalize_question(question).encode("utf-8")).hexdigest()[:16]

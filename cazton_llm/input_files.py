"""Reading the files one stage hands another: JSONL records checked against their record type, and UTF-8 text.

Every problem is one UserError naming FILE:LINE: bytes that are not UTF-8, a line that is not JSON (or is cut
short), a line that is not the expected record, a field missing or of the wrong type. Record types are
dataclasses, checked strictly by pydantic (a number is not a string, a string is not a list); fields a record
type does not name are ignored.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from cazton_llm.errors import UserError

SHOWN_VALUE_CHARS = 40
UTF8_HINT = "save the file as UTF-8"


@cache
def record_adapter(record_type) -> TypeAdapter:
    """pydantic's validator for a record type, built once per type."""
    return TypeAdapter(record_type)


def decode_utf8(data: bytes, path: str | Path, first_line: int = 1, hint: str = UTF8_HINT) -> str:
    """`data` (lines of `path` from `first_line` on) as text, without a leading byte order mark."""
    data = data.removeprefix(codecs.BOM_UTF8)  # Windows editors and Excel's "CSV UTF-8" start with one
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        column = error.start - data.rfind(b"\n", 0, error.start)
        raise UserError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at column {column}): {hint}"
        ) from None


def read_utf8(path: str | Path, hint: str = UTF8_HINT) -> str:
    """The whole file as text; bytes that are not UTF-8 are a UserError naming their line and what to do."""
    return decode_utf8(Path(path).read_bytes(), path, hint=hint)


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"


def describe(error: dict, kind: str, line_complete: bool) -> str:
    """One line for pydantic's first error about a JSONL line."""
    if error["type"] == "json_invalid":
        problem = f"not valid JSON ({error['ctx']['error'].replace(' at line 1 ', ' at ')})"
        return problem if line_complete else problem + ": the line is cut short (was the file written completely?)"
    field = ".".join(str(part) for part in error["loc"])
    if not field:
        return f"expected a {kind} (a JSON object), got {shown(error['input'])}"
    if error["type"] == "missing":
        return f"field {field!r} is missing (expected a {kind})"
    return f"field {field!r} {error['msg'].removeprefix('Input ')}, got {shown(error['input'])}"


def numbered_records(path: str | Path, record_type=dict[str, Any], kind: str = "JSON object") -> Iterator[tuple]:
    """Yield (line number, record) for each non-blank line of the JSONL file `path`, read as a `record_type`
    (called a `kind` in error messages)."""
    adapter = record_adapter(record_type)
    if not Path(path).is_file():
        raise UserError(f"{path}: no such file")
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = decode_utf8(raw, path, number)
            if not text.strip():
                continue
            try:
                record = adapter.validate_json(text, strict=True)
            except ValidationError as error:
                problem = describe(error.errors(include_url=False)[0], kind, line_complete=raw.endswith(b"\n"))
                raise UserError(f"{path}:{number}: {problem}") from None
            yield number, record


def read_jsonl(path: str | Path, record_type=dict[str, Any], kind: str = "JSON object") -> Iterator[Any]:
    """Yield each non-blank line of the JSONL file `path` as a `record_type` (a `kind`, in error messages)."""
    return (record for _, record in numbered_records(path, record_type, kind))


def drop_unfinished_last_line(path: str | Path) -> int | None:
    """Cut a last line that lacks its newline (what a killed writer leaves) off an append-only JSONL file,
    so that appending goes on from a whole line; returns that line's number, or None when there was none."""
    path = Path(path)
    if not path.is_file():
        return None
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return None
    keep = data.rfind(b"\n") + 1
    with path.open("r+b") as handle:
        handle.truncate(keep)
    return data.count(b"\n", 0, keep) + 1

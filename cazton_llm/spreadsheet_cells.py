"""CSV cells for people who open them in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return would run as a formula (CSV injection), so it is written with a leading `'` (OWASP's advice),
and read back without it. A cell that already starts with `'` before such a character gets one more, so every
text survives the round trip exactly."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def needs_quote(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) or (cell.startswith("'") and needs_quote(cell[1:]))


def escape_cell(cell: str) -> str:
    """The cell as written to a CSV for people: inert in Excel, LibreOffice and Google Sheets."""
    return "'" + cell if needs_quote(cell) else cell


def unescape_cell(cell: str) -> str:
    """The text `escape_cell` was given (a cell typed by a person without the `'` is returned as it is)."""
    return cell[1:] if cell.startswith("'") and needs_quote(cell[1:]) else cell

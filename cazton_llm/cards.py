"""Cards written with what their body was built from: a stage writes its README.md (a huggingface_hub card)
and, beside it, a JSON summary of the facts the body shows, so `python -m pipeline publish` can build the card
again with the Hub ids it publishes to."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import RepoCard

from cazton_llm.atomic import write_json, write_text


def write_card(folder: Path, card: RepoCard, summary_file: str, summary: dict) -> None:
    write_json(folder / summary_file, summary)
    write_text(folder / "README.md", str(card))


def read_summary(folder: str | Path, summary_file: str) -> dict:
    return json.loads((Path(folder) / summary_file).read_text())

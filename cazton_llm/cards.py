"""Cards written with what their body was built from: a stage writes its README.md (a huggingface_hub card)
and, beside it, a JSON summary of the facts the body shows, so `python -m pipeline publish` can build the card
again with the Hub ids it publishes to."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import RepoCard

from cazton_llm.atomic import write_json, write_text
from cazton_llm.errors import UserError


def write_card(folder: Path, card: RepoCard, summary_file: str, summary: dict) -> None:
    write_json(folder / summary_file, summary)
    write_text(folder / "README.md", str(card))


def read_summary(folder: str | Path, summary_file: str) -> dict:
    return json.loads((Path(folder) / summary_file).read_text())


def load_card(card_path: Path, card_type: type[RepoCard], hint: str) -> RepoCard:
    """A card read back; one cut short or damaged (front matter that is not YAML, bytes that are not UTF-8) is a
    UserError naming it, followed by `hint` (what to do)."""
    import yaml

    try:
        return card_type.load(card_path)
    except (ValueError, yaml.YAMLError) as error:  # UTF-8 errors are ValueErrors
        raise UserError(f"{card_path} is cut short or damaged ({str(error).splitlines()[0]}): {hint}") from None

"""Content fingerprints of stage inputs, so a stage reruns only when what it reads changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cazton_llm.input_files import read_jsonl

# Files a stage writes that do not change what later stages read (logs, timings, plots).
VOLATILE_NAMES = {"runs", "checkpoints", "summary.json", "loss.png", "trainer_state.json"}


def digest_json(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def digest_pages(pages_path: Path) -> str:
    """Pages by URL and text hash: a re-crawl of unchanged pages keeps the same digest."""
    pages = sorted((page["url"], page["sha256"]) for page in read_jsonl(pages_path))
    return digest_json(pages)


def digest_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def digest_path(path: Path) -> str:
    """Digest of a file or a folder (relative names + contents), ignoring volatile files."""
    path = Path(path)
    if not path.exists():
        return "missing"
    if path.is_file():
        return digest_pages(path) if path.name == "pages.jsonl" else digest_file(path)
    entries = [
        (str(item.relative_to(path)), digest_file(item))
        for item in sorted(path.rglob("*"))
        if item.is_file() and not VOLATILE_NAMES.intersection(item.relative_to(path).parts)
    ]
    return digest_json(entries)

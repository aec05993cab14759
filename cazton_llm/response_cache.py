"""Disk cache of LLM responses keyed by (model, prompt): one file per call, written atomically, so a re-run or
a resumed run makes zero repeated calls. Question generation and the benchmark's LLM judge both use it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cazton_llm.atomic import write_json


def cache_key(model: str, prompt: list[dict] | str) -> str:
    return hashlib.sha256(json.dumps([model, prompt], sort_keys=True).encode()).hexdigest()


class ResponseCache:
    """One JSON file per key under `folder` (sharded by the key's first two characters)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The cached entry, or None when there is none. An entry cut short (a file copied or restored in part, a
        full disk) counts as none, with one notice line: the call is made again and the entry rewritten."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_bytes())
        except ValueError as error:  # not JSON, or not UTF-8
            print(f"{path}: a cached response that is cut short or damaged ({error}); asking again")
            return None
        return entry

    def put(self, key: str, entry: dict) -> None:
        write_json(self.path(key), entry)

"""A page's paragraphs grouped into passages of bounded length, each with its heading context."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cazton_llm.atomic import read_jsonl
from cazton_llm.errors import UserError

MAX_PASSAGE_CHARS = 900
MAX_HEADING_CHARS = 80
PAGE_FIELDS = ("url", "title", "paragraphs")


@dataclass(frozen=True)
class Passage:
    source_url: str
    source_title: str
    heading: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def key(self) -> str:
        """Changes only when the passage's content or source changes."""
        return hashlib.sha256(f"{self.source_url}\n{self.heading}\n{self.text}".encode()).hexdigest()[:16]


def is_heading(paragraph: str) -> bool:
    """Scraped headings are short blocks without closing punctuation."""
    return len(paragraph) <= MAX_HEADING_CHARS and not paragraph.rstrip().endswith((".", "!", "?", ":", ";"))


def page_passages(page: dict, max_chars: int = MAX_PASSAGE_CHARS) -> Iterator[Passage]:
    heading, current = page.get("title", ""), []

    def flush():
        if current:
            yield Passage(page["url"], page.get("title", ""), heading, tuple(current))

    for paragraph in page["paragraphs"]:
        if is_heading(paragraph):
            yield from flush()
            heading, current = paragraph, []
        elif current and sum(map(len, current)) + len(paragraph) > max_chars:
            yield from flush()
            current = [paragraph]
        else:
            current.append(paragraph)
    yield from flush()


def read_pages(pages_path: str | Path) -> list[dict]:
    path = Path(pages_path)
    if not path.is_file():
        raise UserError(f"pages file {str(path)!r} not found: run `python -m scraper --out {path}` first")
    pages = list(read_jsonl(path))
    if not pages:
        raise UserError(f"pages file {str(path)!r} is empty: the crawl found no pages with text")
    missing = [name for name in PAGE_FIELDS if name not in pages[0]]
    if missing:
        raise UserError(f"{str(path)!r} is not a scraper pages file: missing field {missing[0]!r}")
    return pages


def all_passages(pages: list[dict], max_chars: int = MAX_PASSAGE_CHARS) -> list[Passage]:
    return [passage for page in pages for passage in page_passages(page, max_chars)]

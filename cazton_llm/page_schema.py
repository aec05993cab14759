"""The crawled page record: one line of the scraper's pages.jsonl, read by question generation and the tiny base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cazton_llm.errors import UserError
from cazton_llm.input_files import read_jsonl


@dataclass(frozen=True)
class PageRecord:
    url: str
    title: str
    paragraphs: list[str]  # main text blocks in page order (headings and list items are their own)
    text: str  # the paragraphs joined by blank lines
    lang: str = ""
    fetched_at: str = ""
    sha256: str = ""


def is_home_page(url: str) -> bool:
    """Whether `url` is the site's root page (path "/"), where a site says what the company is."""
    return urlsplit(url).path in ("", "/")


def read_pages(pages_path: str | Path) -> list[PageRecord]:
    """Every page of a scraper output file; a missing or empty file, or a bad line, is a UserError."""
    path = Path(pages_path)
    if not path.is_file():
        raise UserError(f"pages file {str(path)!r} not found: run `python -m scraper --out {path}` first")
    pages = list(read_jsonl(path, PageRecord, "scraper page"))
    if not pages:
        raise UserError(f"pages file {str(path)!r} is empty: the crawl found no pages with text")
    return pages

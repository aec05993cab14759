"""A page's paragraphs grouped into passages of bounded length, each with its heading context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cazton_llm.page_schema import PageRecord

MAX_PASSAGE_CHARS = 900
MAX_HEADING_CHARS = 80


@dataclass(frozen=True)
class Passage:
    source_url: str
    source_title: str
    heading: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def is_heading(paragraph: str) -> bool:
    """Scraped headings are short blocks without closing punctuation."""
    return len(paragraph) <= MAX_HEADING_CHARS and not paragraph.rstrip().endswith((".", "!", "?", ":", ";"))


def page_passages(page: PageRecord, max_chars: int = MAX_PASSAGE_CHARS) -> Iterator[Passage]:
    heading, current = page.title, []

    def flush():
        if current:
            yield Passage(page.url, page.title, heading, tuple(current))

    for paragraph in page.paragraphs:
        if is_heading(paragraph):
            yield from flush()
            heading, current = paragraph, []
        elif current and sum(map(len, current)) + len(paragraph) > max_chars:
            yield from flush()
            current = [paragraph]
        else:
            current.append(paragraph)
    yield from flush()


def all_passages(pages: list[PageRecord], max_chars: int = MAX_PASSAGE_CHARS) -> list[Passage]:
    """Every page's passages, pages by URL: a concurrent crawl writes its pages in the order they arrive, and
    what is generated and kept from them (the first of two near-duplicate questions) must not depend on it."""
    return [passage for page in sorted(pages, key=lambda page: page.url) for passage in page_passages(page, max_chars)]

"""Where a crawl's files go beside its output, and the skip reasons its summary counts. Free of Scrapy
imports: processes that only start crawls (the pipeline, which later serves Gradio) never load Twisted."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cazton_llm.errors import UserError
from cazton_llm.input_files import drop_unfinished_last_line, read_jsonl
from cazton_llm.page_schema import PageRecord

# A page line starts with its URL (scraper.pipelines writes the spider's item, `url` first).
LINE_URL = re.compile(rb'^\{"url": ("(?:[^"\\]|\\.)*")')

SUMMARY_REASONS = (
    "robots",
    "off_site",
    "non_html",
    "too_large",
    "duplicate",
    "empty",
    "error",
    "depth_limit",
    "max_pages",
)


def partial_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.name + ".partial")


def summary_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".summary.json")


def drop_unfinished_page(partial: Path) -> str | None:
    """Drop a last line of the partial file that was cut short (the crawl was killed while writing it, or the
    disk filled up), with one notice line; returns that page's URL, to fetch again, when the cut left it whole."""
    if not partial.is_file():
        return None
    data = partial.read_bytes()
    tail = data[data.rfind(b"\n") + 1 :]
    line = drop_unfinished_last_line(partial)
    if line is None:
        return None
    found = LINE_URL.match(tail)
    url = json.loads(found.group(1)) if found else None
    again = f"fetching {url} again" if url else "its URL was cut too: a crawl without --resume fetches it again"
    print(f"{partial}:{line}: dropped a page cut short (the crawl was stopped while writing it); {again}")
    return url


def check_partial(partial: Path) -> None:
    """Every line of the partial file a resumed crawl appends to is a page; otherwise one UserError."""
    if not partial.is_file():
        return
    try:
        for _ in read_jsonl(partial, PageRecord, "crawled page"):
            pass
    except UserError as error:
        raise UserError(f"{error}; the crawl cannot resume from it: delete {partial} to crawl from the start") from None

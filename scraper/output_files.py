"""Where a crawl's files go beside its output, and the skip reasons its summary counts. Free of Scrapy
imports: processes that only start crawls (the pipeline, which later serves Gradio) never load Twisted."""

from __future__ import annotations

from pathlib import Path

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

"""Site-wide boilerplate removal: a text block that repeats on many pages of the same site
(navigation, footer, cookie banner, "Learn More", calls to action) is not page content."""

from __future__ import annotations

from collections import Counter

MIN_PAGES = 3
MIN_SHARE = 0.1


def block_key(text: str) -> str:
    return " ".join(text.lower().split())


def repeated_blocks(pages_paragraphs: list[list[str]], min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE):
    """Blocks that appear on at least `min_pages` pages and at least `min_share` of all pages."""
    page_counts = Counter(key for paragraphs in pages_paragraphs for key in {block_key(p) for p in paragraphs})
    threshold = max(min_pages, min_share * len(pages_paragraphs))
    return {key for key, count in page_counts.items() if count >= threshold}


def remove_boilerplate(pages_paragraphs: list[list[str]]) -> list[list[str]]:
    """Each page's paragraphs without the site-wide repeated blocks, order kept."""
    boilerplate = repeated_blocks(pages_paragraphs)
    return [[p for p in paragraphs if block_key(p) not in boilerplate] for paragraphs in pages_paragraphs]

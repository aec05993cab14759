"""The answer to a question the website does not answer: short, polite, no invented fact, and a pointer to
the page where a visitor can ask. Training teaches it, the benchmark counts it, the Space shows it as an
answer like any other."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

ABSTENTION_MARK = "website does not say"


def abstention_answer(company: str, contact_url: str) -> str:
    return f"The {company} {ABSTENTION_MARK}. You can ask {company} directly: {contact_url}"


def is_abstention(answer: str) -> bool:
    return ABSTENTION_MARK in answer.lower()


def contact_page(urls: list[str], titles: list[str]) -> str:
    """The crawled page a visitor can ask on: the first whose path or title names contact, else the site's root."""
    for url, title in zip(urls, titles, strict=True):
        if "contact" in urlsplit(url).path.lower() or "contact" in title.lower():
            return url
    first = urlsplit(urls[0]) if urls else None
    return urlunsplit((first.scheme, first.netloc, "/", "", "")) if first else ""

"""URL canonicalisation and filtering, so each page is fetched once and nothing off-site is."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS
from w3lib.url import canonicalize_url, url_query_cleaner

from scraper.config import DEFAULT_PORTS

TRACKING_PARAMS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "gclid",
    "dclid",
    "fbclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_hsenc",
    "_hsmi",
    "ref",
    "yclid",
)
NON_HTML_EXTENSIONS = tuple(f".{extension}" for extension in IGNORED_EXTENSIONS)


@lru_cache(maxsize=65536)  # every page repeats the site's navigation links
def canonical_url(url: str) -> str:
    """Drop fragment, tracking parameters and default port; sort the query. The path stays as linked: `/a/` and
    `/a` (or `/a/index.html`) can be different pages, and a server may answer only one of them."""
    cleaned = canonicalize_url(url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False))
    parts = urlsplit(cleaned)
    netloc = parts.hostname or ""
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme):
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def origin_of(url: str) -> str:
    """`scheme://host[:port]` (no default port): what "the same site" means for the crawl, with the origins declared
    its aliases (another scheme or port is another site); what `--alias` names."""
    parts = urlsplit(canonical_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def on_origin(url: str, origin: str) -> str:
    """`url` (canonical) with its scheme, host and port replaced by `origin`'s: the same page on an alias."""
    parts = urlsplit(canonical_url(url))
    return canonical_url(origin + urlunsplit(("", "", parts.path, parts.query, "")))


def has_non_html_extension(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(NON_HTML_EXTENSIONS)


def is_crawlable_scheme(url: str) -> bool:
    return urlsplit(url).scheme in DEFAULT_PORTS

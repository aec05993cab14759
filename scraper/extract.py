"""Main-text extraction with trafilatura: ordered paragraphs (headings and list items as their
own entries), title and language of one HTML page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml import etree, html
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.settings import use_config

BLOCK_TAGS = ("head", "p", "item", "quote", "cell")
_SPACE = re.compile(r"\s+")


def extraction_config():
    """trafilatura's defaults, except that short pages keep their structure: below 250 characters
    of main text it otherwise falls back to a baseline that merges the page into one block."""
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


EXTRACTION_CONFIG = extraction_config()


@dataclass(frozen=True)
class ExtractedPage:
    title: str
    lang: str
    paragraphs: list[str]


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def page_language(document: html.HtmlElement) -> str:
    lang = document.get("lang") or document.xpath("string(//meta[@http-equiv='content-language']/@content)")
    return (lang or "").split("-")[0].lower()


def page_title(document: html.HtmlElement) -> str:
    """The title trafilatura's metadata pass would find (meta tags, JSON-LD, a lone <h1>, <title>), without the
    rest of that pass: dates, authors and site names cost two thirds of the extraction time and are not used."""
    title = extract_meta_json(document, examine_meta(document)).title or extract_title(document)
    return _clean(title or document.xpath("string(//title)"))


def extract_page(page_html: str) -> ExtractedPage:
    """Main content only; returns no paragraphs for pages with no main text or broken markup."""
    try:
        document = html.fromstring(page_html)
    except (etree.ParserError, ValueError):
        return ExtractedPage(title="", lang="", paragraphs=[])
    xml = trafilatura.extract(
        page_html,
        output_format="xml",
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        deduplicate=False,
        config=EXTRACTION_CONFIG,
    )
    if not xml:
        return ExtractedPage(title=page_title(document), lang=page_language(document), paragraphs=[])
    root = etree.fromstring(xml.encode("utf-8"))
    paragraphs = []
    for element in root.iter(*BLOCK_TAGS):
        if element.tag == "p" and element.getparent() is not None and element.getparent().tag in ("item", "cell"):
            continue
        text = _clean("".join(element.itertext()))
        if text:
            paragraphs.append(text)
    return ExtractedPage(title=page_title(document), lang=page_language(document), paragraphs=paragraphs)

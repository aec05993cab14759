"""The real crawler over real HTTP on 127.0.0.1 against the bundled sample site."""

import json
import re
from pathlib import Path

import pytest

from scraper.boilerplate import block_key
from scraper.sample_site_server import SAMPLE_SITE_DIR
from tests.scraper.conftest import read_pages, run_scraper

pytestmark = pytest.mark.slow


def source_paragraphs(path: Path) -> list[str]:
    """The <p> texts inside <article> of a sample page: its real content."""
    article = re.search(r"<article>(.*)</article>", path.read_text(), re.S).group(1)
    texts = [re.sub(r"<[^>]+>", "", match) for match in re.findall(r"<p>(.*?)</p>", article, re.S)]
    return [text.replace("&#x27;", "'").replace("&amp;", "&") for text in texts if text != "Learn More"]


def test_sample_site_crawl(sample_site, tmp_path):
    out = tmp_path / "pages.jsonl"
    result = run_scraper("--start-url", sample_site.base_url, "--out", str(out), "--fast")
    assert result.returncode == 0, result.stderr
    pages = read_pages(out)
    base = sample_site.base_url.rstrip("/")

    # robots.txt obeyed: the disallowed section was never requested; the PDF neither
    assert not [path for path in sample_site.requested_paths if path.startswith("/private/")]
    assert "/files/brochure.pdf" not in sample_site.requested_paths
    # the page linked from nowhere is found through robots.txt → sitemap index → urlset
    assert f"{base}/partners.html" in pages
    # the redirect's final URL is what gets recorded
    assert "/old-services" in sample_site.requested_paths
    assert f"{base}/old-services" not in pages and f"{base}/services/" in pages

    # every content paragraph of every public page is present, in order
    for html_path in SAMPLE_SITE_DIR.rglob("*.html"):
        if html_path.parts[-2] == "private":
            continue
        relative = "/" + str(html_path.relative_to(SAMPLE_SITE_DIR)).removesuffix("index.html")
        page = pages[base + relative]  # as linked: /services/ for services/index.html
        expected = source_paragraphs(html_path)
        assert [p for p in page["paragraphs"] if p in expected] == expected
    # no site-wide boilerplate: nav, cookie banner, footer, call to action
    all_paragraphs = [block_key(p) for page in pages.values() for p in page["paragraphs"]]
    for boilerplate in ("learn more", "accept all cookies", "copyright 2026", "book a free 30-minute call"):
        assert not [p for p in all_paragraphs if boilerplate in p]
    # record shape
    page = pages[f"{base}/training/kubernetes.html"]
    assert page["title"] == "Kubernetes in production course"
    assert page["lang"] == "en"
    assert page["text"] == "\n\n".join(page["paragraphs"])
    assert len(page["sha256"]) == 64 and page["fetched_at"].startswith("20")

    summary = json.loads((tmp_path / "pages.summary.json").read_text())
    assert summary["pages_written"] == len(pages) == 25
    assert summary["skipped"]["robots"] == 1 and summary["skipped"]["non_html"] == 1
    assert "wrote 25 pages" in result.stdout


def test_rerun_is_served_from_the_http_cache(sample_site, tmp_path):
    out = tmp_path / "pages.jsonl"
    assert run_scraper("--start-url", sample_site.base_url, "--out", str(out), "--fast").returncode == 0
    first = read_pages(out)
    requests_after_first_crawl = len(sample_site.requested_paths)
    assert run_scraper("--start-url", sample_site.base_url, "--out", str(out), "--fast").returncode == 0
    assert len(sample_site.requested_paths) == requests_after_first_crawl
    assert read_pages(out).keys() == first.keys()

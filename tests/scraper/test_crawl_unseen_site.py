"""Acceptance check on a site the crawler has never seen: content kept, boilerplate gone,
nothing disallowed or off-site requested, faults counted, the trap bounded."""

import json

import pytest

from tests.scraper.conftest import read_pages, run_scraper
from tests.scraper.site_factory import BOILERPLATE, build_site

pytestmark = pytest.mark.slow


def test_unseen_site(tmp_path, offsite_server):
    from tests.stand_ins.site_server import serve_site

    site = build_site(tmp_path / "site", offsite_server.base_url + "index.html")
    with serve_site(site.root) as server:
        server.faults.update({"/broken.html": 500, "/slow.html": "hang"})
        out = tmp_path / "out" / "pages.jsonl"
        result = run_scraper(
            "--start-url", server.base_url, "--out", str(out), "--fast", "--max-depth", "4", "--download-timeout", "1"
        )
    assert result.returncode == 0, result.stderr
    pages = read_pages(out)
    base = server.base_url.rstrip("/")

    expected = [(base + (path if path != "/index.html" else "/"), p) for path, ps in site.content.items() for p in ps]
    present = [(url, p) for url, p in expected if url in pages and p in pages[url]["paragraphs"]]
    assert len(present) / len(expected) >= 0.95, set(expected) - set(present)

    output_paragraphs = [p for page in pages.values() for p in page["paragraphs"]]
    boilerplate = [p for p in output_paragraphs if any(b.lower() in p.lower() for b in BOILERPLATE)]
    assert len(boilerplate) / len(output_paragraphs) < 0.01, boilerplate

    assert not [path for path in server.requested_paths if path.startswith(site.disallowed_prefix)]
    assert offsite_server.requested_paths == []
    assert "/report.pdf" not in server.requested_paths
    # the calendar trap stops at --max-depth (page 0 is depth 1, calendar/0 depth 2, …)
    calendar_pages = [path for path in server.requested_paths if path.startswith(site.trap_prefix)]
    assert 0 < len(calendar_pages) <= 4

    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["errors"]["HTTP 500"] == 1
    assert summary["errors"]["HTTP 404"] == 2  # /gone.html and the call to action's /contact.html
    assert summary["errors"]["DownloadTimeoutError"] == 1
    assert server.requested_paths.count("/broken.html") == 4  # first try + 3 retries with backoff
    assert summary["skipped"]["empty"] >= 1 and summary["skipped"]["depth_limit"] >= 1
    assert summary["skipped"]["robots"] == 1
    assert f"{base}/empty.html" not in pages
    assert pages[f"{base}/malformed.html"]["paragraphs"][0] == site.content["/malformed.html"][0]


def test_max_pages_bounds_the_crawl(tmp_path, offsite_server):
    from tests.stand_ins.site_server import serve_site

    site = build_site(tmp_path / "site", offsite_server.base_url)
    with serve_site(site.root) as server:
        out = tmp_path / "pages.jsonl"
        result = run_scraper("--start-url", server.base_url, "--out", str(out), "--fast", "--max-pages", "5")
    assert result.returncode == 0, result.stderr
    assert len(read_pages(out)) == 5

"""A site on two origins (https://x.com redirecting to https://www.x.com): without `--alias` the crawl is refused in
one line naming the option; with it, redirects to the alias are followed, links to it are in-site, its robots.txt
is obeyed, and a path is one page on either origin. Two loopback servers on two ports stand for the two origins."""

from __future__ import annotations

import json

import pytest

from tests.scraper.conftest import read_pages, run_scraper, write_page
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow


@pytest.fixture
def two_origins(tmp_path):
    """(start, alias): the start origin's home page redirects to the alias's; the alias's home page links to its own
    pages and to the start origin's; the alias's robots.txt disallows /members/."""
    start_root, alias_root = tmp_path / "start", tmp_path / "alias"
    write_page(alias_root / "about.html", "About")
    write_page(alias_root / "members" / "secret.html", "Secret")
    (alias_root / "robots.txt").write_text("User-agent: *\nDisallow: /members/\n")
    write_page(start_root / "team.html", "Team")
    write_page(start_root / "about.html", "About")
    (start_root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    with serve_site(alias_root) as alias:
        (start_root / "_redirects").write_text(f"/ 301 {alias.base_url}\n")
        with serve_site(start_root) as start:
            links = ["/about.html", "/members/secret.html", f"{start.base_url}team.html", f"{start.base_url}about.html"]
            write_page(alias_root / "index.html", "Home", links)
            yield start, alias


def crawl(tmp_path, start, *extra: str):
    out = tmp_path / "out" / "pages.jsonl"
    args = ["--start-url", start.base_url, "--out", str(out), "--fast", "--refresh", "--download-timeout", "5"]
    return run_scraper(*args, *extra), out


def test_start_page_redirecting_to_an_undeclared_origin_is_refused_naming_the_option(tmp_path, two_origins):
    start, alias = two_origins
    result, out = crawl(tmp_path, start)
    assert result.returncode == 2, result.stderr[-3000:]
    alias_origin = alias.base_url.rstrip("/")
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        f"error: the start page {start.base_url} redirects to {alias.base_url}, another site: "
        f"add --alias {alias_origin} to crawl it as the same site, or start from it"
    ]
    assert alias.requested_paths == []
    assert not out.parent.exists() or list(out.parent.glob("pages*")) == []


def test_declared_alias_is_crawled_as_the_same_site(tmp_path, two_origins):
    start, alias = two_origins
    result, out = crawl(tmp_path, start, "--alias", alias.base_url.rstrip("/"))
    assert result.returncode == 0, result.stderr[-3000:]
    pages = read_pages(out)
    about = {f"{alias.base_url}about.html", f"{start.base_url}about.html"}
    # the home page is the alias's; /about.html, linked on both origins, is one page fetched once
    assert set(pages) - about == {alias.base_url, f"{start.base_url}team.html"}
    assert len(set(pages) & about) == 1
    assert [*alias.requested_paths, *start.requested_paths].count("/about.html") == 1
    # the alias's own robots.txt is read and obeyed
    assert "/robots.txt" in alias.requested_paths
    assert "/members/secret.html" not in alias.requested_paths
    summary = json.loads((out.parent / "pages.summary.json").read_text())
    assert summary["skipped"]["robots"] >= 1

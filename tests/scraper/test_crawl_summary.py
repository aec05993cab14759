"""The crawl summary says what happened: every page the item limit cut is counted, a link is fetched as written
(its trailing slash kept), and a page whose bytes do not fit its declared encoding is kept and counted."""

import json

import pytest

from tests.scraper.conftest import read_pages, run_scraper
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow
PAGE = "<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p>{links}</main></body></html>"


def write_page(path, title: str, links: list[str] = (), text: str | None = None) -> None:
    text = text or f"The {title} page explains what our consultants deliver for clients in every industry we serve."
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PAGE.format(title=title, text=text, links=anchors).encode("utf-8", "surrogateescape"))


def test_pages_the_item_limit_cut_are_counted_as_max_pages(tmp_path):
    site = tmp_path / "site"
    sections = [f"/section-{n}.html" for n in range(20)]
    write_page(site / "index.html", "Home", sections)
    for path in sections:
        write_page(site / path.lstrip("/"), f"Section {path[9:-5]}")
    out = tmp_path / "out" / "pages.jsonl"
    with serve_site(site) as server:
        result = run_scraper("--start-url", server.base_url, "--out", str(out), "--fast", "--max-pages", "3")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["finish_reason"] == "closespider_itemcount"
    assert summary["pages_written"] == 3 and len(read_pages(out)) == 3
    assert summary["skipped"]["max_pages"] == 21 - 3, summary  # fetched beyond the limit, or never fetched
    assert "stopped at --max-pages 3" in result.stdout


def test_links_are_fetched_as_written_and_undecodable_pages_are_counted(tmp_path):
    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/relloop/", "/latin.html"])
    write_page(site / "relloop" / "index.html", "Relloop")
    write_page(site / "latin.html", "Latin", text="Caf\udce9 cr\udce8me is served all day at our Portland office.")
    out = tmp_path / "out" / "pages.jsonl"
    with serve_site(site) as server:
        server.faults["/relloop"] = 404  # as many frameworks answer a directory URL without its slash
        result = run_scraper("--start-url", server.base_url, "--out", str(out), "--fast", "--refresh")
    assert result.returncode == 0, result.stderr
    pages, base = read_pages(out), server.base_url
    assert "/relloop" not in server.requested_paths
    assert pages[f"{base}relloop/"]["title"] == "Relloop"
    assert "Caf\ufffd cr\ufffdme" in pages[f"{base}latin.html"]["text"]
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["pages_written"] == 3 and summary["errors"] == {}
    assert summary["invalid_encoding"] == 1
    assert "kept with U+FFFD in place of bytes invalid in their declared encoding: 1 page" in result.stdout

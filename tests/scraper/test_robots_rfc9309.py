"""robots.txt as RFC 9309 says: a robots.txt that cannot be read (5xx, a timeout, a dropped connection, a
redirect to another site) means nothing on the site is crawled, and the crawl says so; a missing one (4xx)
allows everything; an oversized one is parsed up to its first 500 KiB. Redirects, of robots.txt and of pages,
are followed only to the same scheme, host and port."""

from __future__ import annotations

import json

import pytest

from scraper import sample_site_server
from tests.scraper.conftest import run_scraper
from tests.scraper.test_hostile_sites import write_gzip_bomb
from tests.stand_ins.site_server import FaultInjectingHandler, FaultInjectingSiteServer, serve_site

pytestmark = pytest.mark.slow
PAGE = "<html><head><title>{title}</title></head><body><main><p>{text}</p>{links}</main></body></html>"
PADDING_LINE = "# " + "x" * 1021 + "\n"  # 1 KiB of comment


class DroppingHandler(FaultInjectingHandler):
    """Adds the fault `drop`: the connection closes before any answer."""

    def do_GET(self):
        if self.server.faults.get(self.path) == "drop":
            self.server.log_request_path(self.path)
            self.close_connection = True
            return
        super().do_GET()


class DroppingSiteServer(FaultInjectingSiteServer):
    handler_class = DroppingHandler


def write_site(root, robots_txt: str | None) -> None:
    """A home page linking to /about.html and /members/secret.html."""
    for path, title, links in [
        ("index.html", "Home", ["/about.html", "/members/secret.html", "/moved.html"]),
        ("about.html", "About", []),
        ("members/secret.html", "Secret", []),
    ]:
        text = f"The {title} page explains what our consultants deliver for clients in every industry we serve."
        anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(PAGE.format(title=title, text=text, links=anchors))
    if robots_txt is not None:
        (root / "robots.txt").write_text(robots_txt)


def crawl(tmp_path, server, *extra: str):
    out = tmp_path / "out" / "pages.jsonl"
    result = run_scraper(
        "--start-url", server.base_url, "--out", str(out), "--fast", "--refresh", "--download-timeout", "1", *extra
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    return result, summary, {json.loads(line)["url"] for line in out.read_text().splitlines()}


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (503, "HTTP 503"),
        (500, "HTTP 500"),
        ("hang", "DownloadTimeoutError"),
        ("drop", "DownloadFailedError"),
        ("gzip-bomb", "it unpacks to more than 10 MB"),
    ],
    ids=["503", "500", "timeout", "dropped-connection", "gzip-bomb"],
)
def test_unreachable_robots_txt_means_nothing_is_crawled(tmp_path, fault, reason):
    write_site(tmp_path / "site", "User-agent: *\nAllow: /\n" if fault != "gzip-bomb" else None)
    if fault == "gzip-bomb":  # served as robots.txt with Content-Encoding: gzip
        write_gzip_bomb(tmp_path / "site" / "robots.txt.gz", b"User-agent: *\nAllow: /\n", b"", unpacked_mb=50)
    with sample_site_server.serve_site(tmp_path / "site", 0, 0, DroppingSiteServer) as server:
        server.faults["/robots.txt"] = fault
        result, summary, pages = crawl(tmp_path, server)
    assert pages == set()
    assert set(server.requested_paths) == {"/robots.txt"}
    site = server.base_url.removeprefix("http://").rstrip("/")
    assert summary["robots_unreachable"] == {site: reason}
    assert summary["skipped"]["robots"] >= 1
    notices = [line for line in result.stdout.splitlines() if "robots.txt" in line]
    assert len(notices) == 1 and reason in notices[0] and "nothing" in notices[0], result.stdout


@pytest.mark.parametrize(
    ("robots_txt", "fault", "crawled", "never_requested"),
    [
        (None, None, {"", "about.html", "members/secret.html"}, set()),  # 404: no rules
        ("User-agent: *\nDisallow: /\n", 410, {"", "about.html", "members/secret.html"}, set()),
        # 11 MB, over the download limit: the rules in its first 500 KiB still apply
        (
            "User-agent: *\nDisallow: /members/\n" + PADDING_LINE * 11_000 + "Disallow: /about.html\n",
            None,
            {"", "about.html"},
            {"/members/secret.html"},
        ),
    ],
    ids=["404-allows-all", "410-allows-all", "oversized-first-500-KiB"],
)
def test_missing_or_oversized_robots_txt(tmp_path, robots_txt, fault, crawled, never_requested):
    write_site(tmp_path / "site", robots_txt)
    with serve_site(tmp_path / "site") as server:
        if fault:
            server.faults["/robots.txt"] = fault
        _, summary, pages = crawl(tmp_path, server)
    assert pages == {server.base_url + path for path in crawled}
    assert not never_requested & set(server.requested_paths)
    assert summary.get("robots_unreachable", {}) == {}


@pytest.mark.parametrize("redirected", ["/robots.txt", "/moved.html"], ids=["robots-txt", "page"])
def test_redirect_to_another_port_of_the_same_host_is_not_followed(tmp_path, redirected):
    (tmp_path / "other").mkdir()
    write_site(tmp_path / "other", "User-agent: *\nAllow: /\n")
    write_site(tmp_path / "site", "User-agent: *\nAllow: /\n")
    with serve_site(tmp_path / "other") as other:
        (tmp_path / "site" / "_redirects").write_text(f"{redirected} 301 {other.base_url}{redirected[1:]}\n")
        with serve_site(tmp_path / "site") as server:
            _, summary, pages = crawl(tmp_path, server)
    assert other.requested_paths == []
    if redirected == "/robots.txt":
        assert pages == set()
        reason = summary["robots_unreachable"][server.base_url[7:-1]]
        assert "another site" in reason and f"add --alias {other.base_url.rstrip('/')}" in reason
    else:
        assert pages == {server.base_url + path for path in ("", "about.html", "members/secret.html")}
        assert summary["skipped"]["off_site"] >= 1

"""Politeness read from the site's own request log: robots.txt rules for the crawler's own user agent, at most
two requests in flight per site, a 429's Retry-After waited out, and retries spaced by a growing backoff.

Bounds are lower bounds the code guarantees (a sleep is never shorter than asked) and orderings, never
tight wall-clock limits, so a loaded machine cannot break them.
"""

from __future__ import annotations

import json
import threading
import time
from itertools import pairwise
from urllib.parse import urlsplit

import pytest

from scraper import sample_site_server
from scraper.config import USER_AGENT
from scraper.middlewares import MAX_RETRY_AFTER_SECONDS, BackoffRetryMiddleware
from scraper.settings import FAST_SETTINGS, POLITE_SETTINGS
from tests.scraper.conftest import read_pages, run_scraper, write_page
from tests.stand_ins.site_server import FaultInjectingSiteServer


class ScriptedHandler(sample_site_server.SiteHandler):
    """The site stand-in, plus: scripted answers per path, bodies sent slowly after the headers, and a count of
    the requests being answered at each moment."""

    server: ScriptedSiteServer

    def do_GET(self):
        server = self.server
        path = urlsplit(self.path).path
        server.log_request_path(self.path)
        with server._log_lock:
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            script = server.scripts.get(path)
            if script:
                status, headers = script.pop(0)
                self.send_body(status, b"<html><body><p>not now</p></body></html>", "text/html", headers)
            elif path in server.slow_body_paths and (file_path := server.resolve(path)):
                self.send_slowly(file_path.read_bytes())
            else:
                super().do_GET()
        finally:
            with server._log_lock:
                server.in_flight -= 1

    def send_slowly(self, body: bytes) -> None:
        """Headers at once, the body `body_seconds` later: the crawler's measured latency stays small (so
        AutoThrottle lowers its delay) while the request stays in flight."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        time.sleep(self.server.body_seconds)
        self.wfile.write(body)


class ScriptedSiteServer(FaultInjectingSiteServer):
    handler_class = ScriptedHandler

    def __init__(self, root, port, latency_ms=0):
        super().__init__(root, port, latency_ms)
        self.scripts: dict[str, list[tuple[int, dict]]] = {}  # path -> answers to give before serving the file
        self.slow_body_paths: set[str] = set()
        self.body_seconds = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    def times_of(self, path: str) -> list[float]:
        return [at for requested, at in zip(self.requested_paths, self.request_times, strict=True) if requested == path]


def serve(root):
    return sample_site_server.serve_site(root, 0, 0, ScriptedSiteServer)


def crawl(server, tmp_path, *args: str) -> tuple[dict, dict]:
    out = tmp_path / "out" / "pages.jsonl"
    result = run_scraper("--start-url", server.base_url, "--out", str(out), "--refresh", *args)
    assert result.returncode == 0, result.stderr
    return read_pages(out), json.loads((tmp_path / "out" / "pages.summary.json").read_text())


# Bug: robots.txt read for `*` (e.g. ROBOTSTXT_USER_AGENT = "*"): a Disallow for our agent alone is ignored.
@pytest.mark.parametrize("agent", [None, "northwind-bot/2.0 (+https://northwind.example/bot)"], ids=["default", "own"])
def test_robots_rules_for_the_crawlers_own_agent_are_obeyed(tmp_path, agent):
    product = (agent or USER_AGENT).split("/")[0]
    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/private/plans.html", "/public.html"])
    write_page(site / "private/plans.html", "Plans")
    write_page(site / "public.html", "Public")
    (site / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nUser-agent: {product}\nDisallow: /private/\n")
    with serve(site) as server:
        pages, summary = crawl(server, tmp_path, "--fast", *(["--user-agent", agent] if agent else []))
    assert "/public.html" in server.requested_paths
    assert not [path for path in server.requested_paths if path.startswith("/private/")]
    assert set(pages) == {server.base_url, server.base_url + "public.html"}
    assert summary["skipped"]["robots"] == 1


# Bug: more parallel requests per site than the polite default of 2.
@pytest.mark.slow
def test_polite_crawl_keeps_at_most_two_requests_in_flight_per_site(tmp_path):
    assert POLITE_SETTINGS["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    site = tmp_path / "site"
    paths = [f"/page{n}.html" for n in range(8)]
    write_page(site / "index.html", "Home", paths)
    for n, path in enumerate(paths):
        write_page(site / path.lstrip("/"), f"Page {n}")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    with serve(site) as server:
        # Each body takes 1.5 s while AutoThrottle's delay falls to DOWNLOAD_DELAY (0.5 s): without the
        # per-site limit, three or more requests would overlap.
        server.slow_body_paths.update(paths)
        server.body_seconds = 1.5
        pages, _ = crawl(server, tmp_path)
    assert len(pages) == 1 + len(paths)
    assert server.max_in_flight == 2, "the limit is reached, never passed"


# Bugs: Retry-After ignored; retries at a constant (or shrinking) interval.
@pytest.mark.slow
def test_polite_crawl_waits_out_retry_after_and_backs_off_more_each_retry(tmp_path):
    retries = POLITE_SETTINGS["BACKOFF_RETRY_TIMES"]
    base = POLITE_SETTINGS["BACKOFF_BASE_SECONDS"]
    retry_after = 3
    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/busy.html", "/flaky.html"])
    write_page(site / "busy.html", "Busy")
    write_page(site / "flaky.html", "Flaky")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    with serve(site) as server:
        server.scripts["/busy.html"] = [(429, {"Retry-After": str(retry_after)})]
        server.scripts["/flaky.html"] = [(503, {})] * (retries + 1)  # every try fails
        pages, summary = crawl(server, tmp_path)

    busy = server.times_of("/busy.html")
    assert len(busy) == 2 and server.base_url + "busy.html" in pages
    assert busy[1] - busy[0] >= retry_after, "retried before the site's Retry-After"

    flaky = server.times_of("/flaky.html")
    assert len(flaky) == 1 + retries
    gaps = [later - earlier for earlier, later in pairwise(flaky)]
    # Lower bounds only (a sleep is never shorter than asked): 1, 2 and 4 s. The first gap can also hold the
    # download delay (up to 0.75 s) and a loaded machine's lag, so growth is checked first to last only.
    for attempt, gap in enumerate(gaps):
        assert gap >= base * 2**attempt, f"retry {attempt + 1} after {gap:.2f} s: {gaps}"
    assert gaps[-1] > gaps[0], f"the backoff must grow: {gaps}"
    assert summary["errors"]["HTTP 503"] == 1


class FakeCrawler:
    def __init__(self, settings: dict):
        from scrapy.settings import Settings

        self.settings = Settings(settings)


@pytest.mark.parametrize("profile", [POLITE_SETTINGS, {**POLITE_SETTINGS, **FAST_SETTINGS}], ids=["polite", "fast"])
def test_backoff_doubles_and_retry_after_wins_within_its_cap(profile):
    from scrapy import Request

    middleware = BackoffRetryMiddleware.from_crawler(FakeCrawler(profile))
    base = profile["BACKOFF_BASE_SECONDS"]
    delays = [middleware.delay(Request("http://a.test/", meta={"retry_times": n}), None) for n in range(4)]
    assert delays == [base, 2 * base, 4 * base, 8 * base]
    first = Request("http://a.test/")
    assert middleware.delay(first, b"7") == 7.0
    assert middleware.delay(first, b" 7 ") == 7.0
    assert middleware.delay(first, b"100000") == MAX_RETRY_AFTER_SECONDS
    # An HTTP date (or garbage) is not a number of seconds: the backoff applies.
    assert middleware.delay(first, b"Wed, 21 Oct 2026 07:28:00 GMT") == base
    assert middleware.delay(first, b"") == base


def test_scripted_stand_in_counts_overlapping_requests(tmp_path):
    """The in-flight count the concurrency test relies on sees requests that overlap."""
    import urllib.request

    write_page(tmp_path / "slow.html", "Slow")
    with serve(tmp_path) as server:
        server.slow_body_paths.add("/slow.html")
        server.body_seconds = 0.5
        threads = [
            threading.Thread(target=lambda: urllib.request.urlopen(server.base_url + "slow.html").read())
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert server.max_in_flight == 3


def test_crawl_settings_are_polite_unless_fast_and_always_obey_robots(tmp_path):
    from scraper.config import CrawlConfig
    from scraper.settings import crawl_settings

    config = CrawlConfig(out=tmp_path / "pages.jsonl", max_pages=7, download_timeout=4.0, user_agent="acme-bot/1.0")
    polite = crawl_settings(config)
    assert {key: polite[key] for key in POLITE_SETTINGS if key not in ("HTTPCACHE_ENABLED",)} == {
        key: value for key, value in POLITE_SETTINGS.items() if key != "HTTPCACHE_ENABLED"
    }
    assert polite["USER_AGENT"] == "acme-bot/1.0" and "ROBOTSTXT_USER_AGENT" not in polite
    assert polite["DOWNLOAD_TIMEOUT"] == 4.0
    assert polite["PAGES_OUT"] == str(config.out) and polite["PAGES_MAX"] == polite["CLOSESPIDER_ITEMCOUNT"] == 7
    assert polite["JOBDIR"] == str(tmp_path / "crawl" / "job")
    assert polite["HTTPCACHE_DIR"] == str((tmp_path / "crawl" / "httpcache").resolve())
    assert polite["HTTPCACHE_ENABLED"] is True
    assert crawl_settings(CrawlConfig(out=config.out, refresh=True))["HTTPCACHE_ENABLED"] is False

    fast = crawl_settings(CrawlConfig(out=config.out, fast=True))
    assert {key: fast[key] for key in FAST_SETTINGS} == FAST_SETTINGS
    assert fast["ROBOTSTXT_OBEY"] is True
    assert fast["DOWNLOADER_MIDDLEWARES"] == POLITE_SETTINGS["DOWNLOADER_MIDDLEWARES"]


@pytest.fixture
def backoff_middleware():
    """The middleware of a polite crawl (its backoff made short), in this process, for unit checks."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider, {**POLITE_SETTINGS, "BACKOFF_BASE_SECONDS": 0.05})
    crawler.spider = Spider.from_crawler(crawler, name="polite")
    return BackoffRetryMiddleware.from_crawler(crawler)


def answer(middleware, status: int, headers: dict | None = None, **meta):
    """(what the middleware returns for a response with `status`, seconds it waited first)."""
    import asyncio

    from scrapy import Request
    from scrapy.http import HtmlResponse

    request = Request("http://a.test/page.html", meta=meta)
    response = HtmlResponse(request.url, status=status, headers=headers, body=b"<p>x</p>", request=request)
    started = time.monotonic()
    result = asyncio.run(middleware.process_response(request, response))
    return result, time.monotonic() - started, response


def test_the_statuses_and_errors_retried_are_scrapys_and_the_retries_polite(backoff_middleware):
    from scrapy.settings.default_settings import RETRY_EXCEPTIONS, RETRY_HTTP_CODES

    assert backoff_middleware.max_retries == POLITE_SETTINGS["BACKOFF_RETRY_TIMES"] == 3
    assert backoff_middleware.retry_statuses == set(RETRY_HTTP_CODES) >= {429, 500, 503}
    assert len(backoff_middleware.retry_exceptions) == len(RETRY_EXCEPTIONS)
    assert all(isinstance(error, type) for error in backoff_middleware.retry_exceptions)


def test_a_retried_status_comes_back_as_a_retry_after_the_backoff(backoff_middleware):
    from scrapy import Request

    retry, waited, _ = answer(backoff_middleware, 503)
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1 and retry.dont_filter
    assert waited >= 0.05
    last, _, _ = answer(backoff_middleware, 503, retry_times=2)  # BACKOFF_RETRY_TIMES, not Scrapy's RETRY_TIMES (2)
    assert isinstance(last, Request) and last.meta["retry_times"] == 3
    retry, waited, _ = answer(backoff_middleware, 429, {"Retry-After": "1"})
    assert isinstance(retry, Request) and waited >= 1.0
    stats = backoff_middleware.crawler.stats.get_stats()
    assert stats["retry/reason_count/HTTP 503"] == 2 and stats["retry/reason_count/HTTP 429"] == 1


@pytest.mark.parametrize(
    ("status", "meta"), [(503, {"retry_times": 3}), (503, {"dont_retry": True}), (404, {}), (200, {})]
)
def test_the_response_itself_when_there_is_nothing_to_retry(backoff_middleware, status, meta):
    result, waited, response = answer(backoff_middleware, status, **meta)
    assert result is response and waited < 0.05


def test_connection_errors_are_retried_and_other_errors_left_alone(backoff_middleware):
    import asyncio

    from scrapy import Request

    retried_error = backoff_middleware.retry_exceptions[0]("connection refused")
    request = Request("http://a.test/page.html")
    retry = asyncio.run(backoff_middleware.process_exception(request, retried_error))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    reason = f"{type(retried_error).__module__}.{type(retried_error).__name__}"
    assert backoff_middleware.crawler.stats.get_value(f"retry/reason_count/{reason}") == 1
    assert asyncio.run(backoff_middleware.process_exception(request, ValueError("bug"))) is None
    unretried = Request("http://a.test/page.html", meta={"dont_retry": True})
    assert asyncio.run(backoff_middleware.process_exception(unretried, retried_error)) is None
    exhausted = Request("http://a.test/page.html", meta={"retry_times": 3})
    assert asyncio.run(backoff_middleware.process_exception(exhausted, retried_error)) is None

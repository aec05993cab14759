"""robots.txt and redirects as the crawl's middlewares read them, in this process, with Scrapy's engine stood in
for by one that answers each request as a test says: what each answer to robots.txt means (RFC 9309), the
first 500 KiB parsed, one robots.txt per scheme, host and port, and redirects to another site refused unless
declared. tests/scraper/test_robots_rfc9309.py checks the same through real crawls, in a child process."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from scraper.config import USER_AGENT
from scraper.middlewares import (
    ROBOTS_PARSE_LIMIT,
    DisallowEverything,
    OffSiteRedirect,
    RobotsTxtEveryRequestMiddleware,
    RobotsTxtSizeLimits,
    SameSiteRedirectMiddleware,
)
from scraper.settings import POLITE_SETTINGS
from scraper.spider import SiteSpider

PAGE = "http://site.test:8080/about.html"
RULES = b"User-agent: *\nDisallow: /members/\n"


class Engine:
    """Scrapy's engine as the robots.txt middleware uses it: each download answered by `answer(request)` (a
    response, or an exception raised)."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []

    async def download_async(self, request):
        self.requests.append(request)
        return self.answer(request)


def crawler_with(answer=None, aliases=()):
    crawler = get_crawler(SiteSpider, POLITE_SETTINGS)
    crawler.spider = SiteSpider.from_crawler(crawler, start_url="http://site.test:8080/", max_depth=2, aliases=aliases)
    crawler.engine = Engine(answer)
    return crawler


def status(code: int, body: bytes = RULES):
    return lambda request: Response(request.url, status=code, body=body, request=request)


def failing(error: Exception):
    def answer(request):
        raise error

    return answer


def rules_for(answer, url: str = PAGE):
    """The rules the middleware reads for `url`'s site, and the crawler (its spider, stats and engine)."""
    crawler = crawler_with(answer)
    parser = asyncio.run(RobotsTxtEveryRequestMiddleware(crawler).robot_parser(Request(url)))
    return parser, crawler


def allows(parser, path: str) -> bool:
    return parser.allowed(f"http://site.test:8080{path}", USER_AGENT)


def test_robots_txt_is_asked_at_the_pages_own_origin_uncompressed_and_its_rules_obeyed():
    parsed = []

    def received(robotparser, request):
        parsed.append((robotparser, request.url))

    crawler = crawler_with(status(200))
    crawler.signals.connect(received, signal=signals.robots_parsed)
    middleware = RobotsTxtEveryRequestMiddleware(crawler)
    parser = asyncio.run(middleware.robot_parser(Request(PAGE)))
    (asked,) = crawler.engine.requests
    assert asked.url == "http://site.test:8080/robots.txt" and asked.headers["Accept-Encoding"] == b"identity"
    assert asked.meta["dont_obey_robotstxt"] and asked.meta["robots_txt"] and asked.callback is NO_CALLBACK
    assert asked.priority == RobotsTxtEveryRequestMiddleware.DOWNLOAD_PRIORITY
    assert allows(parser, "/about.html") and not allows(parser, "/members/secret.html")
    assert parsed == [(parser, PAGE)], "the robots_parsed signal carries the rules and the page asked for"
    stats = crawler.stats.get_stats()
    assert stats["robotstxt/request_count"] == 1 and stats["robotstxt/response_status_count/200"] == 1
    assert crawler.spider.robots_unreachable == {}


def test_one_robots_txt_per_scheme_host_and_port():
    crawler = crawler_with(status(200))
    middleware = RobotsTxtEveryRequestMiddleware(crawler)
    for url in (PAGE, "http://site.test:8080/members/x.html", "http://site.test:9090/", "https://site.test:8080/"):
        asyncio.run(middleware.robot_parser(Request(url)))
    assert [request.url for request in crawler.engine.requests] == [
        "http://site.test:8080/robots.txt",
        "http://site.test:9090/robots.txt",
        "https://site.test:8080/robots.txt",
    ]


@pytest.mark.parametrize("code", [200, 299])
def test_a_2xx_robots_txt_is_obeyed(code):
    parser, crawler = rules_for(status(code))
    assert allows(parser, "/about.html") and not allows(parser, "/members/secret.html")
    assert crawler.spider.robots_unreachable == {}


@pytest.mark.parametrize("code", [400, 404, 410, 499])
def test_a_missing_robots_txt_allows_everything(code):
    parser, crawler = rules_for(status(code))
    assert allows(parser, "/about.html") and allows(parser, "/members/secret.html")
    assert crawler.spider.robots_unreachable == {}


@pytest.mark.parametrize("code", [199, 300, 399, 429, 500, 503])
def test_any_other_answer_makes_the_site_unreachable_and_nothing_is_crawled(code):
    parser, crawler = rules_for(status(code))
    assert not allows(parser, "/about.html") and not allows(parser, "/")
    assert crawler.spider.robots_unreachable == {"site.test:8080": f"HTTP {code}"}
    assert crawler.stats.get_value(f"robotstxt/response_status_count/{code}") == 1


def test_a_robots_txt_that_cannot_be_downloaded_makes_the_site_unreachable_and_says_why():
    gzip_bomb = IgnoreRequest("Cancelling processing of <GET http://x>: body exceeds DOWNLOAD_MAXSIZE (10485760)")
    reasons = {
        OffSiteRedirect("http://site.test:8080/robots.txt", "http://other.test/robots.txt"): (
            "it redirects to another site, http://other.test/robots.txt; add --alias http://other.test to crawl it "
            "as the same site"
        ),
        gzip_bomb: f"it unpacks to more than {POLITE_SETTINGS['DOWNLOAD_MAXSIZE'] // 2**20} MB",
        IgnoreRequest("ignored"): "IgnoreRequest",
        TimeoutError("slow"): "TimeoutError",
    }
    for error, reason in reasons.items():
        parser, crawler = rules_for(failing(error))
        assert isinstance(parser, DisallowEverything) and not allows(parser, "/about.html")
        assert crawler.spider.robots_unreachable == {"site.test:8080": reason}
        assert crawler.stats.get_value("robotstxt/request_count") == 1


def test_the_rules_past_the_first_500_kib_are_not_read():
    padding = b"# " + b"x" * 1021 + b"\n"  # 1 KiB of comment
    body = b"User-agent: *\nDisallow: /members/\n" + padding * 500 + b"Disallow: /about.html\n"
    assert len(body) > ROBOTS_PARSE_LIMIT
    parser, _ = rules_for(status(200, body))
    assert not allows(parser, "/members/secret.html") and allows(parser, "/about.html")


def test_an_unreadable_sites_rules_allow_nothing_and_set_no_delay():
    assert DisallowEverything().allowed(PAGE, USER_AGENT) is False and DisallowEverything().crawl_delay("x") is None


def test_robots_txt_downloads_are_cut_at_the_parse_limit_and_unpacked_within_the_page_limit():
    limits = RobotsTxtSizeLimits.from_crawler(crawler_with())
    robots = Request("http://site.test:8080/robots.txt", meta={"robots_txt": True})
    page = Request(PAGE)
    limits.process_request(robots)
    limits.process_request(page)
    assert robots.meta["download_maxsize"] == 0, "no size cap while downloading: the parse limit stops it"
    assert "download_maxsize" not in page.meta
    limits.stop_at_parse_limit(b"x" * (ROBOTS_PARSE_LIMIT - 1), robots)
    limits.stop_at_parse_limit(b"x" * ROBOTS_PARSE_LIMIT, page)  # a page is never cut here
    with pytest.raises(StopDownload) as stopped:
        limits.stop_at_parse_limit(b"x", robots)
    assert stopped.value.fail is False, "what was received is kept"
    response = Response(robots.url, body=b"", request=robots)
    assert limits.process_response(robots, response) is response
    assert robots.meta["download_maxsize"] == POLITE_SETTINGS["DOWNLOAD_MAXSIZE"], "unpacked within the page limit"
    assert limits.process_response(page, response) is response and "download_maxsize" not in page.meta


def redirect(location: str, aliases=(), source: str = PAGE):
    middleware = SameSiteRedirectMiddleware.from_crawler(crawler_with(aliases=aliases))
    request = Request(source)
    response = Response(source, status=301, headers={"Location": location}, request=request)
    return middleware.process_response(request, response)


def test_a_redirect_is_followed_within_the_site_and_between_its_declared_origins():
    followed = redirect("/team.html")
    assert followed.url == "http://site.test:8080/team.html" and followed.meta["redirect_reasons"] == [301]
    assert redirect("http://www.site.test/", aliases=["http://www.site.test"]).url == "http://www.site.test/"


@pytest.mark.parametrize("location", ["http://other.test/", "http://site.test:9090/", "https://site.test:8080/"])
def test_a_redirect_to_another_origin_is_not_followed_and_names_the_alias_to_declare(location):
    with pytest.raises(OffSiteRedirect) as refused:
        redirect(location)
    assert refused.value.target == location and refused.value.alias == location.rstrip("/")
    assert str(refused.value) == f"redirect to another site not followed: {PAGE} -> {location}"

"""Downloader middlewares: retries with exponential backoff (honouring Retry-After) on 429/5xx,
timeouts and connection errors — Scrapy's own RetryMiddleware retries immediately —, robots.txt read
as RFC 9309 says and checked for every request, and redirects followed only within the site."""

from __future__ import annotations

import asyncio

from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from scraper.urls import origin_of

MAX_RETRY_AFTER_SECONDS = 120.0
# RFC 9309 2.5: a crawler may stop parsing robots.txt after some size, which must be at least 500 KiB.
ROBOTS_PARSE_LIMIT = 500 * 1024


class BackoffRetryMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.max_retries = crawler.settings.getint("BACKOFF_RETRY_TIMES")
        self.base_seconds = crawler.settings.getfloat("BACKOFF_BASE_SECONDS")
        # The same statuses and exceptions as Scrapy's own RetryMiddleware.
        self.retry_statuses = {int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES")}
        self.retry_exceptions = tuple(
            load_object(name) if isinstance(name, str) else name
            for name in crawler.settings.getlist("RETRY_EXCEPTIONS")
        )

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def delay(self, request, retry_after: bytes | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_RETRY_AFTER_SECONDS)
        return self.base_seconds * 2 ** request.meta.get("retry_times", 0)

    async def retry(self, request, reason, retry_after: bytes | None = None):
        retry_request = get_retry_request(
            request, spider=self.crawler.spider, reason=reason, max_retry_times=self.max_retries
        )
        if retry_request is not None:
            await asyncio.sleep(self.delay(request, retry_after))
        return retry_request

    async def process_response(self, request, response, spider=None):
        if response.status in self.retry_statuses and not request.meta.get("dont_retry"):
            retry_request = await self.retry(request, f"HTTP {response.status}", response.headers.get("Retry-After"))
            return retry_request or response
        return response

    async def process_exception(self, request, exception, spider=None):
        if isinstance(exception, self.retry_exceptions) and not request.meta.get("dont_retry"):
            return await self.retry(request, exception)
        return None


class OffSiteRedirect(IgnoreRequest):
    """A redirect to another scheme, host or port, not declared an alias of the site: not followed (the spider
    counts the page as off_site). `alias` is the origin to declare (`--alias`) to follow it."""

    def __init__(self, source: str, target: str):
        super().__init__(f"redirect to another site not followed: {source} -> {target}")
        self.target = target
        self.alias = origin_of(target)


def declare(alias: str) -> str:
    """What to do about a redirect to another origin that is the site's own."""
    return f"add --alias {alias} to crawl it as the same site"


class SameSiteRedirects:
    """Follow a redirect only to the same scheme, host and port (another port of the same host is another site), or
    from one of the site's origins (its start URL's and its declared aliases, `spider.site_origins`) to another."""

    def _redirect(self, redirected: Request, request: Request, reason):
        source, target = origin_of(request.url), origin_of(redirected.url)
        site_origins = self.crawler.spider.site_origins
        if source != target and not (source in site_origins and target in site_origins):
            raise OffSiteRedirect(request.url, redirected.url)
        return super()._redirect(redirected, request, reason)


class SameSiteRedirectMiddleware(SameSiteRedirects, RedirectMiddleware):
    pass


class SameSiteMetaRefreshMiddleware(SameSiteRedirects, MetaRefreshMiddleware):
    pass


class DisallowEverything:
    """The rules of a site whose robots.txt could not be read (RFC 9309 2.3.1.4: "complete disallow")."""

    def allowed(self, url, user_agent) -> bool:
        return False

    def crawl_delay(self, user_agent) -> None:
        return None


class RobotsTxtEveryRequestMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, reading robots.txt as RFC 9309 says and checking every request.

    - 2xx: the rules in its first 500 KiB (Scrapy would refuse a robots.txt over DOWNLOAD_MAXSIZE and then
      allow everything); 4xx: no rules. Anything else — 5xx or 429 after the retries, a timeout, a dropped
      connection, a redirect to another site — is "unreachable": nothing on that site is fetched in this
      crawl, and the site and why go into `spider.robots_unreachable` (the summary prints them). The HTTP
      cache keeps no 429/5xx answer or failure, so the next crawl asks again.
    - Requests that arrive while robots.txt is being downloaded all wait for it. (Scrapy's own hands its
      parser to the first of them and None, "no rules", to the others, so those were fetched unchecked:
      Scrapy 2.13+, since scrapy/scrapy#6802.)
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    async def robot_parser(self, request):
        parts = urlparse_cached(request)
        origin = f"{parts.scheme}://{parts.netloc}"  # RFC 9309 2.3: robots.txt is per scheme, host and port
        if origin not in self._parsers:
            self._parsers[origin] = waiting = Deferred()
            self._parsers[origin] = await self.read_robots(request)
            waiting.callback(None)
        elif isinstance(self._parsers[origin], Deferred):
            await maybe_deferred_to_future(self._parsers[origin])
        return self._parsers[origin]

    async def read_robots(self, request):
        parts = urlparse_cached(request)
        robots_request = Request(
            f"{parts.scheme}://{parts.netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            callback=NO_CALLBACK,
            headers={"Accept-Encoding": "identity"},
            meta={"dont_obey_robotstxt": True, "robots_txt": True},  # sizes: RobotsTxtSizeLimits
        )
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except OffSiteRedirect as error:
            return self.unreachable(
                parts.netloc, f"it redirects to another site, {error.target}; {declare(error.alias)}"
            )
        except IgnoreRequest as error:
            if "DOWNLOAD_MAXSIZE" in str(error):  # HttpCompressionMiddleware: a gzip bomb
                return self.unreachable(parts.netloc, f"it unpacks to more than {self.max_size // 2**20} MB")
            return self.unreachable(parts.netloc, type(error).__name__)
        except Exception as error:  # any failure to download it is RFC 9309's "unreachable"
            return self.unreachable(parts.netloc, type(error).__name__)
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if 400 <= response.status < 500 and response.status != 429:
            return build_from_crawler(self._parserimpl, self.crawler, b"")
        if not 200 <= response.status < 300:
            return self.unreachable(parts.netloc, f"HTTP {response.status}")
        parser = build_from_crawler(self._parserimpl, self.crawler, response.body[:ROBOTS_PARSE_LIMIT])
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    def unreachable(self, netloc: str, reason: str) -> DisallowEverything:
        self.crawler.spider.robots_unreachable[netloc] = reason
        return DisallowEverything()


class RobotsTxtSizeLimits:
    """robots.txt is downloaded up to its first 500 KiB, whatever size it declares (Scrapy would refuse one over
    DOWNLOAD_MAXSIZE whole), but unpacked with DOWNLOAD_MAXSIZE, so a gzip bomb served as robots.txt stops there
    like any page. The download handler and HttpCompressionMiddleware both read `download_maxsize`: this sits
    between them (after HttpCompressionMiddleware for requests, before it for answers) and sets it for each
    attempt, retries included."""

    def __init__(self, crawler):
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(self.stop_at_parse_limit, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if request.meta.get("robots_txt"):
            request.meta["download_maxsize"] = 0
            request.meta["robots_bytes"] = 0

    def stop_at_parse_limit(self, data: bytes, request: Request, spider=None) -> None:
        if request.meta.get("robots_txt"):
            request.meta["robots_bytes"] += len(data)
            if request.meta["robots_bytes"] >= ROBOTS_PARSE_LIMIT:
                raise StopDownload(fail=False)  # the response keeps what was received

    def process_response(self, request, response, spider=None):
        if request.meta.get("robots_txt"):
            request.meta["download_maxsize"] = self.max_size
        return response

"""Downloader middlewares: retries with exponential backoff (honouring Retry-After) on 429/5xx,
timeouts and connection errors — Scrapy's own RetryMiddleware retries immediately — and robots.txt
checked for every request, including those sent while robots.txt itself was being fetched."""

from __future__ import annotations

import asyncio

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object

MAX_RETRY_AFTER_SECONDS = 120.0


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


class RobotsTxtEveryRequestMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, minus a bug that let the start page through a `Disallow: /`.

    Requests that arrive while robots.txt is being downloaded all await one shared Deferred, which
    hands the parser to the first of them and None ("no rules") to the others, so those were
    fetched unchecked (Scrapy 2.13+, since scrapy/scrapy#6802). Here every request reads the
    parser stored once that wait is over.
    """

    async def robot_parser(self, request):
        await super().robot_parser(request)
        return self._parsers[urlparse_cached(request).netloc]

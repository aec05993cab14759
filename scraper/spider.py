"""The site spider: the start page, the site's sitemaps (robots.txt `Sitemap:` lines, sitemap
indexes) and every in-site link, each page fetched once, within depth and page limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from scraper.middlewares import OffSiteRedirect
from scraper.urls import canonical_url, has_non_html_extension, is_crawlable_scheme, on_origin, origin_of

SITEMAP_PAGE_DEPTH = 1


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(
        self,
        start_url: str,
        max_depth: int,
        *args,
        aliases: Sequence[str] = (),
        redo_urls: Sequence[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.redo_urls = redo_urls  # pages whose lines a stopped crawl left unfinished: fetched again on --resume
        self.start_url = canonical_url(start_url)
        # The site's origins: its start URL's and the aliases declared for it (redirects between them are followed,
        # links to any of them are in-site). A path is one page on all of them: `seen` holds it on the start origin.
        self.origin = origin_of(self.start_url)
        self.site_origins = {self.origin, *aliases}
        self.allowed_domains = sorted({urlsplit(origin).hostname for origin in self.site_origins})
        self.max_depth = max_depth
        self.link_extractor = LinkExtractor(deny_extensions=[], unique=True)
        self.robots_unreachable: dict[str, str] = {}  # site -> why its robots.txt could not be read (middlewares)
        self.write_error: OSError | None = None  # a full disk or file-size limit stopped the pages' writes (pipelines)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # Counters and the seen-set live in `self.state`, which Scrapy's JOBDIR persists across --resume.
    @property
    def counts(self) -> Counter:
        return self.state.setdefault("counts", Counter())

    @property
    def seen(self) -> set[str]:
        """Every page requested, by `page_key`."""
        return self.state.setdefault("seen", set())

    def in_site(self, url: str) -> bool:
        return is_crawlable_scheme(url) and origin_of(url) in self.site_origins

    def page_key(self, canonical: str) -> str:
        """The page a canonical URL of the site names, whichever of the site's origins it is on."""
        return on_origin(canonical, self.origin)

    @property
    def unfinished(self) -> int:
        """Page requests not answered yet: queued or in flight when the crawl stopped."""
        return len(self.seen) - self.state.get("finished", 0)

    @property
    def unwritten(self) -> set[str]:
        """Pages fetched but not written (a full disk stopped the crawl): fetched again on --resume."""
        return self.state.setdefault("unwritten", set())

    def page_finished(self) -> None:
        self.state["finished"] = self.state.get("finished", 0) + 1

    def request_dropped(self, request, spider=None):
        """The scheduler dropped a page request as one already made (a redirect to a page requested before)."""
        if request.callback == self.parse_page:
            self.page_finished()

    def count_once(self, reason: str, url: str) -> None:
        """Count a skipped URL once, however many pages link to it."""
        counted = self.state.setdefault("counted", set())
        if (reason, url) not in counted:
            counted.add((reason, url))
            self.counts[reason] += 1

    async def start(self):
        root = f"{self.origin}/"
        for sitemap_source in ("robots.txt", "sitemap.xml"):
            yield scrapy.Request(root + sitemap_source, callback=self.parse_sitemap, errback=self.sitemap_missing)
        request = self.page_request(self.start_url, depth=0)
        if request is not None:
            yield request
        redo_urls = dict.fromkeys([*self.redo_urls, *self.unwritten])
        self.unwritten.clear()
        for url in redo_urls:  # already seen and counted once: only fetched again (its depth was not kept)
            if not self.in_site(url):  # read back from a file: checked again
                continue
            meta = {"page_depth": SITEMAP_PAGE_DEPTH}
            yield scrapy.Request(url, callback=self.parse_page, errback=self.page_failed, meta=meta, dont_filter=True)

    def page_request(self, url: str, depth: int) -> scrapy.Request | None:
        """A request for a page, or None (counted by reason) if it must not be fetched."""
        if not self.in_site(url):
            self.count_once("off_site", url)
            return None
        canonical = canonical_url(url)
        if has_non_html_extension(canonical):
            self.count_once("non_html", canonical)
            return None
        key = self.page_key(canonical)
        if key in self.seen:
            if url != canonical:
                self.count_once("duplicate", url)
            return None
        if depth > self.max_depth:
            self.counts["depth_limit"] += 1
            return None
        self.seen.add(key)
        return scrapy.Request(canonical, callback=self.parse_page, errback=self.page_failed, meta={"page_depth": depth})

    def parse_sitemap(self, response):
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                if self.in_site(url):
                    yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.sitemap_missing)
            return
        max_size = self.settings.getint("DOWNLOAD_MAXSIZE")
        try:
            body = gunzip(response.body, max_size=max_size) if response.url.endswith(".gz") else response.body
        except ValueError:  # scrapy.utils.gz: unpacks to more than DOWNLOAD_MAXSIZE
            self.counts["too_large"] += 1
            return
        sitemap = Sitemap(body)
        for entry in sitemap:
            location = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                if self.in_site(location):
                    yield scrapy.Request(location, callback=self.parse_sitemap, errback=self.sitemap_missing)
            else:
                request = self.page_request(location, SITEMAP_PAGE_DEPTH)
                if request is not None:
                    yield request

    def sitemap_missing(self, failure):
        self.logger.info("no sitemap at %s", failure.request.url)

    def parse_page(self, response):
        self.page_finished()
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if not isinstance(response, TextResponse) or "html" not in content_type:
            self.counts["non_html"] += 1
            return
        if not self.in_site(response.url):
            self.counts["off_site"] += 1
            return
        if "\ufffd" in response.text and not decodes_strictly(response):
            self.counts["invalid_encoding"] += 1
            self.logger.warning("kept %s with U+FFFD for bytes invalid in %s", response.url, response.encoding)
        depth = response.meta["page_depth"]
        yield {
            "url": canonical_url(response.url),
            "html": response.text,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        for link in self.link_extractor.extract_links(response):
            request = self.page_request(link.url, depth + 1)
            if request is not None:
                yield request

    def page_failed(self, failure):
        self.page_finished()
        skipped = refusal_reason(failure)
        first_url = failure.request.meta.get("redirect_urls", [failure.request.url])[0]
        if failure.check(OffSiteRedirect) and first_url == self.start_url:
            # The site lives elsewhere (https://x.com -> https://www.x.com): the crawl is refused, naming the option.
            self.state["start_redirect"] = {"target": failure.value.target, "alias": failure.value.alias}
        if skipped:
            self.counts[skipped] += 1
            return
        self.counts["error"] += 1
        is_http = failure.check(HttpError)
        reason = f"HTTP {failure.value.response.status}" if is_http else type(failure.value).__name__
        self.state.setdefault("errors", Counter())[reason] += 1
        self.logger.warning("failed %s: %s", failure.request.url, reason)


def decodes_strictly(response: TextResponse) -> bool:
    """The body is valid in its declared (or detected) encoding: a U+FFFD in the text was in the page itself."""
    try:
        response.body.decode(response.encoding)
    except UnicodeDecodeError:
        return False
    return True


def refusal_reason(failure) -> str | None:
    """`robots`, `off_site` or `too_large` when the page itself was refused (Scrapy tells only in the message)."""
    if failure.check(OffSiteRedirect):
        return "off_site"
    if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
        return "robots"
    if failure.check(DownloadCancelledError) or (
        failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value)
    ):
        return "too_large"
    return None

"""Crawl settings. Polite by default; `FAST_SETTINGS` is for sites you own or have permission
to crawl hard (it still obeys robots.txt)."""

from __future__ import annotations

from scraper.config import CrawlConfig

MAX_PAGE_BYTES = 10 * 1024 * 1024

POLITE_SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_DELAY": 0.5,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "RETRY_ENABLED": False,  # replaced by scraper.middlewares.BackoffRetryMiddleware
    "BACKOFF_RETRY_TIMES": 3,
    "BACKOFF_BASE_SECONDS": 1.0,
    # Bigger pages are refused (counted as too_large). Scrapy applies the limit while it decompresses,
    # so a gzip bomb stops there instead of filling the memory.
    "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES,
    "DOWNLOAD_WARNSIZE": MAX_PAGE_BYTES // 4,
    "LOG_FORMATTER": "scraper.log_formatter.UrlOnlyLogFormatter",  # never a page's HTML in the log
    "REDIRECT_ENABLED": True,
    "HTTPCACHE_ENABLED": True,
    "HTTPCACHE_EXPIRATION_SECS": 24 * 3600,
    "HTTPCACHE_IGNORE_HTTP_CODES": [429, 500, 502, 503, 504],
    "DEPTH_LIMIT": 0,  # depth is counted per page by the spider (sitemap pages count as depth 1)
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "scraper.middlewares.SameSiteMetaRefreshMiddleware": 580,  # where Scrapy puts its own
        "scraper.middlewares.RobotsTxtSizeLimits": 595,  # next to HttpCompressionMiddleware (590)
        "scraper.middlewares.SameSiteRedirectMiddleware": 600,
        "scraper.middlewares.RobotsTxtEveryRequestMiddleware": 100,  # where Scrapy puts its own
        "scraper.middlewares.BackoffRetryMiddleware": 550,
    },
    "ITEM_PIPELINES": {"scraper.pipelines.ExtractPipeline": 100, "scraper.pipelines.WritePagesPipeline": 200},
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
}

FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "BACKOFF_BASE_SECONDS": 0.2,
    # Scrapy starts this many asyncio tasks for every response's output (default 100); the pipelines are
    # synchronous, so more than one only costs CPU (about a tenth of the crawl's CPU time at 100).
    "CONCURRENT_ITEMS": 1,
}


def crawl_settings(config: CrawlConfig) -> dict:
    settings = {**POLITE_SETTINGS, **(FAST_SETTINGS if config.fast else {})}
    settings["JOBDIR"] = str(config.state_dir / "job")
    settings["HTTPCACHE_DIR"] = str((config.state_dir / "httpcache").resolve())
    settings["HTTPCACHE_ENABLED"] = not config.refresh
    settings["DOWNLOAD_TIMEOUT"] = config.download_timeout
    settings["USER_AGENT"] = config.user_agent
    settings.update(
        {"PAGES_OUT": str(config.out), "PAGES_MAX": config.max_pages, "CLOSESPIDER_ITEMCOUNT": config.max_pages}
    )
    return settings

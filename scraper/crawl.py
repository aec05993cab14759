"""Run a crawl: `crawl(config)` in this process (Scrapy), `run_crawl(config)` in a child process (the
pipeline: Twisted's reactor cannot restart inside one process, and the process that later serves Gradio
must never load Twisted)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace

from cazton_llm.errors import UserError, as_user_error, exit_on_user_error
from scraper.config import SAMPLE_SITE, CrawlConfig
from scraper.output_files import check_partial, drop_unfinished_page, partial_path, summary_path


@contextmanager
def site_served(config: CrawlConfig) -> Iterator[CrawlConfig]:
    """The config with a start URL to fetch: for `sample`, the bundled sample site's, served meanwhile."""
    if config.start_url != SAMPLE_SITE:
        yield config
        return
    from scraper.sample_site_server import serve_sample_site

    with serve_sample_site(config.sample_port) as url:
        yield replace(config, start_url=url)


def prepare_state(config: CrawlConfig) -> list[str]:
    """A fresh crawl forgets the previous job (the HTTP cache stays, so re-runs are cheap). A resumed one drops
    a page cut short at the end of the partial file; returns the URLs to fetch again."""
    if config.resume:
        url = drop_unfinished_page(partial_path(config.out))
        check_partial(partial_path(config.out))
        return [url] if url else []
    shutil.rmtree(config.state_dir / "job", ignore_errors=True)
    partial_path(config.out).unlink(missing_ok=True)
    return []


def crawl(config: CrawlConfig) -> dict:
    """Crawl `config.start_url` (an http(s) URL) into `config.out`; returns the crawl summary."""
    from scrapy.crawler import CrawlerProcess

    from scraper.settings import crawl_settings
    from scraper.spider import SiteSpider

    redo_urls = prepare_state(config)
    summary_path(config.out).unlink(missing_ok=True)
    process = CrawlerProcess(crawl_settings(config))
    crawler = process.create_crawler(SiteSpider)
    process.crawl(
        crawler,
        start_url=config.start_url,
        max_depth=config.max_depth,
        aliases=config.aliases,
        redo_urls=redo_urls,
    )
    process.start()
    if crawler.spider.write_error:
        raise UserError(
            f"{as_user_error(crawler.spider.write_error)}; the pages written before it are kept: continue with the "
            "same command plus --resume"
        )
    summary_file = summary_path(config.out)
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {"interrupted": True}
    if not summary.get("interrupted"):
        shutil.rmtree(config.state_dir / "job", ignore_errors=True)
    return summary


def run_crawl(config: CrawlConfig) -> dict:
    """Crawl as `python -m scraper` does, in a child process that reads the config as JSON; returns the summary."""
    with site_served(config) as served:
        request = json.dumps(asdict(served), default=str)
        result = subprocess.run([sys.executable, "-m", "scraper.crawl"], input=request, text=True, check=False)
    if result.returncode != 0:
        raise UserError(f"the crawl of {config.start_url} failed (exit {result.returncode}); see its output above")
    return json.loads(summary_path(config.out).read_text())


if __name__ == "__main__":  # the child process of run_crawl
    from scraper.cli import crawl_and_report

    raise SystemExit(exit_on_user_error(crawl_and_report)(CrawlConfig(**json.load(sys.stdin))))

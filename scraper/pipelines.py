"""Item pipelines: extract each page's main text, append it to a partial file as it arrives
(so an interrupted crawl loses nothing), and at the end remove site-wide boilerplate and
write the final JSONL atomically with its summary."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from tqdm import tqdm

from cazton_llm.atomic import write_json, write_jsonl
from cazton_llm.errors import disk_full_cause
from cazton_llm.input_files import read_jsonl
from scraper.boilerplate import remove_boilerplate
from scraper.extract import extract_page
from scraper.output_files import SUMMARY_REASONS, partial_path, summary_path


def page_record(url: str, title: str, lang: str, paragraphs: list[str], fetched_at: str) -> dict:
    text = "\n\n".join(paragraphs)
    return {
        "url": url,
        "title": title,
        "lang": lang,
        "paragraphs": paragraphs,
        "text": text,
        "fetched_at": fetched_at,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        page = extract_page(item["html"])
        if not page.paragraphs:
            self.crawler.spider.counts["empty"] += 1
            raise DropItem(f"no main text on {item['url']}")
        return page_record(item["url"], page.title, page.lang, page.paragraphs, item["fetched_at"])


class WritePagesPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.out_path = Path(crawler.settings["PAGES_OUT"])
        self.max_pages = crawler.settings.getint("PAGES_MAX")
        self.partial = partial_path(self.out_path)
        crawler.signals.connect(self.finish, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.partial.open("a", encoding="utf-8")
        already = sum(1 for _ in read_jsonl(self.partial)) if self.partial.stat().st_size else 0
        self.progress = tqdm(total=self.max_pages, initial=already, desc="pages", unit="page", mininterval=1)

    def process_item(self, item):
        spider = self.crawler.spider
        if spider.write_error:  # the crawl is stopping; scraper.crawl reports why, once
            spider.unwritten.add(item["url"])
            raise DropItem(f"not written: writing {self.partial} failed", log_level="INFO")
        try:
            self.handle.write(json.dumps(item, ensure_ascii=False) + "\n")
            self.handle.flush()
        except OSError as error:
            self.stop_on_full_disk(error)
            spider.unwritten.add(item["url"])
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="write_failed"))
            raise DropItem(f"not written: {error}", log_level="INFO") from None
        stats = self.crawler.stats
        queued = (stats.get_value("scheduler/enqueued") or 0) - (stats.get_value("scheduler/dequeued") or 0)
        self.progress.set_postfix(queued=queued, errors=self.crawler.spider.counts["error"], refresh=False)
        self.progress.update()
        return item

    def close_spider(self):
        self.progress.close()
        try:
            self.handle.close()  # flushes what a full disk refused: it fails again
        except OSError as error:
            self.stop_on_full_disk(error)

    def stop_on_full_disk(self, error: OSError) -> None:
        """Keep a write that a full disk or a file-size limit stopped for `scraper.crawl` to report in one line
        (Scrapy would log it and go on); anything else propagates."""
        full = disk_full_cause(error)
        if full is None:
            raise error
        full.filename = full.filename or str(self.partial)  # write() and close() name no file
        if not self.crawler.spider.write_error:
            self.crawler.spider.write_error = error

    def finish(self, spider, reason):
        if spider.write_error:  # nothing final can be written; the partial file is kept for --resume
            return
        try:
            self.write_final(spider, reason)
        except OSError as error:
            self.stop_on_full_disk(error)

    def write_final(self, spider, reason):
        counts = spider.counts
        if reason == "shutdown":
            write_json(summary_path(self.out_path), {"interrupted": True, "partial": str(self.partial)})
            return
        if start_redirect := spider.state.get("start_redirect"):  # the site is elsewhere: no output (scraper.cli)
            write_json(summary_path(self.out_path), {"start_redirect": start_redirect})
            self.partial.unlink()
            return
        pages = list(read_jsonl(self.partial))
        by_content, records = set(), []
        for page, paragraphs in zip(pages, remove_boilerplate([page["paragraphs"] for page in pages]), strict=True):
            if not paragraphs:
                counts["empty"] += 1
                continue
            record = page_record(page["url"], page["title"], page["lang"], paragraphs, page["fetched_at"])
            if record["sha256"] in by_content:
                counts["duplicate"] += 1
                continue
            by_content.add(record["sha256"])
            records.append(record)
        # The item limit stops the crawl: pages fetched past it, and pages still queued or in flight.
        counts["max_pages"] += max(0, len(records) - self.max_pages)
        if reason == "closespider_itemcount":
            counts["max_pages"] += spider.unfinished
        written = write_jsonl(self.out_path, records[: self.max_pages])
        write_json(
            summary_path(self.out_path),
            {
                "pages_written": written,
                "skipped": {name: counts[name] for name in SUMMARY_REASONS},
                "errors": dict(spider.state.get("errors", {})),
                "robots_unreachable": spider.robots_unreachable,  # site -> why: nothing there was crawled
                "invalid_encoding": counts["invalid_encoding"],  # pages kept with U+FFFD for undecodable bytes
                "finish_reason": reason,
                "out": str(self.out_path),
            },
        )
        self.partial.unlink()

"""Crawl throughput on a loopback site with 50 ms latency per response: our Scrapy crawl (polite default;
`--fast` for sites you own, with and without `--refresh`, which skips HTTP cache writes) vs a sequential
requests + BeautifulSoup loop; pages/s and ratios, end to end and while fetching.

    python perf/crawl.py [--pages N] [--polite-pages N] [--latency-ms N]

End to end: pages written / wall time of the whole run (for Scrapy: the subprocess, with its start-up of
about 2 s and the final boilerplate pass and write). While fetching: pages / time from the first to the last
request the site served for that run, which leaves out start-up and the final write.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from bs4 import BeautifulSoup

from scraper.config import CrawlConfig
from scraper.crawl import run_crawl
from tests.scraper.site_factory import build_site
from tests.stand_ins.site_server import FaultInjectingSiteServer, serve_site

SEQUENTIAL = "sequential requests+bs4"


def sequential_crawl(start_url: str, max_pages: int) -> int:
    """The original approach: one request at a time, breadth first over same-host links; returns pages with text."""
    host = urlsplit(start_url).netloc
    queue, seen, pages_with_text = deque([start_url]), {start_url}, 0
    session = requests.Session()
    fetched = 0
    while queue and fetched < max_pages:
        url = queue.popleft()
        response = session.get(url, timeout=30)
        fetched += 1
        if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
            continue
        soup = BeautifulSoup(response.text, "html.parser")
        pages_with_text += any(p.get_text(strip=True) for p in soup.find_all("p"))
        for anchor in soup.find_all("a", href=True):
            link = urljoin(url, anchor["href"]).split("#")[0]
            if urlsplit(link).netloc == host and link not in seen:
                seen.add(link)
                queue.append(link)
    return pages_with_text


def timed(server: FaultInjectingSiteServer, crawl: Callable[[], int]) -> tuple[int, float, float]:
    """Runs one crawl against `server`; returns (pages, seconds end to end, seconds from its first to its last
    request as the server saw them)."""
    first_request = len(server.request_times)
    started = time.perf_counter()
    pages = crawl()
    seconds = time.perf_counter() - started
    return pages, seconds, server.request_times[-1] - server.request_times[first_request]


def scrapy_crawl(base_url: str, work_dir: Path, name: str, max_pages: int, **options) -> Callable[[], int]:
    """One Scrapy crawl (a subprocess) with a fresh state folder, so nothing comes from an earlier run's HTTP
    cache or job; the callable returns the pages written."""
    out_path, state_dir = work_dir / f"{name}.jsonl", work_dir / name
    config = CrawlConfig(start_url=base_url, out=out_path, max_pages=max_pages, state_dir=state_dir, **options)
    return lambda: run_crawl(config)["pages_written"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="content pages in the generated site")
    parser.add_argument("--polite-pages", type=int, default=30, help="page budget of the (slow) polite crawl")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perf-crawl-") as tmp:
        work_dir = Path(tmp)
        with serve_site(work_dir / "offsite", 0) as offsite:
            site = build_site(work_dir / "site", offsite.base_url, pages=args.pages)
            with serve_site(site.root, 0, args.latency_ms) as server:
                crawls = {
                    "polite (default)": scrapy_crawl(server.base_url, work_dir, "polite", args.polite_pages),
                    "fast (--fast)": scrapy_crawl(server.base_url, work_dir, "fast", args.pages, fast=True),
                    "fast, no cache writes": scrapy_crawl(
                        server.base_url, work_dir, "fast-refresh", args.pages, fast=True, refresh=True
                    ),
                    SEQUENTIAL: lambda: sequential_crawl(server.base_url, args.pages),
                }
                results = {name: timed(server, crawl) for name, crawl in crawls.items()}
    print(f"\nloopback site: {args.pages} content pages, {args.latency_ms} ms latency per response")
    print(f"{'':<26}{'':>7}{'end to end':^28}{'while fetching':^28}")
    print(f"{'crawler':<26}{'pages':>7}" + f"{'seconds':>9}{'pages/s':>9}{'vs seq.':>10}" * 2)
    sequential_pages, *sequential_seconds = results[SEQUENTIAL]
    for name, (pages, *seconds) in results.items():
        row = f"{name:<26}{pages:>7}"
        for span, baseline_span in zip(seconds, sequential_seconds, strict=True):
            ratio = (pages / span) / (sequential_pages / baseline_span)
            row += f"{span:>9.1f}{pages / span:>9.1f}{ratio:>9.1f}x"
        print(row)


if __name__ == "__main__":
    main()

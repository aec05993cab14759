"""Crawl throughput on a loopback site with 50 ms latency per response: our Scrapy crawl (polite default;
`--fast` for sites you own, with and without `--refresh`, which skips HTTP cache writes) vs a sequential
requests + BeautifulSoup loop; pages/s and ratios.

    python bench/crawl.py [--pages N] [--polite-pages N] [--latency-ms N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from bs4 import BeautifulSoup

from scraper.crawl import run_crawl
from scraper.site_server import serve_site
from tests.scraper.site_factory import build_site


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


def timed_crawl(base_url: str, work_dir: Path, name: str, max_pages: int, **options) -> tuple[int, float]:
    """One Scrapy crawl (a subprocess, start-up included) with a fresh state folder, so nothing comes from an
    earlier run's HTTP cache or job; returns (pages, seconds)."""
    started = time.perf_counter()
    summary = run_crawl(base_url, work_dir / f"{name}.jsonl", max_pages=max_pages, state_dir=work_dir / name, **options)
    return summary["pages_written"], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="content pages in the generated site")
    parser.add_argument("--polite-pages", type=int, default=30, help="page budget of the (slow) polite crawl")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work_dir = Path(tmp)
        with serve_site(work_dir / "offsite", 0) as offsite:
            site = build_site(work_dir / "site", offsite.base_url, pages=args.pages)
            with serve_site(site.root, 0, args.latency_ms) as server:
                results = {
                    "polite (default)": timed_crawl(server.base_url, work_dir, "polite", args.polite_pages),
                    "fast (--fast)": timed_crawl(server.base_url, work_dir, "fast", args.pages, fast=True),
                    "fast, no cache writes": timed_crawl(
                        server.base_url, work_dir, "fast-refresh", args.pages, fast=True, refresh=True
                    ),
                }
                started = time.perf_counter()
                pages = sequential_crawl(server.base_url, args.pages)
                results["sequential requests+bs4"] = (pages, time.perf_counter() - started)
    rates = {name: pages / seconds for name, (pages, seconds) in results.items()}
    baseline = rates["sequential requests+bs4"]
    print(f"\nloopback site: {args.pages} content pages, {args.latency_ms} ms latency per response")
    print(f"{'crawler':<26}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'vs sequential':>15}")
    for name, (pages, seconds) in results.items():
        print(f"{name:<26}{pages:>7}{seconds:>9.1f}{rates[name]:>9.1f}{rates[name] / baseline:>14.1f}x")


if __name__ == "__main__":
    main()

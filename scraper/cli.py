"""`python -m scraper`: crawl a site into clean page text (JSONL), or serve the sample site."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from cazton_llm.errors import UserError, exit_on_user_error
from scraper.output_files import SUMMARY_REASONS, partial_path, summary_path

DEFAULT_START_URL = "https://cazton.com"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scraper",
        description="Crawl a website politely (robots.txt, AutoThrottle, retries with backoff) and write one JSON "
        "object per page: url, title, lang, paragraphs, text, fetched_at, sha256. "
        "`python -m scraper serve-sample` serves the bundled sample site instead.",
    )
    parser.add_argument(
        "--start-url",
        default=DEFAULT_START_URL,
        help="page to start from; the crawl stays on its host and port (default: %(default)s)",
    )
    parser.add_argument("--out", required=True, type=Path, help="output JSONL file (written when the crawl ends)")
    parser.add_argument("--max-pages", type=int, default=2000, help="stop after this many pages (default: %(default)s)")
    parser.add_argument(
        "--max-depth",
        type=int,
        default=8,
        help="follow links at most this many clicks from the start "
        "page; sitemap pages count as depth 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted crawl without refetching finished pages (state kept in --state-dir)",
    )
    parser.add_argument("--state-dir", type=Path, help="Scrapy JOBDIR and HTTP cache (default: OUT's folder/crawl)")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="no AutoThrottle, 16 parallel requests per site: only for "
        "sites you own or may crawl hard (robots.txt is still obeyed)",
    )
    parser.add_argument("--refresh", action="store_true", help="ignore the HTTP cache and refetch every page")
    parser.add_argument("--download-timeout", type=float, help="seconds before a request times out (default: 30)")
    return parser.parse_args(argv)


def validate(args: argparse.Namespace) -> None:
    parts = urlsplit(args.start_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"--start-url {args.start_url!r} is not an http(s) URL: give e.g. https://example.com")
    if args.max_pages < 1 or args.max_depth < 0:
        raise UserError("--max-pages must be ≥ 1 and --max-depth ≥ 0")
    if args.out.suffix != ".jsonl":
        raise UserError(f"--out {str(args.out)!r} must end in .jsonl")
    if args.out.is_dir():
        raise UserError(f"--out {str(args.out)!r} is a folder: give a file path ending in .jsonl")
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=args.out.parent).close()
    except OSError:
        raise UserError(f"--out folder {str(args.out.parent)!r} is not writable: choose another path") from None


def prepare_state(out_path: Path, state_dir: Path, resume: bool) -> None:
    """A fresh crawl forgets the previous job (the HTTP cache stays, so re-runs are cheap)."""
    if resume:
        return
    shutil.rmtree(state_dir / "job", ignore_errors=True)
    partial_path(out_path).unlink(missing_ok=True)


def crawl(args: argparse.Namespace) -> dict:
    from scrapy.crawler import CrawlerProcess

    from scraper.settings import crawl_settings
    from scraper.spider import SiteSpider

    state_dir = args.state_dir or args.out.parent / "crawl"
    prepare_state(args.out, state_dir, args.resume)
    settings = crawl_settings(state_dir, args.fast, use_cache=not args.refresh, download_timeout=args.download_timeout)
    settings.update({"PAGES_OUT": str(args.out), "PAGES_MAX": args.max_pages, "CLOSESPIDER_ITEMCOUNT": args.max_pages})
    summary_path(args.out).unlink(missing_ok=True)
    process = CrawlerProcess(settings)
    process.crawl(SiteSpider, start_url=args.start_url, max_depth=args.max_depth)
    process.start()
    summary_file = summary_path(args.out)
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {"interrupted": True}
    if not summary.get("interrupted"):
        shutil.rmtree(state_dir / "job", ignore_errors=True)
    return summary


def print_summary(summary: dict, seconds: float, max_pages: int) -> None:
    if summary.get("interrupted"):
        print("crawl interrupted: nothing final was written; continue it with the same command plus --resume")
        return
    print(f"wrote {summary['pages_written']} pages to {summary['out']} in {seconds:.1f} s")
    if summary["finish_reason"] == "closespider_itemcount":
        print(f"stopped at --max-pages {max_pages}: {summary['skipped']['max_pages']} more pages found were left out")
    skipped = ", ".join(f"{name.replace('_', '-')} {summary['skipped'][name]}" for name in SUMMARY_REASONS)
    print(f"skipped: {skipped}")
    if summary["errors"]:
        print("errors: " + ", ".join(f"{kind} ×{count}" for kind, count in summary["errors"].items()))
    if invalid := summary["invalid_encoding"]:
        print(
            f"kept with U+FFFD in place of bytes invalid in their declared encoding: {invalid} page"
            + ("s" * (invalid != 1))
        )


def serve_sample(argv: list[str]) -> int:
    from scraper.sample_site_server import serve_sample_site

    parser = argparse.ArgumentParser(prog="python -m scraper serve-sample", description="serve the sample site")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency-ms", type=int, default=0)
    options = parser.parse_args(argv)
    with serve_sample_site(options.port, options.latency_ms) as url:
        print(f"serving the sample site on {url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-sample"]:
        return serve_sample(argv[1:])
    args = parse_args(argv)
    validate(args)
    started = time.monotonic()
    summary = crawl(args)
    print_summary(summary, time.monotonic() - started, args.max_pages)
    return 3 if summary.get("interrupted") else 0

"""`python -m scraper`: crawl a site into clean page text (JSONL), or serve the sample site."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from cazton_llm.errors import UserError, exit_on_user_error
from cazton_llm.stage_config import config_from, config_parser, parse_namespace
from scraper.config import CrawlConfig
from scraper.crawl import crawl, site_served
from scraper.output_files import SUMMARY_REASONS, summary_path


def make_parser():
    return config_parser(
        CrawlConfig,
        prog="python -m scraper",
        description="Crawl a website politely (robots.txt, AutoThrottle, retries with backoff) and write one JSON "
        "object per page: url, title, lang, paragraphs, text, fetched_at, sha256. "
        "`python -m scraper serve-sample` serves the bundled sample site instead.",
    )


def check_writable(out: Path) -> None:
    if out.is_dir():
        raise UserError(f"--out {str(out)!r} is a folder: give a file path ending in .jsonl")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=out.parent).close()
    except OSError:
        raise UserError(f"--out folder {str(out.parent)!r} is not writable: choose another path") from None


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
    for site, reason in summary.get("robots_unreachable", {}).items():
        print(
            f"robots.txt of {site} could not be read ({reason}): nothing on that site was crawled, as RFC 9309 "
            "asks; run the crawl again when it answers"
        )
    if invalid := summary["invalid_encoding"]:
        print(
            f"kept with U+FFFD in place of bytes invalid in their declared encoding: {invalid} page"
            + ("s" * (invalid != 1))
        )


def serve_sample(argv: list[str]) -> int:
    from scraper.sample_site_server import serve_sample_site

    parser = argparse.ArgumentParser(prog="python -m scraper serve-sample", description="serve the sample site")
    parser.add_argument("--port", type=int, default=CrawlConfig.sample_port)
    parser.add_argument("--latency-ms", type=int, default=0)
    options = parser.parse_args(argv)
    with serve_sample_site(options.port, options.latency_ms) as url:
        print(f"serving the sample site on {url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def crawl_and_report(config: CrawlConfig) -> int:
    """Crawl, print the summary; exit code 3 when interrupted (nothing final written)."""
    check_writable(config.out)
    started = time.monotonic()
    with site_served(config) as served:
        summary = crawl(served)
    if redirect := summary.get("start_redirect"):
        summary_path(config.out).unlink(missing_ok=True)
        raise UserError(
            f"the start page {config.start_url} redirects to {redirect['target']}, another site: "
            f"add --alias {redirect['alias']} to crawl it as the same site, or start from it"
        )
    print_summary(summary, time.monotonic() - started, config.max_pages)
    return 3 if summary.get("interrupted") else 0


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-sample"]:
        return serve_sample(argv[1:])
    return crawl_and_report(config_from(parse_namespace(make_parser(), argv), CrawlConfig))

"""Sites that say no or fight back: a robots.txt that disallows everything is obeyed from the first
request, and a page that unpacks to far more than any web page is refused without its body
reaching memory or the log."""

import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from tests.scraper.conftest import REPO, read_pages, run_scraper, write_page
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("profile", [[], ["--fast"]], ids=["polite", "fast"])
def test_robots_disallow_all_gives_zero_pages(tmp_path, profile):
    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/about.html"])
    write_page(site / "about.html", "About")
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    out = tmp_path / "out" / "pages.jsonl"
    with serve_site(site) as server:
        result = run_scraper("--start-url", server.base_url, "--out", str(out), "--refresh", *profile)
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""
    assert set(server.requested_paths) == {"/robots.txt"}
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["pages_written"] == 0 and summary["skipped"]["robots"] >= 1
    assert "wrote 0 pages" in result.stdout


def write_gzip_bomb(path, start: bytes, end: bytes, unpacked_mb: int) -> None:
    """`start`, `unpacked_mb` MB of spaces and `end`, gzipped to about 1/1000 of that."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    spaces = b" " * (1 << 20)
    with path.open("wb") as handle:
        handle.write(compressor.compress(start))
        for _ in range(unpacked_mb):
            handle.write(compressor.compress(spaces))
        handle.write(compressor.compress(end) + compressor.flush())


def peak_rss_mb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), or 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) // 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def crawl_with_peak_memory(start_url: str, out) -> tuple[int, str, str, int]:
    """Run the crawler CLI; returns (exit code, stdout, stderr, its peak resident memory in MB).

    The peak is read from /proc while it runs: a child's ru_maxrss also counts the memory of the
    process that started it (here pytest, with whatever earlier tests loaded).
    """
    command = [sys.executable, "-m", "scraper", "--start-url", start_url, "--out", str(out), "--fast", "--refresh"]
    with (out.parent / "stdout").open("w+") as stdout, (out.parent / "stderr").open("w+") as stderr:
        crawl = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr)
        peak_mb = 0
        while crawl.poll() is None:
            peak_mb = max(peak_mb, peak_rss_mb(crawl.pid))
            time.sleep(0.02)
        stdout.seek(0)
        stderr.seek(0)
        return crawl.returncode, stdout.read(), stderr.read(), peak_mb


def test_oversized_pages_and_gzip_bombs_are_refused_without_reaching_memory_or_the_log(tmp_path):
    # The baseline: the crawler's peak memory on a plain two-page site, measured here and now.
    plain = tmp_path / "plain"
    write_page(plain / "index.html", "Home", ["/about.html"])
    write_page(plain / "about.html", "About")
    (tmp_path / "plain-out").mkdir()
    with serve_site(plain) as server:
        exit_code, _, stderr, baseline_mb = crawl_with_peak_memory(server.base_url, tmp_path / "plain-out" / "p.jsonl")
    assert exit_code == 0, stderr[-2000:]

    site = tmp_path / "site"
    write_page(site / "index.html", "Home", ["/bomb.html", "/about.html", "/huge.html"])
    write_page(site / "about.html", "About")
    html_start, html_end = b"<html><head><title>Bomb</title></head><body><main><p>", b"</p></main></body></html>"
    # a page served with Content-Encoding: gzip, and a gzipped sitemap named in robots.txt
    write_gzip_bomb(site / "bomb.html.gz", html_start, html_end, unpacked_mb=100)
    urlset = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    write_gzip_bomb(site / "sitemap.xml.gz", urlset, b"</urlset>", unpacked_mb=100)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: {{BASE}}sitemap.xml.gz\n")
    (site / "huge.html").write_bytes(html_start + b"x " * (6 << 20) + html_end)  # 12 MB, not compressed
    out = tmp_path / "out" / "pages.jsonl"
    out.parent.mkdir()
    with serve_site(site) as server:
        exit_code, stdout, stderr, peak_mb = crawl_with_peak_memory(server.base_url, out)
    assert exit_code == 0, stderr[-2000:]
    assert {"/bomb.html", "/sitemap.xml.gz", "/huge.html"} <= set(server.requested_paths)
    base = server.base_url.rstrip("/")
    assert set(read_pages(out)) == {f"{base}/", f"{base}/about.html"}
    summary = json.loads((tmp_path / "out" / "pages.summary.json").read_text())
    assert summary["skipped"]["too_large"] == 3
    assert "too-large 3" in stdout
    assert len(stderr) < 20_000, "a page body reached the log"
    # Each bomb unpacks to 100 MB: holding one in memory would add at least that much to the baseline.
    assert peak_mb < baseline_mb + 80, f"the crawl peaked at {peak_mb} MB, {baseline_mb} MB on a plain site"

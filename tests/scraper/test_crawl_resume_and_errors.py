"""An interrupted crawl resumes without refetching; bad input fails with one clear line."""

import json
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.scraper.conftest import REPO, read_pages, run_scraper
from tests.scraper.site_factory import build_site
from tests.stand_ins.site_server import serve_site


@pytest.mark.slow
def test_interrupted_crawl_resumes_without_refetching(tmp_path):
    site = build_site(tmp_path / "site", "http://127.0.0.1:9/", pages=30)
    out = tmp_path / "out" / "pages.jsonl"
    partial = tmp_path / "out" / "pages.jsonl.partial"
    args = ["--out", str(out), "--fast", "--refresh", "--max-depth", "2"]
    with serve_site(site.root, latency_ms=400) as server:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scraper", "--start-url", server.base_url, *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not partial.exists() or len(partial.read_text().splitlines()) < 3):
            time.sleep(0.05)
        crawl.send_signal(signal.SIGINT)
        stdout, _ = crawl.communicate(timeout=60)
        assert crawl.returncode == 3
        assert "--resume" in stdout
        assert not out.exists(), "an interrupted crawl must not leave output that looks complete"
        pages_before_resume = len(partial.read_text().splitlines())

        resumed = run_scraper("--start-url", server.base_url, *args, "--resume")
        assert resumed.returncode == 0, resumed.stderr

    fetched = Counter(path for path in server.requested_paths if path.startswith("/section"))
    assert fetched and max(fetched.values()) == 1, [path for path, n in fetched.items() if n > 1]
    pages = read_pages(out)
    assert len(pages) > pages_before_resume
    assert {url.split("/", 3)[3] for url in pages} >= {path.lstrip("/") for path in fetched}
    assert json.loads((tmp_path / "out" / "pages.summary.json").read_text())["pages_written"] == len(pages)
    assert not partial.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-url", "not a url", "--out", "{tmp}/pages.jsonl"], "is not an http(s) URL"),
        (["--start-url", "ftp://example.com", "--out", "{tmp}/pages.jsonl"], "is not an http(s) URL"),
        (["--out", "/proc/pages.jsonl"], "is not writable"),
        (["--out", "{tmp}/pages.csv"], "must end in .jsonl"),
        (["--out", "{tmp}/pages.jsonl", "--max-pages", "0"], "--max-pages: input should be greater than or equal to 1"),
    ],
)
def test_bad_cli_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = run_scraper(*[arg.format(tmp=tmp_path) for arg in args], timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_help_explains_every_option():
    result = run_scraper("--help", timeout=60)
    for option in ("--start-url", "--out", "--max-pages", "--max-depth", "--resume", "--state-dir", "--fast"):
        assert option in result.stdout

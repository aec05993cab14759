"""A crawl whose page writes are stopped by "file too large" (a file-size limit, SIGXFSZ ignored so the write gets
EFBIG) stops with one `error:` line naming the partial file and saying to continue with --resume; no final file
is written; the resumed crawl, with room to write, ends with every page a fresh crawl finds."""

import subprocess
import sys

import pytest

from tests.bad_input import with_file_size_limit
from tests.scraper.conftest import REPO, read_pages, run_scraper

pytestmark = pytest.mark.slow


def test_file_too_large_stops_the_crawl_in_one_line_and_resume_completes_it(tmp_path, sample_site):
    out = tmp_path / "out" / "pages.jsonl"
    args = ["--start-url", sample_site.base_url, "--out", str(out), "--fast", "--refresh"]
    limited = subprocess.run(
        [sys.executable, "-m", "scraper", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=with_file_size_limit(20_000),  # a few pages of the sample site
    )
    errors = [line for line in limited.stderr.splitlines() if line.startswith("error: ")]
    assert limited.returncode == 2, limited.stderr[-3000:]
    assert "Traceback" not in limited.stderr and " ERROR: " not in limited.stderr, limited.stderr[-3000:]
    assert errors == [
        f"error: {out}.partial: file too large (the file-size limit, `ulimit -f`, is 20000 bytes): raise the limit, "
        "or write the output to a filesystem that takes larger files, and run again; the pages written before it "
        "are kept: continue with the same command plus --resume"
    ]
    assert not out.exists() and not (tmp_path / "out" / "pages.summary.json").exists()

    resumed = run_scraper(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    fresh = run_scraper(*args[:3], str(tmp_path / "fresh" / "pages.jsonl"), *args[4:])
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    assert set(read_pages(out)) == set(read_pages(tmp_path / "fresh" / "pages.jsonl"))

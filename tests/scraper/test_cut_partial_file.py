"""A crawl stopped while writing a page leaves `pages.jsonl.partial` ending in a cut line: `--resume` drops
the unfinished part with one notice line, fetches that page again, and finishes the crawl."""

import json
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.scraper.conftest import REPO, read_pages, run_scraper
from tests.scraper.site_factory import build_site
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow
SEED = 20


def interrupted_crawl(server, out) -> None:
    """A crawl of the site stopped with Ctrl-C once it has written 3 pages."""
    partial = out.with_name(out.name + ".partial")
    command = [sys.executable, "-m", "scraper", "--start-url", server.base_url, "--out", str(out), "--fast"]
    crawl = subprocess.Popen([*command, "--refresh", "--max-depth", "2"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not partial.exists() or len(partial.read_text().splitlines()) < 3):
        time.sleep(0.05)
    crawl.send_signal(signal.SIGINT)
    crawl.communicate(timeout=60)
    assert crawl.returncode == 3


def cut_points(last_line: bytes, url: str) -> dict[str, int]:
    """Offsets into the last line: seeded random ones after its URL, right before its newline, inside its URL."""
    rng = random.Random(SEED)
    after_url = len(json.dumps({"url": url}, ensure_ascii=False).encode()) - 1
    offsets = {f"random-{n}": rng.randrange(after_url, len(last_line) - 1) for n in range(3)}
    return {**offsets, "before-newline": len(last_line) - 1, "inside-url": rng.randrange(2, after_url - 2)}


def test_resume_drops_a_cut_last_line_and_fetches_that_page_again(tmp_path):
    site = build_site(tmp_path / "site", "http://127.0.0.1:9/", pages=30)
    stopped = tmp_path / "stopped" / "pages.jsonl"
    with serve_site(site.root, latency_ms=400) as server:
        interrupted_crawl(server, stopped)
        lines = stopped.with_name("pages.jsonl.partial").read_bytes().splitlines(keepends=True)
        url = json.loads(lines[-1])["url"]
        for name, offset in cut_points(lines[-1], url).items():
            run = shutil.copytree(stopped.parent, tmp_path / name)
            partial = run / "pages.jsonl.partial"
            partial.write_bytes(b"".join(lines[:-1]) + lines[-1][:offset])
            fetched_before = len(server.requested_paths)

            resumed = run_scraper("--start-url", server.base_url, "--out", str(run / "pages.jsonl"), "--fast",
                                  "--refresh", "--max-depth", "2", "--resume")  # fmt: skip

            assert resumed.returncode == 0, (name, resumed.stderr[-3000:])
            notices = [line for line in resumed.stdout.splitlines() if "cut short" in line]
            assert notices == [
                f"{partial}:{len(lines)}: dropped a page cut short (the crawl was stopped while writing it); "
                + (
                    "its URL was cut too: a crawl without --resume fetches it again"
                    if name == "inside-url"
                    else f"fetching {url} again"
                )
            ], (name, resumed.stdout)
            pages = read_pages(run / "pages.jsonl")
            kept = {json.loads(line)["url"] for line in lines[:-1]}
            assert kept <= set(pages), name
            refetched = server.requested_paths[fetched_before:].count("/" + url.split("/", 3)[3])
            assert (url in pages, refetched) == ((False, 0) if name == "inside-url" else (True, 1)), name


PAGE_LINE = b'{"url": "http://127.0.0.1:1/a.html", "title": "A", "paragraphs": ["Text."], "text": "Text."}\n'


@pytest.mark.parametrize(
    ("damaged_line", "message"),
    [
        (b"{not json}\n", "pages.jsonl.partial:2: not valid JSON"),
        (b'{"url": "http://127.0.0.1:1/b.html"}\n', "pages.jsonl.partial:2: field 'title' is missing"),
        (b'["a", "list"]\n', "pages.jsonl.partial:2: expected a crawled page"),
        (b'{"url": "caf\xe9"}\n', "pages.jsonl.partial:2: not UTF-8 text"),
    ],
    ids=["not-json", "not-a-page", "a-list", "not-utf-8"],
)
def test_resume_from_a_damaged_partial_file_is_one_error_line(tmp_path, damaged_line, message):
    site = build_site(tmp_path / "site", "http://127.0.0.1:9/", pages=2)
    partial = tmp_path / "out" / "pages.jsonl.partial"
    partial.parent.mkdir()
    partial.write_bytes(PAGE_LINE + damaged_line + PAGE_LINE)
    with serve_site(site.root) as server:
        result = run_scraper("--start-url", server.base_url, "--out", str(tmp_path / "out" / "pages.jsonl"), "--resume")
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr[-3000:]
    assert message in result.stderr and f"delete {partial} to crawl from the start" in result.stderr
    assert server.requested_paths == []
    assert partial.read_bytes() == PAGE_LINE + damaged_line + PAGE_LINE

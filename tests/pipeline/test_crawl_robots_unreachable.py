"""A site whose robots.txt cannot be read is crawled for nothing (RFC 9309), and the pipeline records the crawl
as incomplete, so its next run asks again and crawls the site once robots.txt answers."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PAGE = "<html><head><title>Home</title></head><body><main><p>Northwind Forge builds software.</p></main></body></html>"


def test_the_crawl_is_incomplete_until_robots_txt_answers(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(PAGE)
    (tmp_path / "site" / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    run_dir = tmp_path / "run"
    with serve_site(tmp_path / "site") as server:
        config = tmp_path / "pipeline.yaml"
        site = {"start_url": server.base_url, "fast": True, "max_pages": 1}
        config.write_text(json.dumps({"run_dir": str(run_dir), "site": site}))
        command = [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--to", "crawl"]

        server.faults["/robots.txt"] = 503
        first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "could not be read (HTTP 503)" in first.stdout and "incomplete" in first.stdout
        assert (run_dir / "pages.jsonl").read_text() == ""
        assert json.loads((run_dir / "manifest.json").read_text())["stages"]["crawl"]["status"] == "incomplete"

        del server.faults["/robots.txt"]
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "up to date" not in second.stdout
    assert [json.loads(line)["url"] for line in (run_dir / "pages.jsonl").read_text().splitlines()] == [server.base_url]
    assert json.loads((run_dir / "manifest.json").read_text())["stages"]["crawl"]["status"] == "ran"

"""The pipeline writes only into a run folder of its own: `run_dir` may not be the current folder (or one above
it) nor lead out of it by a relative path; a folder holding stage outputs it did not make is refused, not
replaced; and one run at a time uses a run folder (the second names the process of the first)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stand_ins.site_server import serve_site

REPO = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9/"  # nothing listens there: a run that is not refused crawls nothing
PAGE = "<html><head><title>{n}</title></head><body><main><p>Page {n}: Northwind builds software.</p>{links}</main>"


def pipeline(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline", "run", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # cwd may be another folder
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def folder_state(folder: Path) -> dict:
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None for path in folder.rglob("*")}


@pytest.mark.parametrize(
    ("run_dir", "message"),
    [
        ("", "is the current folder or one above it"),
        (".", "is the current folder or one above it"),
        ("./", "is the current folder or one above it"),
        ("..", "is the current folder or one above it"),
        ("/", "is the current folder or one above it"),
        ("work/../..", "is the current folder or one above it"),
        ("../elsewhere", "leads out of the current folder"),
        ("../../etc/cazton", "leads out of the current folder"),
    ],
)
def test_run_dir_that_is_not_a_folder_of_its_own_is_one_error_line(tmp_path, run_dir, message):
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("a file of the user's")
    config = work / "pipeline.yaml"
    config.write_text(json.dumps({"run_dir": run_dir, "site": {"start_url": NOWHERE}}))
    before = folder_state(tmp_path)
    result = pipeline("--config", str(config), "--to", "crawl", cwd=work)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith("error: config field run_dir: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("dataset/notes.txt", "dataset/"),
        ("adapter/notes.txt", "adapter/"),
        ("benchmark/notes.txt", "benchmark/"),
        ("qa/clean.jsonl", "qa/clean.jsonl"),
    ],
)
def test_a_run_dir_holding_outputs_this_pipeline_did_not_make_is_refused(tmp_path, path, shown):
    run_dir = tmp_path / "run"
    (run_dir / path).parent.mkdir(parents=True)
    (run_dir / path).write_text("the user's own work")
    before = folder_state(tmp_path)
    settings = ["--set", f"run_dir={run_dir}", "--set", f"site.start_url={NOWHERE}"]
    result = pipeline("--config", "configs/demo.yaml", *settings, "--no-serve")
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr[-3000:]
    assert f"holds {shown} but no manifest.json" in result.stderr
    assert folder_state(tmp_path) == before


@pytest.mark.slow
def test_a_second_run_on_the_same_run_dir_names_the_first(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    links = "".join(f"<a href='/p{n}.html'>{n}</a>" for n in range(8))
    (site / "index.html").write_text(PAGE.format(n="home", links=links))
    for n in range(8):
        (site / f"p{n}.html").write_text(PAGE.format(n=n, links=""))
    run_dir = tmp_path / "run"
    with serve_site(site, latency_ms=700) as server:
        config = tmp_path / "pipeline.yaml"
        config.write_text(json.dumps({"run_dir": str(run_dir), "site": {"start_url": server.base_url}}))
        command = [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--to", "crawl"]
        first = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (run_dir / "pages.jsonl.partial").exists():
            time.sleep(0.1)
        assert first.poll() is None, first.communicate()

        second = pipeline("--config", str(config), "--to", "crawl")

        assert second.returncode == 2, second.stderr[-3000:]
        assert second.stderr == (
            f"error: run_dir {str(run_dir)!r} is in use by another run (process {first.pid}): wait for it to end, or "
            "give this run another run_dir\n"
        )
        assert first.wait(timeout=120) == 0, first.communicate()
        third = pipeline("--config", str(config), "--to", "crawl")
    assert third.returncode == 0, third.stderr[-3000:]
    assert "up to date" in third.stdout

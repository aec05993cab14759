"""Run a crawl from another Python process (the pipeline): in a subprocess, because Twisted's
reactor cannot restart inside one process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cazton_llm.errors import UserError
from scraper.output_files import summary_path


def run_crawl(
    start_url: str,
    out_path: str | Path,
    max_pages: int = 2000,
    max_depth: int = 8,
    resume: bool = False,
    state_dir: str | Path | None = None,
    fast: bool = False,
    refresh: bool = False,
) -> dict:
    """Crawl `start_url` into `out_path`; returns the crawl summary."""
    command = [
        sys.executable,
        "-m",
        "scraper",
        "--start-url",
        start_url,
        "--out",
        str(out_path),
        "--max-pages",
        str(max_pages),
        "--max-depth",
        str(max_depth),
    ]
    command += ["--resume"] * resume + ["--fast"] * fast + ["--refresh"] * refresh
    if state_dir:
        command += ["--state-dir", str(state_dir)]
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise UserError(f"the crawl of {start_url} failed (exit {result.returncode}); see its output above")
    return json.loads(summary_path(Path(out_path)).read_text())

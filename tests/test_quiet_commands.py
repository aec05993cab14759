"""Commands print nothing the user did not ask for: each entry point's --help, and the demo's dry run,
write nothing to stderr (no library warnings, no kernel look-ups from a package this machine never uses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COMMANDS = [
    *(["-m", module, "--help"] for module in ("scraper", "dataset_builder", "train", "benchmark", "space", "pipeline")),
    ["-m", "train", "merge", "--help"],
    ["-m", "space", "publish", "--help"],
    ["-m", "pipeline", "run", "--config", "configs/demo.yaml", "--dry-run"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_stderr_is_empty(argv):
    result = subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout
    assert result.stderr == ""

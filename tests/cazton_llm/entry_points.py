"""The entry points that read a dataset folder and a model folder (benchmark, training, the Space), run as a user
runs them, and the check that each refuses a damaged input in one `error:` line, exit 2, without a traceback: in
this process through the entry point's `main` (tests/in_process.py), or in a real `python -m` process."""

import subprocess
import sys
from pathlib import Path

from tests.in_process import run_entry_point

REPO = Path(__file__).resolve().parents[2]


def commands(dataset: Path, base: Path, tmp_path: Path, adapter: Path | None = None) -> dict[str, list[str]]:
    """Each entry point's arguments; training takes the base alone, its output under `tmp_path`."""
    spec = f"{base}+{adapter}" if adapter else str(base)
    recipe = str(REPO / "train/configs/tiny.yaml")
    return {
        "benchmark": ["-m", "benchmark", "--dataset", str(dataset), "--model", f"base={spec}", "--out",
                      str(tmp_path / "report")],
        "train": ["-m", "train", "--config", recipe, "--model_name_or_path", str(base), "--dataset_name",
                  str(dataset), "--output_dir", str(tmp_path / "adapter-out"), "--report_to", "none"],
        "space": ["-m", "space", "--base-model", str(base), "--adapter", str(adapter or ""), "--dataset", str(dataset)],
    }  # fmt: skip


def refusal(argv: list[str], capfd=None):
    """Run `python ARGV` (its `main` in this process when given pytest's `capfd`); assert it exits 2 with one
    `error:` line, its last, and no traceback; return the finished run (its `stderr` among the rest)."""
    if capfd is None:
        result = subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=300)
    else:
        result = run_entry_point(argv, capfd)
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr[-3000:]
    return result


def refusal_line(argv: list[str], capfd=None) -> str:
    """The one `error:` line of a refused run (see `refusal`)."""
    return refusal(argv, capfd).stderr.splitlines()[-1]

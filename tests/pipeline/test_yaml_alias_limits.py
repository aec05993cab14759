"""A YAML file whose aliases expand to a huge document (a "billion laughs" file of a few hundred bytes), or
refer to themselves, is refused in one `error:` line while it is read, without building what it describes."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 1024


def billion_laughs(levels: int = 9) -> str:
    """A flow list of `levels` anchored lists, each of 9 aliases of the one before: 9**levels strings expanded."""
    items = ['&l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    items += [f"&l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def rss_mb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) // 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def run_bounded(command: list[str]) -> tuple[int, str, int]:
    """(exit code, stderr, peak MB); the process is killed once it holds more than MAX_RSS_MB."""
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, deadline = 0, time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        peak = max(peak, rss_mb(process.pid))
        if peak > MAX_RSS_MB:
            process.kill()
        time.sleep(0.02)
    process.kill()
    _, stderr = process.communicate()
    return process.returncode, stderr, peak


CASES = {
    "bomb-in-a-field": (f"company: {billion_laughs()}\n", [], "aliases expand to more than"),
    "bomb-in-a-section": (f"site: {{max_pages: {billion_laughs()}}}\n", [], "aliases expand to more than"),
    "recursive": ("company: &c [1, *c]\n", [], "refers to a node that contains it"),
    "bomb-in---set": ("{}\n", ["--set", f"company={billion_laughs()}"], "aliases expand to more than"),
}


@pytest.mark.parametrize(("text", "extra", "message"), CASES.values(), ids=CASES.keys())
def test_alias_bombs_are_one_error_line(tmp_path, text, extra, message):
    config = tmp_path / "bomb.yaml"
    config.write_text(text)
    command = [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--dry-run", *extra]
    exit_code, stderr, peak = run_bounded(command)
    assert peak <= MAX_RSS_MB, f"reading the config took more than {MAX_RSS_MB} MB"
    assert exit_code == 2, stderr[-2000:]
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr[-2000:]
    assert message in stderr
    assert ("--set company=" if extra else str(config)) in stderr


def test_aliases_of_plain_values_still_work(tmp_path):
    from pipeline.config import load_config

    config = tmp_path / "ok.yaml"
    config.write_text("name: &n acme-demo\ncompany: *n\nsite: &site {max_pages: 7}\n")
    loaded = load_config(config)
    assert (loaded.name, loaded.company, loaded.site.max_pages) == ("acme-demo", "acme-demo", 7)


@pytest.mark.parametrize(
    ("text", "message"),
    [(f"learning_rate: {billion_laughs()}\n", "aliases expand to more than"), ("max_steps: [1\n", "not valid YAML")],
    ids=["alias-bomb", "broken-yaml"],
)
def test_a_bad_training_recipe_is_one_error_line(tmp_path, text, message):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(text)
    exit_code, stderr, peak = run_bounded([sys.executable, "-m", "train", "--config", str(recipe)])
    assert peak <= MAX_RSS_MB and exit_code == 2, stderr[-2000:]
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr[-2000:]
    assert message in stderr and str(recipe) in stderr

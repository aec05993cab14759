"""Stages talk to each other only through files and Hub ids: no stage imports another, what more than one
stage needs lives in `cazton_llm` (which imports no stage), and the Space, which runs on a Hub Space with its
own small requirements, imports neither the crawler, the pipeline nor TRL. Only `pipeline` (which composes
the stages), the timing scripts in `perf/` and the tests import stages freely."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STAGES = ("scraper", "dataset_builder", "train", "benchmark", "space")
FORBIDDEN = {
    **{stage: {*STAGES, "pipeline"} - {stage} for stage in STAGES},
    "cazton_llm": {*STAGES, "pipeline"},
}
FORBIDDEN["space"] |= {"trl"}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_its_rules_allow(package):
    broken = {
        f"{path.relative_to(REPO)} imports {name}"
        for path in sorted((REPO / package).rglob("*.py"))
        for name in imported_packages(path) & FORBIDDEN[package]
    }
    assert not broken, sorted(broken)


SPACE_PROBE = """
import pkgutil, sys
import space
for module in pkgutil.walk_packages(space.__path__, "space."):
    if not module.name.endswith("__main__"):
        __import__(module.name)
print(sorted({name.split(".")[0] for name in sys.modules} & {"trl", "scraper", "pipeline", "train", "benchmark"}))
"""


def test_the_space_loads_without_trl_the_crawler_or_the_pipeline():
    """Also what the Space's modules import through other packages (a Hub Space does not install TRL)."""
    result = subprocess.run(
        [sys.executable, "-c", SPACE_PROBE], cwd=REPO, capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "[]", result.stderr[-2000:]

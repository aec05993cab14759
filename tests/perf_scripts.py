"""The scripts in perf/ are files, not a package: the tests load one by its name."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

PERF = Path(__file__).resolve().parents[1] / "perf"


def perf_script(name: str) -> ModuleType:
    """perf/`name`.py, loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, PERF / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

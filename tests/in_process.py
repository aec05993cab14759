"""`python -m STAGE ARGS` run inside the test process: the stage's `main(ARGS)`, its exit code and what it wrote.

A fresh Python spends seconds importing torch, transformers and datasets before it can print a one-line error;
the tables of bad inputs call `main` here instead and assert exactly what they asserted on the child process.
What only a real process shows (import-time warnings, a traceback printed at exit) is checked once per entry
point by tests/test_quiet_commands.py.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import subprocess
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_entry_point(argv: list[str], capfd) -> subprocess.CompletedProcess:
    """Run `argv` (`["-m", STAGE, *ARGS]`) as `STAGE.cli.main(ARGS)` from the repository root; returns it like
    `subprocess.run` with `text=True`: returncode, stdout and stderr (file descriptors 1 and 2, so output from C
    code counts too).
    As in a fresh process, warnings and log records of WARNING and above that no handler of the stage's own
    prints reach stderr (pytest would otherwise keep them for its summary)."""
    assert argv[0] == "-m", argv
    main = importlib.import_module(f"{argv[1]}.cli").main
    capfd.readouterr()
    # Python's last-resort handler prints WARNING records on stderr in a process with no logging set up.
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    logging.getLogger().addHandler(last_resort)
    try:
        with warnings.catch_warnings(), contextlib.chdir(REPO):
            warnings.simplefilter("default")
            for ignored in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", ignored)  # Python's default filters outside __main__
            warnings.showwarning = print_warning
            try:
                returncode = main(argv[2:])
            except SystemExit as exited:
                returncode = 0 if exited.code is None else exited.code
    finally:
        logging.getLogger().removeHandler(last_resort)
    stdout, stderr = capfd.readouterr()
    return subprocess.CompletedProcess(argv, returncode, stdout, stderr)


def print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

"""For the bad-input tables: JSONL lines to spoil, and the check every table runs: the command exits 2 with one
`error:` line on stderr, no traceback, and every file under the test's folder is as it was (nothing written,
nothing half-written)."""

import json
import resource
import signal
from pathlib import Path

import pytest

DROPPED = object()  # a field left out of a line
PAGE = {
    "url": "http://127.0.0.1:8765/about.html",
    "title": "About",
    "lang": "en",
    "paragraphs": ["Northwind Forge Consulting builds business software for banks and hospitals."],
    "text": "Northwind Forge Consulting builds business software for banks and hospitals.",
    "fetched_at": "2026-11-25T07:49:06+00:00",
    "sha256": "0" * 64,
}


def jsonl_line(record: dict, **changes) -> bytes:
    """`record` with `changes` as one UTF-8 JSONL line; a field changed to DROPPED is left out."""
    changed = {key: value for key, value in {**record, **changes}.items() if value is not DROPPED}
    return (json.dumps(changed, ensure_ascii=False) + "\n").encode()


def folder_state(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder`, with the bytes of each file (None for folders)."""
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None for path in folder.rglob("*")}


def assert_refused(main, argv: list[str], folder: Path, capsys, message: str) -> str:
    """Run the CLI entry point `main(argv)` in-process; returns its error line."""
    before = folder_state(folder)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    stderr = capsys.readouterr().err
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert exited.value.code == 2, stderr
    assert len(errors) == 1 and stderr.rstrip("\n").endswith(errors[0]), stderr
    assert "Traceback" not in stderr
    assert message in errors[0], errors[0]
    assert folder_state(folder) == before, "a refused command changed files"
    return errors[0]


def with_file_size_limit(limit: int):
    """A `preexec_fn` for a child process whose files may grow to `limit` bytes: past it a write fails with EFBIG
    ("file too large", as on a filesystem's own limit), SIGXFSZ being ignored instead of killing the process."""

    def before_exec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return before_exec

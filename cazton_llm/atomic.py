"""Atomic writes: everything goes to a temp path beside the target and is renamed on success,
so an interrupted run never leaves a partial file or folder that looks complete."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from cazton_llm.errors import disk_full_cause


def name_the_output(error: Exception, target: Path, tmp: Path) -> None:
    """A write stopped by a full disk or a file-size limit names the output it was for (the OSError of a
    write() names no file; one of the temp path names a file the user never sees): `cazton_llm.errors`
    turns it into one line."""
    full = disk_full_cause(error)
    if full is not None and (full.filename is None or str(tmp) in str(full.filename)):
        full.filename = str(target)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp file path; on clean exit it replaces `path`, on error it is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o644)  # mkstemp creates 0600; outputs are meant to be shared
    try:
        yield tmp
        os.replace(tmp, target)
    except Exception as error:
        name_the_output(error, target, tmp)
        raise
    finally:
        tmp.unlink(missing_ok=True)


def share(folder: Path) -> None:
    """Make what was written in `folder` readable like any other output: safetensors (and so every
    `save_pretrained`) writes its files 0600, through a temp file of its own."""
    for item in folder.rglob("*"):
        if not item.is_symlink():  # a link's target is not ours to change
            item.chmod(0o755 if item.is_dir() else 0o644)


@contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temp folder; on clean exit it replaces the folder `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp creates 0700; outputs are meant to be shared
    try:
        yield tmp
        share(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except Exception as error:
        name_the_output(error, target, tmp)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def appending(path: str | os.PathLike) -> Iterator[TextIO]:
    """`path` opened to append UTF-8 text: a resumable log of records (its reader drops a last line cut short). A
    write that a full disk or a file-size limit stops names `path` (see `name_the_output`)."""
    target = Path(path)
    try:
        with target.open("a", encoding="utf-8") as handle:
            yield handle
    except Exception as error:
        name_the_output(error, target, target)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Write one JSON object per line; returns the number written."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count

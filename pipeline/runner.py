"""Run stages in order, skipping those whose inputs and settings are unchanged, and record
a manifest (inputs, versions, hashes, timings) after every stage so a killed run resumes."""

from __future__ import annotations

import fcntl
import importlib.metadata
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from cazton_llm.atomic import write_json
from cazton_llm.errors import UserError, as_user_error
from cazton_llm.layout import OutputLayout
from pipeline.config import PipelineConfig
from pipeline.fingerprint import digest_json, digest_path
from pipeline.stages import Stage, plan

VERSIONED_PACKAGES = ("torch", "transformers", "datasets", "peft", "trl", "scrapy", "trafilatura", "gradio")


class StageFailed(Exception):
    """A stage raised: bad input (a UserError or a full disk, exit code 2) or a crash (exit code 1, with traceback)."""

    def __init__(self, stage: str, cause: BaseException):
        user_error = as_user_error(cause)  # a full disk too: the user can fix it
        self.stage, self.bad_input = stage, user_error is not None
        reason = str(user_error) if self.bad_input else f"{type(cause).__name__}: {cause}"
        super().__init__(f"stage {stage!r} failed: {reason}")


def versions() -> dict:
    found = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    found["git_commit"] = commit.stdout.strip() or None
    return found


def stage_fingerprint(stage: Stage) -> tuple[str, dict]:
    input_digests = {str(path): digest_path(path) for path in stage.inputs}
    return digest_json({"params": stage.params, "inputs": input_digests}), input_digests


def select_stages(stages: list[Stage], start: str | None, stop: str | None) -> tuple[list[Stage], list[Stage]]:
    """Split the plan into (stages before --from, stages to consider), honouring --to."""
    names = [stage.name for stage in stages]
    for given in (start, stop):
        if given and given not in names:
            raise UserError(f"unknown stage {given!r}: this config's stages are {', '.join(names)}")
    first = names.index(start) if start else 0
    last = names.index(stop) if stop else len(names) - 1
    if first > last:
        raise UserError(f"--from {start} comes after --to {stop}: swap them")
    return stages[:first], stages[first : last + 1]


def load_manifest(path: Path) -> dict:
    """The run folder's manifest, or {} when there is none. One cut short or damaged (a full disk, a copy made in
    part) counts as none, with one notice line: every stage runs again and the manifest is written anew."""
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_bytes())
    except ValueError as error:  # not JSON, or not UTF-8
        problem = str(error)
    else:
        stages = manifest.get("stages", {}) if isinstance(manifest, dict) else None
        if isinstance(stages, dict) and all(isinstance(entry, dict) for entry in stages.values()):
            return manifest
        problem = "not the manifest this pipeline writes"
    print(f"{path} is cut short or damaged ({problem}): treating it as missing, so every stage runs again")
    return {}


def counts_line(summary) -> str:
    """The numbers a stage reported (pages written, pairs kept, split sizes, losses), on one line."""
    if not isinstance(summary, dict):
        return ""
    counts = [f"{key} {value}" for key, value in summary.items() if isinstance(value, int | float)]
    return f" ({', '.join(counts)})" if counts else ""


def is_up_to_date(stage: Stage, fingerprint: str, previous: dict, start: str | None) -> bool:
    """A stage is skipped when forced by nothing, its fingerprint matches and its outputs exist."""
    recorded = previous.get(stage.name, {}).get("fingerprint")
    return stage.name != start and recorded == fingerprint and all(path.exists() for path in stage.outputs)


def plan_status(config: PipelineConfig, start: str | None, stop: str | None) -> list[tuple[Stage, bool]]:
    """Each selected stage with whether it is up to date now (for --dry-run; reads local files only).

    Stages after one that will run are reported by their current inputs, which that run may change.
    """
    _, selected = select_stages(plan(config), start, stop)
    previous = load_manifest(OutputLayout(Path(config.run_dir)).manifest).get("stages", {})
    return [(stage, is_up_to_date(stage, stage_fingerprint(stage)[0], previous, start)) for stage in selected]


def check_run_folder_is_ours(layout: OutputLayout, stages: list[Stage]) -> None:
    """Refuse a run folder that holds what the stages would write (and replace) but no manifest: a run writes
    its manifest before any stage, so those files or folders were not made by this pipeline."""
    if layout.manifest.exists():
        return
    existing = sorted({path for stage in stages for path in stage.outputs if path.exists()})
    if existing:
        shown = existing[0].relative_to(layout.root).as_posix() + ("/" if existing[0].is_dir() else "")
        raise UserError(
            f"run_dir {str(layout.root)!r} holds {shown} but no manifest.json, so this pipeline did not make it, "
            f"and the run would replace it: choose another run_dir, or move {existing[0]} away"
        )


@contextmanager
def run_folder_lock(layout: OutputLayout) -> Iterator[None]:
    """One run per run folder at a time: an exclusive lock on `run.lock`, which holds the running process's id
    (the lock ends with the process, however it ends)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    lock_path = layout.root / "run.lock"
    with lock_path.open("a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise UserError(
                f"run_dir {str(layout.root)!r} is in use by another run (process {holder}): wait for it to end, or "
                "give this run another run_dir"
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def run_pipeline(
    config: PipelineConfig, config_path: str, start: str | None = None, stop: str | None = None, console=None
) -> dict:
    """Run the plan. `start` forces that stage to rerun; later ones rerun if their inputs changed."""
    layout = OutputLayout(Path(config.run_dir))
    stages = plan(config)
    before, selected = select_stages(stages, start, stop)
    for stage in before:
        missing = [str(path) for path in stage.outputs if not path.exists()]
        if missing:
            raise UserError(f"--from {start} needs {missing[0]} from stage {stage.name!r}: run without --from first")
    check_run_folder_is_ours(layout, selected)
    with run_folder_lock(layout):
        return run_stages(config, config_path, layout, selected, start, console or Console())


def run_stages(
    config: PipelineConfig, config_path: str, layout: OutputLayout, selected: list[Stage], start: str | None, console
) -> dict:
    previous = load_manifest(layout.manifest).get("stages", {})
    manifest = {
        "config_path": config_path,
        "config": json.loads(json.dumps(asdict(config), default=str)),  # paths and model specs as text
        "versions": versions(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "stages": {name: previous[name] for name in previous},
    }
    write_json(layout.manifest, manifest)  # first of all: it marks the folder as a run folder of this pipeline
    for number, stage in enumerate(selected, start=1):
        fingerprint, input_digests = stage_fingerprint(stage)
        label = f"[{number}/{len(selected)}] {stage.name}"
        if is_up_to_date(stage, fingerprint, previous, start):
            console.print(f"{label}: [green]up to date[/green] (inputs unchanged)")
            manifest["stages"][stage.name] = {**previous[stage.name], "status": "cached"}
            continue
        # A stage stopped before it finished (killed, failed) with these same inputs continues where it was.
        resumes = stage.resume is not None and previous.get(stage.name, {}).get("started_with") == fingerprint
        console.print(f"{label}: {stage.describe}" + (" (continuing the stopped run)" if resumes else ""))
        if stage.resume is not None:  # recorded so that a stopped run can be continued, never as done
            manifest["stages"][stage.name] = {"status": "started", "fingerprint": None, "started_with": fingerprint}
            write_json(layout.manifest, manifest)
        started = time.monotonic()
        try:
            summary = stage.resume() if resumes else stage.run()
        except Exception as error:
            raise StageFailed(stage.name, error) from error
        seconds = round(time.monotonic() - started, 1)
        undone = stage.left_undone(summary)
        console.print(f"{label}: [green]done[/green] in {seconds} s{counts_line(summary)}")
        if undone:
            console.print(f"{label}: [yellow]incomplete[/yellow]: {undone}; the next run tries them again")
        manifest["stages"][stage.name] = {
            "status": "incomplete" if undone else "ran",
            "fingerprint": None if undone else fingerprint,
            "inputs": input_digests,
            "outputs": [str(path) for path in stage.outputs],
            "seconds": seconds,
            "summary": summary,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_json(layout.manifest, manifest)
    manifest["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(layout.manifest, manifest)
    return manifest

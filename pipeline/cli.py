"""`python -m pipeline run|publish`: the whole job from one config file."""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console
from rich.table import Table

from cazton_llm.errors import exit_on_user_error
from pipeline.config import load_config
from pipeline.runner import StageFailed, plan_status, run_pipeline


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the stages (cached by their inputs), then serve the chat")
    publish = commands.add_parser("publish", help="push dataset, adapter and Space to the Hub, linked together")
    for command in (run, publish):
        command.add_argument("--config", default="configs/demo.yaml", help="pipeline YAML (default: %(default)s)")
        command.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="SECTION.KEY=VALUE",
            help="override one config value, e.g. --set site.max_pages=50 (repeatable)",
        )
    run.add_argument("--from", dest="start", metavar="STAGE", help="rerun from this stage even if it is up to date")
    run.add_argument("--to", dest="stop", metavar="STAGE", help="stop after this stage (and do not serve)")
    run.add_argument("--no-serve", action="store_true", help="run every stage but the interactive chat")
    run.add_argument("--dry-run", action="store_true", help="print the plan and what is up to date; run nothing")
    return parser.parse_args(argv)


def need_is_met(need: str) -> bool:
    if need == "CUDA GPU":
        import torch

        return torch.cuda.is_available()
    return bool(os.environ.get(need))


def print_plan(config, start: str | None, stop: str | None, console: Console) -> None:
    table = Table(title=f"plan for {config.name} (run folder {config.run_dir})")
    for column in ("stage", "status", "what it does"):
        table.add_column(column)
    for stage, up_to_date in plan_status(config, start, stop):
        table.add_row(stage.name, "up to date" if up_to_date else "will run", stage.describe)
    if stop is None:
        where = f"http://127.0.0.1:{config.serve.port}" if config.serve.port else "the first free port from 7860"
        table.add_row("serve", "after the run", f"chat on {where} (skip with --no-serve)")
    for repo_type in ("dataset", "adapter", "space"):
        repo_id = getattr(config.hub, repo_type)
        if repo_id:
            table.add_row("publish", "on request", f"python -m pipeline publish → {repo_type} {repo_id}")
    console.print(table)
    for need, why in config.requirements():
        present = "available" if need_is_met(need) else "MISSING"
        console.print(f"needs {need} ({present}): {why}")


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    config = load_config(args.config, args.overrides)
    if args.command == "publish":
        from pipeline.publish import publish_all

        publish_all(config, console)
        return 0
    if args.dry_run:
        print_plan(config, args.start, args.stop, console)
        return 0
    try:
        run_pipeline(config, args.config, args.start, args.stop, console)
    except StageFailed as failure:
        if console.is_terminal and not failure.bad_input:
            console.print_exception()
        print(f"error: {failure}", file=sys.stderr)
        rerun = " ".join(
            ["python -m pipeline run --config", args.config, *(f"--set {setting}" for setting in args.overrides)]
        )
        print(f"fix it, then resume with: {rerun} --from {failure.stage}", file=sys.stderr)
        return 2 if failure.bad_input else 1
    if not args.no_serve and args.stop is None:
        from pipeline.serve import serve_chat

        serve_chat(config, console)
    return 0

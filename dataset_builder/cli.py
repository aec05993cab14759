"""`python -m dataset_builder import-csv|generate|clean|review|build`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cazton_llm.errors import UserError, exit_on_user_error
from cazton_llm.stage_config import config_from, parse_namespace
from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig

SHOWN_FAILURES = 5


CONFIGS = {"generate": GenerateConfig, "clean": CleanConfig, "build": BuildConfig}


def add_review(commands) -> None:
    parser = commands.add_parser("review", help="export pairs for human review / import the decisions")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write a CSV/JSONL with a decision column")
    export.add_argument("--qa", type=Path, required=True)
    export.add_argument("--out", type=Path, required=True, help="review file (.csv or .jsonl)")
    export.add_argument("--reviews", type=Path, help="decisions store, to pre-fill earlier decisions")
    imported = actions.add_parser("import", help="store decisions (keep/drop/edit) keyed by question hash")
    imported.add_argument("file", type=Path, help="the reviewed export")
    imported.add_argument("--reviews", type=Path, required=True, help="decisions store (JSONL), applied by build")


def make_parser() -> argparse.ArgumentParser:
    """Subcommands; generate, clean and build take their options from their config dataclasses."""
    from transformers import HfArgumentParser

    parser = argparse.ArgumentParser(prog="python -m dataset_builder", description=__doc__, exit_on_error=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=HfArgumentParser)
    csv_parser = commands.add_parser("import-csv", help="the original project's CSV files → QA JSONL")
    csv_parser.add_argument("files", nargs="+", type=Path)
    csv_parser.add_argument("--out", type=Path, required=True)
    helps = {
        "generate": "crawled pages → question/answer pairs (cached, resumable)",
        "clean": "drop bad, duplicate, near-duplicate and ungrounded pairs",
        "build": "cleaned pairs → dataset folder laid out like the Hub repo",
    }
    for name, config_type in CONFIGS.items():
        commands.add_parser(name, dataclass_types=config_type, help=helps[name], exit_on_error=False)
    commands.choices["generate"].add_argument(
        "--batch",
        choices=("submit", "collect"),
        help="OpenAI Batch API: submit now (half price), collect later by the saved batch id",
    )
    add_review(commands)
    return parser


def print_counts(title: str, counts: dict) -> None:
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), str(value))
    Console().print(table)


def run_generate(config: GenerateConfig, batch: str | None) -> None:
    from dataset_builder.batch import collect_batch, submit_batch
    from dataset_builder.generate import generate_qa, report_path

    if batch == "submit":
        state = submit_batch(config)
        print(
            f"submitted batch {state['batch_id']} ({state['requests']} requests); collect it later with "
            "the same command and --batch collect"
        )
        return
    if batch == "collect":
        status = collect_batch(config)
        if status != "completed":
            raise UserError(f"batch is {status}: run the same command again later")
    stats = generate_qa(config)
    print_counts(f"generated {config.out}", {k: v for k, v in stats.items() if not isinstance(v, list)})
    if stats["flagged_injection"]:
        print("passages that look like prompt injection (treated as data): " + ", ".join(stats["flagged_injection"]))
    if stats["failures"]:
        print(f"{stats['failed']} passages failed; the next run asks them again:")
        for failure in stats["failures"][:SHOWN_FAILURES]:
            print(f"  {failure['url']} [{failure['heading']}]: {failure['reason']}")
        if stats["failed"] > SHOWN_FAILURES:
            print(f"  … and {stats['failed'] - SHOWN_FAILURES} more in {report_path(config.out)}")


def run_clean(config: CleanConfig) -> None:
    from dataset_builder.clean import clean_qa

    report = clean_qa(config)
    print_counts(
        f"cleaned {config.qa} → {config.out}",
        {"input pairs": report["input_pairs"], **report["dropped"], "kept": report["kept"]},
    )
    for reason, examples in report["examples"].items():
        print(f"  {reason}: e.g. {examples[0]['question']!r}")


def run_review(args) -> None:
    from dataset_builder.review import export_for_review, import_reviews

    if args.action == "export":
        print(f"wrote {export_for_review(args.qa, args.out, args.reviews)} pairs to {args.out}")
    else:
        print(f"stored decisions in {args.reviews}: {json.dumps(import_reviews(args.file, args.reviews))}")


def run_build(config: BuildConfig) -> None:
    from dataset_builder.build import build_dataset

    counts = build_dataset(config)
    print_counts(f"dataset {config.out}", {k: v for k, v in counts.items() if not isinstance(v, dict)})


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    args = parse_namespace(make_parser(), argv)
    if args.command == "import-csv":
        from dataset_builder.import_csv import import_csv

        print(f"imported {import_csv(args.files, args.out)} pairs into {args.out}")
    elif args.command == "review":
        run_review(args)
    elif args.command == "generate":
        run_generate(config_from(args, GenerateConfig), args.batch)
    else:
        {"clean": run_clean, "build": run_build}[args.command](config_from(args, CONFIGS[args.command]))
    return 0

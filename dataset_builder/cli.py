"""`python -m dataset_builder import-csv|generate|clean|review|build`."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cazton_llm.errors import UserError, exit_on_user_error

SHOWN_FAILURES = 5


def add_generate(commands) -> None:
    from dataset_builder.generate import GENERATORS, MODES

    def listed(values: tuple[str, ...]) -> str:
        """A metavar that shows the values in --help; GenerateConfig checks them with a one-line error."""
        return "{" + ",".join(values) + "}"

    parser = commands.add_parser("generate", help="crawled pages → question/answer pairs (cached, resumable)")
    parser.add_argument("--pages", type=Path, required=True, help="scraper output (pages.jsonl)")
    parser.add_argument("--out", type=Path, required=True, help="QA JSONL to write")
    parser.add_argument(
        "--generator",
        default="openai",
        metavar=listed(GENERATORS),
        help="openai (any OpenAI-compatible endpoint) or offline",
    )
    parser.add_argument("--model", help="model name (default: gpt-5-mini for openai)")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint (default: api.openai.com); key: OPENAI_API_KEY")
    parser.add_argument(
        "--mode",
        default="pairs",
        metavar=listed(MODES),
        help="pairs (several grounded questions per passage) or paragraph "
        "(the original recipe: one question per paragraph, the paragraph as answer)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="parallel calls (default: %(default)s)")
    parser.add_argument("--timeout", dest="timeout_s", type=float, default=60.0, help="seconds per call")
    parser.add_argument("--max-attempts", type=int, default=6, help="tries per passage on 429/5xx/timeouts/bad JSON")
    parser.add_argument("--cache-dir", type=Path, help="response cache (default: a cache folder beside --out)")
    parser.add_argument("--prices", help="JSON/YAML of model → {input, output} dollars per million tokens")
    parser.add_argument(
        "--batch",
        choices=("submit", "collect"),
        help="OpenAI Batch API: submit now (half price), collect later by the saved batch id",
    )


def add_clean(commands) -> None:
    parser = commands.add_parser("clean", help="drop bad, duplicate, near-duplicate and ungrounded pairs")
    parser.add_argument("--qa", type=Path, required=True, help="QA JSONL from generate or import-csv")
    parser.add_argument("--out", type=Path, required=True, help="cleaned QA JSONL")
    parser.add_argument("--report", type=Path, help="drop report JSON (default: clean_report.json beside --out)")
    parser.add_argument(
        "--reviews",
        type=Path,
        help="human review decisions: pairs kept or edited there pass even if their passage reads like instructions",
    )


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


def add_build(commands) -> None:
    parser = commands.add_parser("build", help="cleaned pairs → dataset folder laid out like the Hub repo")
    parser.add_argument("--qa", type=Path, required=True, help="cleaned QA JSONL")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder (README.md card + parquet)")
    parser.add_argument("--reviews", type=Path, help="human review decisions to apply")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.15, help="share of pages held out for test")
    parser.add_argument("--push-to-hub", metavar="OWNER/NAME", help="upload to the Hub (token: HF_TOKEN or login)")
    parser.add_argument("--private", action="store_true", help="create the Hub repo private")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m dataset_builder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    csv_parser = commands.add_parser("import-csv", help="the original project's CSV files → QA JSONL")
    csv_parser.add_argument("files", nargs="+", type=Path)
    csv_parser.add_argument("--out", type=Path, required=True)
    for add in (add_generate, add_clean, add_review, add_build):
        add(commands)
    return parser.parse_args(argv)


def print_counts(title: str, counts: dict) -> None:
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), str(value))
    Console().print(table)


def run_generate(args) -> None:
    from dataset_builder.batch import collect_batch, submit_batch
    from dataset_builder.generate import GenerateConfig, generate_qa, report_path

    options = {item.name: getattr(args, item.name) for item in fields(GenerateConfig) if hasattr(args, item.name)}
    config = GenerateConfig(**{**options, "batch": bool(args.batch)})
    if args.batch == "submit":
        state = submit_batch(args.pages, args.out, config)
        print(
            f"submitted batch {state['batch_id']} ({state['requests']} requests); collect it later with "
            "the same command and --batch collect"
        )
        return
    if args.batch == "collect":
        status = collect_batch(args.out, config)
        if status != "completed":
            raise UserError(f"batch is {status}: run the same command again later")
    stats = generate_qa(args.pages, args.out, config)
    print_counts(f"generated {args.out}", {k: v for k, v in stats.items() if not isinstance(v, list)})
    if stats["flagged_injection"]:
        print("passages that look like prompt injection (treated as data): " + ", ".join(stats["flagged_injection"]))
    if stats["failures"]:
        print(f"{stats['failed']} passages failed; the next run asks them again:")
        for failure in stats["failures"][:SHOWN_FAILURES]:
            print(f"  {failure['url']} [{failure['heading']}]: {failure['reason']}")
        if stats["failed"] > SHOWN_FAILURES:
            print(f"  … and {stats['failed'] - SHOWN_FAILURES} more in {report_path(args.out)}")


def run_clean(args) -> None:
    from dataset_builder.clean import CleanConfig, clean_qa

    report_path = args.report or args.out.with_name("clean_report.json")
    report = clean_qa(args.qa, args.out, report_path, CleanConfig(), args.reviews)
    print_counts(
        f"cleaned {args.qa} → {args.out}",
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


def run_build(args) -> None:
    from dataset_builder.build import build_dataset

    counts = build_dataset(
        args.qa, args.out, args.reviews, args.seed, args.test_fraction, args.push_to_hub, args.private
    )
    print_counts(f"dataset {args.out}", {k: v for k, v in counts.items() if not isinstance(v, dict)})


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "import-csv":
        from dataset_builder.import_csv import import_csv

        print(f"imported {import_csv(args.files, args.out)} pairs into {args.out}")
    else:
        {"generate": run_generate, "clean": run_clean, "review": run_review, "build": run_build}[args.command](args)
    return 0

"""How far one training seed moves the demo's figures: runs the pipeline (every stage but the chat) once per
seed, each in its own run folder under `--out`, and prints issue 19's figures per seed with their spread. A
change to the recipe or the data shows an effect only when it moves a figure by more than this spread. A run
folder that is already complete is reused (the pipeline's stages are up to date), so a second call costs
seconds.

    python perf/seed_spread.py --out /tmp/seeds [--seeds 0 1 2] [--config configs/demo.yaml] [--set KEY=VALUE]

Every `--set` is passed to each run (`--set train.overrides.unanswerable_fraction=0.3`). The runs go one after
another: they serve the sample site on the same port.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cazton_llm.errors import UserError, exit_on_user_error

REPO = Path(__file__).resolve().parents[1]


def figures(results: dict) -> dict[str, float]:
    """Issue 19's figures from a benchmark's results.json (its first model is the finetuned one)."""
    metrics, visitor = results["metrics"], results.get("visitor")
    missing = [mode for mode in ("retrieved", "oracle", "follow-up") if mode not in metrics]
    if missing or not visitor:
        raise UserError(
            f"the benchmark has no {', '.join(missing) or 'visitor questions'}: give a config whose benchmark runs "
            "the retrieved, oracle and follow-up modes and visitor_questions (configs/demo.yaml does)"
        )
    model = next(iter(results["models"]))
    base = next((name for name in results["models"] if name != model and name in metrics["retrieved"]), None)
    retrieved = metrics["retrieved"][model]["rouge_l"]
    follow_up = metrics["follow-up"][model]
    answered = visitor["questions"] - visitor["not_answered_by_the_site"]
    return {
        "retrieved ROUGE-L": retrieved["mean"],
        "retrieved CI low": retrieved["low"],
        "base retrieved ROUGE-L": metrics["retrieved"][base]["rouge_l"]["mean"] if base else float("nan"),
        "retrieved / oracle": retrieved["mean"] / metrics["oracle"][model]["rouge_l"]["mean"],
        "follow-up / retrieved": follow_up["rouge_l"]["mean"] / retrieved["mean"],
        "follow-up copies": round(follow_up["copies_previous"]["mean"] * results["questions"], 6),
        "visitor unanswered turned away": round(visitor["abstention"] * visitor["not_answered_by_the_site"], 6),
        "visitor answered turned away": round(visitor["false_abstention"] * answered, 6),
        "visitor answers ROUGE-L": visitor["answerable_scores"]["rouge_l"]["mean"],
        "clean stop, lowest mode": min(metrics[mode][model]["clean_stop"]["mean"] for mode in metrics),
    }


def run_seed(config: Path, out: Path, seed: int, settings: list[str]) -> dict[str, float]:
    """The pipeline for one seed in `out`/seed-N (reused when complete), then its figures."""
    run_dir = out / f"seed-{seed}"
    command = [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--no-serve"]
    for setting in [f"run_dir={run_dir}", f"train.overrides.seed={seed}", *settings]:
        command += ["--set", setting]
    print(f"seed {seed}: {' '.join(command[1:])}", flush=True)
    if subprocess.run(command, cwd=REPO, check=False).returncode != 0:
        raise UserError(f"the pipeline for seed {seed} failed (its error is above); fix it and run this again")
    return figures(read_results(run_dir / "benchmark" / "results.json"))


def read_results(path: Path) -> dict:
    """A benchmark's results.json; one that is damaged (cut short, not an object) is an error that says what to do."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{path} cannot be read ({error}): delete its run folder and run this again") from None
    if not isinstance(results, dict) or "metrics" not in results:
        raise UserError(f"{path} holds no benchmark results: delete its run folder and run this again")
    return results


def spread_table(by_seed: dict[int, dict[str, float]]) -> list[str]:
    """A Markdown table: each figure per seed, then its lowest and highest."""
    seeds = list(by_seed)
    lines = [
        "| figure | " + " | ".join(f"seed {seed}" for seed in seeds) + " | lowest | highest |",
        "|---" * (len(seeds) + 3) + "|",
    ]
    for name in next(iter(by_seed.values())):
        values = [by_seed[seed][name] for seed in seeds]
        cells = [f"{value:.3g}" for value in [*values, min(values), max(values)]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


@exit_on_user_error
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the run folders, one per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "demo.yaml")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds) or len(set(args.seeds)) != len(args.seeds):
        raise UserError(f"--seeds {' '.join(map(str, args.seeds))}: give distinct seeds, 0 or more")
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} is a file: give a folder for the run folders")
    if not args.config.is_file():
        raise UserError(f"--config {args.config} not found: give a pipeline config (configs/demo.yaml)")
    by_seed = {seed: run_seed(args.config.resolve(), args.out.resolve(), seed, args.settings) for seed in args.seeds}
    print("\n".join(spread_table(by_seed)))


if __name__ == "__main__":
    main()

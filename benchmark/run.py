"""`run_benchmark`: answer the held-out questions with every model, score, judge and report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmark.generation import answer_questions
from benchmark.judge import Judge, pairwise_results
from benchmark.metrics import per_answer_metrics, summarize
from benchmark.report import write_report
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.errors import UserError
from cazton_llm.model_loading import ModelSpec

TABLE_METRICS = (
    "rouge_l",
    "semantic_similarity",
    "faithfulness",
    "clean_stop",
    "words_after_reference",
    "tokens_per_s",
)


@dataclass
class BenchmarkConfig:
    dataset: str
    out_dir: Path
    models: dict[str, str] = field(default_factory=dict)  # name -> BASE, BASE+ADAPTER, with optional @revision
    split: str = "test"
    grounded: bool = False
    judge: str | None = None  # "openai:MODEL"
    limit: int | None = None
    max_new_tokens: int = 128
    batch_size: int = 8
    seed: int = 0
    company: str = "the company"

    def validate(self) -> None:
        if not self.models:
            raise UserError("no models: pass --model NAME=SPEC at least once")
        for spec in self.models.values():
            parsed = ModelSpec.parse(spec)
            parsed.base.check()
            if parsed.adapter:
                parsed.adapter.check()


def print_table(summary: dict) -> None:
    table = Table(title="benchmark (mean, 95% CI)")
    table.add_column("model")
    for name in TABLE_METRICS:
        table.add_column(name.replace("_", " "), justify="right")
    for model, metrics in summary.items():
        table.add_row(
            model,
            *(f"{metrics[n]['mean']:.3f} ±{(metrics[n]['high'] - metrics[n]['low']) / 2:.3f}" for n in TABLE_METRICS),
        )
    Console().print(table)


def run_benchmark(config: BenchmarkConfig) -> dict:
    config.validate()
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = load_qa_dataset(config.dataset, split=config.split)
    rows = list(dataset)[: config.limit] if config.limit else list(dataset)
    if not rows:
        raise UserError(f"split {config.split!r} of {config.dataset} has no questions")
    answers = {
        name: answer_questions(name, spec, rows, config, out_dir / "answers.jsonl")
        for name, spec in config.models.items()
    }
    per_answer = {name: per_answer_metrics(rows, model_answers) for name, model_answers in answers.items()}
    judge = Judge(config.judge, out_dir / "judge_cache") if config.judge else None
    if judge:
        for name, model_answers in answers.items():
            per_answer[name]["judge_faithfulness"] = [
                judge.faithfulness(row["passage"], answer["answer"])
                for row, answer in zip(rows, model_answers, strict=True)
            ]
    results = {
        "dataset": str(config.dataset),
        "split": config.split,
        "questions": len(rows),
        "models": config.models,
        "grounded": config.grounded,
        "max_new_tokens": config.max_new_tokens,
        "seed": config.seed,
        "metrics": {name: summarize(values, config.seed) for name, values in per_answer.items()},
        "stop_reasons": {
            name: dict(Counter(a["stop_reason"] for a in model_answers)) for name, model_answers in answers.items()
        },
        "pairwise": pairwise_results(judge, rows, answers) if judge and len(answers) > 1 else {},
    }
    write_report(out_dir, results, rows, answers, per_answer)
    print_table(results["metrics"])
    print(f"report: {out_dir / 'report.md'}")
    return results

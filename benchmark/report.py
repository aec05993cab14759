"""The benchmark report: report.md (model × metric table with 95% CIs, pairwise judge results,
five questions side by side), results.json, and plots (metrics bar chart with error bars,
answer length vs ROUGE-L)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmark.metrics import METRICS
from cazton_llm.atomic import atomic_path, write_json, write_text

PLOTTED = ("rouge_l", "semantic_similarity", "faithfulness", "clean_stop")
EXAMPLES = 5


def cell(stats: dict) -> str:
    return f"{stats['mean']:.3f} [{stats['low']:.3f}, {stats['high']:.3f}]"


def metrics_table(summary: dict) -> list[str]:
    names = [name for name in METRICS if any(name in metrics for metrics in summary.values())]
    if any("judge_faithfulness" in metrics for metrics in summary.values()):
        names.append("judge_faithfulness")
    lines = ["| model | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for model, metrics in summary.items():
        lines.append(
            f"| {model} | " + " | ".join(cell(metrics[name]) if name in metrics else "–" for name in names) + " |"
        )
    return lines


def render_markdown(results: dict, rows: list[dict], answers: dict[str, list[dict]]) -> str:
    lines = [
        f"# Benchmark: {', '.join(results['models'])}",
        "",
        f"{results['questions']} held-out questions from `{results['dataset']}` (split `{results['split']}`), "
        f"greedy decoding, at most {results['max_new_tokens']} new tokens, seed {results['seed']}"
        + (", source passage in the prompt (grounded)" if results["grounded"] else "")
        + ". Cells: mean [95% bootstrap CI].",
        "",
        *metrics_table(results["metrics"]),
        "",
        "Stop reasons: " + "; ".join(f"{model}: {counts}" for model, counts in results["stop_reasons"].items()),
        "",
    ]
    if results.get("pairwise"):
        lines += [
            "## Pairwise LLM judge",
            "",
            "| pair | wins | losses | ties | win rate | length-controlled |",
            "|---|---|---|---|---|---|",
        ]
        for pair, outcome in results["pairwise"].items():
            lines.append(
                f"| {pair} | {outcome['wins']} | {outcome['losses']} | {outcome['ties']} | "
                f"{outcome['win_rate']:.3f} | {outcome['length_controlled_win_rate']:.3f} |"
            )
        lines.append("")
    lines += ["## Examples", ""]
    for index, row in enumerate(rows[:EXAMPLES]):
        lines += [f"**Q: {row['question']}**", "", f"- reference: {row['answer']}"]
        lines += [f"- {model}: {answers[model][index]['answer'] or '(empty)'}" for model in answers]
        lines.append("")
    lines += ["![metrics](metrics.png)", "", "![length vs ROUGE-L](length_vs_score.png)", ""]
    return "\n".join(lines)


def plot_metrics(summary: dict, out_path: Path) -> None:
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=120)
    width = 0.8 / max(1, len(summary))
    for offset, (model, metrics) in enumerate(summary.items()):
        means = [metrics[name]["mean"] for name in PLOTTED]
        errors = [
            [m - metrics[name]["low"] for m, name in zip(means, PLOTTED, strict=True)],
            [metrics[name]["high"] - m for m, name in zip(means, PLOTTED, strict=True)],
        ]
        positions = [index + offset * width for index in range(len(PLOTTED))]
        axes.bar(positions, means, width, yerr=errors, capsize=3, label=model)
    axes.set_xticks([index + width * (len(summary) - 1) / 2 for index in range(len(PLOTTED))])
    axes.set_xticklabels([name.replace("_", " ") for name in PLOTTED])
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("mean (95% CI)")
    axes.set_title("Answer quality on held-out questions")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    with atomic_path(out_path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


def plot_length_vs_score(per_answer: dict[str, dict[str, list[float]]], out_path: Path) -> None:
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for model, values in per_answer.items():
        axes.scatter(values["answer_words"], values["rouge_l"], label=model, alpha=0.7, s=18)
    axes.set_xlabel("answer length (words)")
    axes.set_ylabel("ROUGE-L F1")
    axes.set_title("Answer length vs score")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(out_path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


def write_report(out_dir: Path, results: dict, rows, answers, per_answer) -> None:
    write_json(out_dir / "results.json", results)
    plot_metrics(results["metrics"], out_dir / "metrics.png")
    plot_length_vs_score(per_answer, out_dir / "length_vs_score.png")
    write_text(out_dir / "report.md", render_markdown(results, rows, answers))

"""The benchmark report: report.md (per prompt mode, a model × metric table with 95% CIs and pairwise
judge results; then questions with every model's answers side by side), results.json, and plots
(metrics bar chart with error bars, answer length vs ROUGE-L, one panel per prompt mode)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmark.metrics import METRICS
from benchmark.retrieval_scores import RETRIEVAL_METRICS, SUPPORTED
from cazton_llm.atomic import atomic_path, write_json, write_text

PLOTTED = ("rouge_l", "semantic_similarity", "faithfulness", "clean_stop")
EXAMPLES = 3


def cell(stats: dict) -> str:
    if stats["mean"] is None:
        return "n/a"  # the report's notes say why
    return f"{stats['mean']:.3f} [{stats['low']:.3f}, {stats['high']:.3f}]"


def metrics_table(summary: dict) -> list[str]:
    names = [name for name in METRICS if any(name in metrics for metrics in summary.values())]
    for extra in ("copies_previous", "copies_previous_wrongly", "judge_faithfulness"):
        if any(extra in metrics for metrics in summary.values()):
            names.append(extra)
    lines = ["| model | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for model, metrics in summary.items():
        lines.append(
            f"| {model} | " + " | ".join(cell(metrics[name]) if name in metrics else "–" for name in names) + " |"
        )
    return lines


def one_line(text: str) -> str:
    """An answer as a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|") or "(empty)"


def retrieval_section(results: dict) -> list[str]:
    lines = [
        "## Retrieval",
        "",
        f"What the chat's retrieval finds for each question (the prompt gets the best {results['context_passages']} "
        f"passage(s), then the rest of their pages and the next best while the passages fit "
        f"{results['context_chars']} characters). hit@k: a passage of a page that answers it among the first k; "
        f"support: the prompt's passages hold at least {SUPPORTED:.0%} of the reference answer's content words.",
        "",
        "| questions | n | " + " | ".join(RETRIEVAL_METRICS) + " | ms per question |",
        "|---" * (len(RETRIEVAL_METRICS) + 3) + "|",
    ]
    for name, scores in results["retrieval"].items():
        values = " | ".join("n/a" if scores[m] is None else f"{scores[m]:.3f}" for m in RETRIEVAL_METRICS)
        lines.append(f"| {name} | {scores['questions']} | {values} | {scores['ms_per_question']:.1f} |")
    return [*lines, ""]


def visitor_section(results: dict) -> list[str]:
    visitor = results.get("visitor")
    if not visitor:
        return []
    share = lambda value: "n/a" if value is None else f"{value:.2f}"  # noqa: E731
    lines = [
        "## Visitor questions",
        "",
        f"{visitor['model']} answers the {visitor['questions']} visitor questions on the chat's path (follow-ups after "
        f"their question). Of the {visitor['not_answered_by_the_site']} the site does not answer, a share of "
        f'{share(visitor["abstention"])} get "the website does not say" (abstention); of those it answers, '
        f"{share(visitor['false_abstention'])} (false abstention). Clean stops: {share(visitor['clean_stop'])}. "
        f"{visitor['abstained_without_generation']} were answered without generating: no passage came closer to the "
        f"question than the relevance threshold ({share(visitor['abstention_threshold'])}, MiniLM cosine).",
        "",
        *answerable_scores_lines(visitor),
        "| question the site does not answer | answer |",
        "|---|---|",
    ]
    lines += [f"| {one_line(e['question'])} | {one_line(e['answer'])} |" for e in visitor["examples"]]
    return [*lines, ""]


def answerable_scores_lines(visitor: dict) -> list[str]:
    """How close the answers to the visitor questions the site answers come to their reference answers."""
    scores = visitor.get("answerable_scores")
    if not scores:
        return []
    cells = [f"{name}: {cell(stats)}" for name, stats in scores.items()]
    return [
        f"Its answers to the {visitor['questions'] - visitor['not_answered_by_the_site']} questions the site answers, "
        f"against their reference answers (abstentions included): {'; '.join(cells)}. These questions are asked as "
        "visitors ask them; the held-out questions below are the generator's.",
        "",
    ]


def ceilings_not_held(metrics: dict) -> dict[str, str]:
    """Per model whose `oracle` ROUGE-L mean is below its `retrieved` one, what that says: the easier prompt
    did not give the better answers, so it bounds nothing for that model."""
    retrieved, oracle = metrics.get("retrieved", {}), metrics.get("oracle", {})
    return {
        model: f"`oracle` ROUGE-L {oracle[model]['rouge_l']['mean']:.3f} is below `retrieved` "
        f"{retrieved[model]['rouge_l']['mean']:.3f}: for this model it is no ceiling"
        for model in oracle
        if model in retrieved and oracle[model]["rouge_l"]["mean"] < retrieved[model]["rouge_l"]["mean"]
    }


def mode_section(results: dict, mode: str) -> list[str]:
    lines = [
        f"## {mode}",
        "",
        f"Prompt: {results['mode_meanings'][mode]}.",
        "",
        *metrics_table(results["metrics"][mode]),
        "",
    ]
    lines += ["Stop reasons: " + "; ".join(f"{m}: {c}" for m, c in results["stop_reasons"][mode].items()), ""]
    if results["pairwise"].get(mode):
        lines += [
            "Pairwise LLM judge:",
            "",
            "| pair | wins | losses | ties | win rate | length-controlled |",
            "|---|---|---|---|---|---|",
        ]
        for pair, outcome in results["pairwise"][mode].items():
            lines.append(
                f"| {pair} | {outcome['wins']} | {outcome['losses']} | {outcome['ties']} | "
                f"{outcome['win_rate']:.3f} | {outcome['length_controlled_win_rate']:.3f} |"
            )
        lines.append("")
    return lines


def examples_section(results: dict, rows: list[dict], answers: dict[str, dict[str, list[dict]]]) -> list[str]:
    modes = results["modes"]
    lines = ["## Answers side by side", ""]
    for index, row in enumerate(rows[:EXAMPLES]):
        lines += [f"**Q: {row['question']}**", "", f"Reference: {row['answer']}", ""]
        lines += ["| model | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
        for model in results["models"]:
            cells = [
                one_line(answers[mode][model][index]["answer"]) if model in answers[mode] else "–" for mode in modes
            ]
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def render_markdown(results: dict, rows: list[dict], answers: dict[str, dict[str, list[dict]]]) -> str:
    decoding = results["decoding"]
    lines = [
        f"# Benchmark: {', '.join(results['models'])}",
        "",
        f"{results['questions']} held-out questions from `{results['dataset']}` (split `{results['split']}`), "
        f"prompted {', '.join(results['modes'])} (below), decoded as the Space decodes (greedy, at most "
        f"{decoding['max_new_tokens']} new tokens, repetition penalty {decoding['repetition_penalty']}), "
        f"seed {results['seed']}. Cells: mean [95% bootstrap CI].",
        "",
        *(f"Note: {note}." for note in results["notes"]),
        *([""] if results["notes"] else []),
    ]
    lines += [f"- **{mode}**: {meaning}." for mode, meaning in results["mode_meanings"].items()]
    if "oracle" in results["modes"]:
        lines += ["", "`oracle` is a ceiling, not what visitors get; `retrieved` is the chat's own answer path."]
        lines += [f"{model}: {note}." for model, note in ceilings_not_held(results["metrics"]).items()]
    lines += ["", *retrieval_section(results), *visitor_section(results)]
    for mode in results["modes"]:
        lines += mode_section(results, mode)
    lines += examples_section(results, rows, answers)
    lines += ["![metrics](metrics.png)", "", "![length vs ROUGE-L](length_vs_score.png)", ""]
    return "\n".join(lines)


def plot_metrics(metrics: dict[str, dict], out_path: Path) -> None:
    figure, panels = plt.subplots(1, len(metrics), figsize=(7 * len(metrics), 4.5), dpi=120, squeeze=False)
    for axes, (mode, summary) in zip(panels[0], metrics.items(), strict=True):
        width = 0.8 / max(1, len(summary))
        for offset, (model, stats) in enumerate(summary.items()):
            # a metric that could not be computed (None) is left out of the panel: NaN draws no bar
            means, lows, highs = (
                [float("nan") if stats[name][key] is None else stats[name][key] for name in PLOTTED]
                for key in ("mean", "low", "high")
            )
            errors = [
                [m - low for m, low in zip(means, lows, strict=True)],
                [high - m for m, high in zip(means, highs, strict=True)],
            ]
            positions = [index + offset * width for index in range(len(PLOTTED))]
            axes.bar(positions, means, width, yerr=errors, capsize=3, label=model)
        axes.set_xticks([index + width * (len(summary) - 1) / 2 for index in range(len(PLOTTED))])
        axes.set_xticklabels([name.replace("_", " ") for name in PLOTTED])
        axes.set_ylim(0, 1.05)
        axes.set_ylabel("mean (95% CI)")
        axes.set_title(f"Answer quality on held-out questions: {mode}")
        axes.legend()
        axes.grid(axis="y", alpha=0.3)
    save_figure(figure, out_path)


def plot_length_vs_score(per_answer: dict[str, dict[str, dict[str, list[float]]]], out_path: Path) -> None:
    figure, panels = plt.subplots(1, len(per_answer), figsize=(6 * len(per_answer), 4.5), dpi=120, squeeze=False)
    for axes, (mode, by_model) in zip(panels[0], per_answer.items(), strict=True):
        for model, values in by_model.items():
            axes.scatter(values["answer_words"], values["rouge_l"], label=model, alpha=0.7, s=18)
        axes.set_xlabel("answer length (words)")
        axes.set_ylabel("ROUGE-L F1")
        axes.set_title(f"Answer length vs score: {mode}")
        axes.legend()
        axes.grid(alpha=0.3)
    save_figure(figure, out_path)


def save_figure(figure, out_path: Path) -> None:
    figure.tight_layout()
    with atomic_path(out_path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


def write_report(out_dir: Path, results: dict, rows, answers, per_answer) -> None:
    write_json(out_dir / "results.json", results)
    plot_metrics(results["metrics"], out_dir / "metrics.png")
    plot_length_vs_score(per_answer, out_dir / "length_vs_score.png")
    write_text(out_dir / "report.md", render_markdown(results, rows, answers))

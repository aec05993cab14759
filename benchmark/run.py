"""`run_benchmark`: answer the held-out questions with every model, score, judge and report."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from benchmark.config import MODE_MEANINGS, BenchmarkConfig
from benchmark.generation import answer_questions
from benchmark.judge import Judge, pairwise_results
from benchmark.metrics import (
    answerable_scores,
    copies_previous,
    copies_previous_wrongly,
    per_answer_metrics,
    rouge_l_to_previous,
    summarize,
)
from benchmark.model_card import read_model_card, update_model_card
from benchmark.report import write_report
from benchmark.retrieval_scores import (
    held_out_cases,
    read_visitor_questions,
    score_retrieval,
    visitor_cases,
    visitor_rows,
)
from cazton_llm.abstention import is_abstention
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.errors import UserError
from cazton_llm.retrieval import load_knowledge
from cazton_llm.stopping import ABSTAINED, RAN_ON

TABLE_METRICS = (
    "rouge_l",
    "semantic_similarity",
    "faithfulness",
    "clean_stop",
    "words_after_reference",
    "tokens_per_s",
)


def print_table(summary: dict, mode: str) -> None:
    table = Table(title=f"benchmark, {mode} (mean, 95% CI)")
    table.add_column("model")
    for name in TABLE_METRICS:
        table.add_column(name.replace("_", " "), justify="right")
    for model, metrics in summary.items():
        table.add_row(model, *(mean_and_margin(metrics[name]) for name in TABLE_METRICS))
    Console().print(table)


def mean_and_margin(stats: dict) -> str:
    if stats["mean"] is None:
        return "n/a"
    return f"{stats['mean']:.3f} ±{(stats['high'] - stats['low']) / 2:.3f}"


def passage_notes(rows: list[dict]) -> list[str]:
    """What the report must say about faithfulness when questions lack the source passage it is measured on."""
    without = sum(1 for row in rows if not row["passage"])
    if not without:
        return []
    if without == len(rows):
        return [
            "faithfulness is n/a: no question of this dataset has a source passage (pairs imported from the original "
            "CSV have none), so answers cannot be checked against one"
        ]
    return [f"faithfulness is measured on the {len(rows) - without} of {len(rows)} questions with a source passage"]


def run_benchmark(config: BenchmarkConfig) -> dict:
    """Answer, score and report (and put the results on an adapter's card when asked); returns the results."""
    for spec in config.models.values():
        spec.check()  # local folders exist and hold readable weights, before the dataset is loaded
    out_dir = config.out
    # The judge's spec and API key are checked before any model answers, not after every answer was made.
    judge = Judge(config.judge, out_dir / "judge_cache") if config.judge else None
    # Read whole before the dataset and any model load: a bad line is named at once.
    visitors = read_visitor_questions(config.visitor_questions) if config.visitor_questions else None
    if config.update_model_card:
        read_model_card(config.update_model_card)  # a damaged card is named now, not after every answer was made
    dataset = load_qa_dataset(config.dataset, split=config.split)
    rows = list(dataset)[: config.limit] if config.limit else list(dataset)
    if not rows:
        raise UserError(f"split {config.split!r} of {config.dataset} has no questions")
    if "oracle" in config.modes and not any(row["passage"] for row in rows):
        raise UserError(
            f"--modes oracle puts each question's source passage in the prompt, and no question of "
            f"{config.dataset} has one (pairs imported from CSV have none): leave oracle out"
        )
    knowledge = load_knowledge(config.dataset, company=config.company)
    retrieval = {
        "held-out": score_retrieval(knowledge, held_out_cases(rows)),
        "held-out, after the previous one": score_retrieval(knowledge, held_out_cases(rows, after_previous=True)),
    }
    if visitors is not None:
        retrieval["visitor"] = score_retrieval(knowledge, visitor_cases(visitors))
    by_model = {
        name: answer_questions(
            name, spec, rows, config, out_dir / "answers.jsonl", knowledge, modes=config.modes_of(name)
        )
        for name, spec in config.models.items()
    }
    visitor = answer_visitors(config, visitors, knowledge) if visitors is not None else None
    # mode -> model -> one answer per row (the models prompted in that mode)
    answers = {mode: {name: given[mode] for name, given in by_model.items() if mode in given} for mode in config.modes}
    per_answer = {mode: score_answers(rows, answers[mode], judge) for mode in config.modes}
    for name, values in per_answer.get("follow-up", {}).items():
        to_previous = rouge_l_to_previous(answers["retrieved"][name], answers["follow-up"][name])
        values["copies_previous"] = copies_previous(to_previous)
        values["copies_previous_wrongly"] = copies_previous_wrongly(to_previous, values["rouge_l"])
    results = {
        "dataset": str(config.dataset),
        "split": config.split,
        "questions": len(rows),
        "models": {name: str(spec) for name, spec in config.models.items()},
        "modes": list(config.modes),
        "mode_meanings": {mode: MODE_MEANINGS[mode] for mode in config.modes},
        "retrieval": retrieval,
        "visitor": visitor,
        "context_passages": knowledge.context_passages,
        "context_chars": knowledge.context_chars,
        "abstention_threshold": knowledge.min_relevance,
        "decoding": asdict(config.decoding),
        "seed": config.seed,
        "company": config.company,
        "notes": passage_notes(rows),
        "metrics": {
            mode: {name: summarize(values, config.seed) for name, values in per_answer[mode].items()}
            for mode in config.modes
        },
        "stop_reasons": {
            mode: {name: dict(Counter(a["stop_reason"] for a in given)) for name, given in by_mode.items()}
            for mode, by_mode in answers.items()
        },
        "pairwise": {
            mode: pairwise_results(judge, rows, answers[mode]) if judge and len(config.models) > 1 else {}
            for mode in config.modes
        },
    }
    write_report(out_dir, results, rows, answers, per_answer)
    for mode in config.modes:
        print_table(results["metrics"][mode], mode)
    print(f"report: {out_dir / 'report.md'}")
    if config.update_model_card:
        update_model_card(config.update_model_card, config.card_model, results)
        print(f"model card updated: {config.update_model_card / 'README.md'}")
    return results


def answer_visitors(config: BenchmarkConfig, visitors, knowledge) -> dict:
    """The first model answers the visitor set on the chat's path: how often it says the site does not say,
    on the questions the site does not answer (abstention) and on those it does (false abstention), and how close
    its answers to those it does answer come to their reference answers (questions as visitors ask them, where the
    held-out ones are the generator's)."""
    name, spec = next(iter(config.models.items()))
    rows = visitor_rows(visitors)
    answers = answer_questions(name, spec, rows, config, config.out / "answers.jsonl", knowledge, modes=["retrieved"])[
        "retrieved"
    ]
    abstained = [is_abstention(answer["answer"]) for answer in answers]
    unanswerable = [said for said, row in zip(abstained, rows, strict=True) if not row["answerable"]]
    answerable = [said for said, row in zip(abstained, rows, strict=True) if row["answerable"]]
    return {
        "model": name,
        "questions": len(rows),
        "not_answered_by_the_site": len(unanswerable),
        "abstention": sum(unanswerable) / len(unanswerable) if unanswerable else None,
        "false_abstention": sum(answerable) / len(answerable) if answerable else None,
        "clean_stop": sum(answer["stop_reason"] not in RAN_ON for answer in answers) / len(answers),
        # Of those, how many the chat's relevance gate answered without generating (Knowledge.answers)
        "abstained_without_generation": sum(answer["stop_reason"] == ABSTAINED for answer in answers),
        "abstention_threshold": knowledge.min_relevance,
        "answerable_scores": answerable_scores(rows, answers, config.seed),
        "examples": [
            {"question": row["question"], "answerable": row["answerable"], "answer": answer["answer"]}
            for row, answer in zip(rows, answers, strict=True)
            if not row["answerable"]
        ][:4],
    }


def score_answers(rows: list[dict], answers: dict[str, list[dict]], judge: Judge | None) -> dict[str, dict]:
    """model -> metric -> one value per row (plus the judge's faithfulness when there is a judge)."""
    per_answer = {name: per_answer_metrics(rows, model_answers) for name, model_answers in answers.items()}
    if judge:
        for name, model_answers in answers.items():
            per_answer[name]["judge_faithfulness"] = [
                judge.faithfulness(row["passage"], answer["answer"]) if row["passage"] else None
                for row, answer in zip(rows, model_answers, strict=True)
            ]
    return per_answer

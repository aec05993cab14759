"""Retrieval choices measured on the held-out questions and the visitor question set: hit@1, hit@3, MRR@10
and support (the prompt's passages hold the reference answer) for each way of indexing and querying, with
its cost per question. The first row is the Space before the `passages` config (BM25 over the passages that
kept a QA pair, title + text, no stemming); the chosen settings are `cazton_llm.retrieval`'s defaults.

    python perf/retrieval.py [--dataset outputs/demo/dataset] [--visitor-questions FILE]

Without a built dataset folder, one is built from the fixture pages with the offline generator.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_model import DEMO_COMPANY

from benchmark.retrieval_scores import (
    RETRIEVAL_METRICS,
    held_out_cases,
    read_visitor_questions,
    score_retrieval,
    visitor_cases,
)
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.retrieval import Knowledge, PassageIndex, load_knowledge, qa_passages, query_embedding

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "data"
BASIC = ("title", "passage")
ALL = ("title", "heading", "path", "passage", "questions")


@dataclass(frozen=True)
class Variant:
    """One way of indexing and querying (by default: every crawled passage by all its fields, stemmed, BM25 fused
    with MiniLM at equal weights, 2 passages in the prompt, follow-ups searched with the previous question)."""

    name: str
    passages: str = "all"  # every crawled passage, or "qa": only those that kept a QA pair
    fields: tuple[str, ...] = ALL
    stemmed: bool = True
    dense: bool = True
    context_passages: int = 2
    with_history: bool = True  # follow-ups also searched with the previous question
    dense_weight: float = 1.0
    context_chars: int = 0  # room for more passages after the chosen ones (0: none)
    fills_with_pages: bool = True  # the rest of the chosen passages' pages first, then the next best


VARIANTS = [
    Variant("before: QA passages, title+text", "qa", BASIC, False, False, 1, False),
    Variant("every crawled passage", "all", BASIC, False, False, 1, False),
    Variant("+ heading and URL path", "all", ALL[:4], False, False, 1, False),
    Variant("+ generated questions (doc2query)", "all", ALL, False, False, 1, False),
    Variant("+ stemming", "all", ALL, True, False, 1, False),
    Variant("+ follow-ups also searched with the previous question", dense=False, context_passages=1),
    Variant("+ 2 passages in the prompt", dense=False),
    Variant("+ 3 passages in the prompt", dense=False, context_passages=3),
    Variant("+ MiniLM fused (RRF), 1 passage", context_passages=1),
    Variant("+ MiniLM fused (RRF), 2 passages"),
    Variant("+ MiniLM fused (RRF), 3 passages", context_passages=3),
    Variant("MiniLM fused, no stemming, 2 passages", stemmed=False),
    Variant("MiniLM weighted x1.5 in the fusion, 2 passages", dense_weight=1.5),
    Variant("MiniLM weighted x2 in the fusion, 2 passages", dense_weight=2.0),
    Variant("MiniLM weighted x3 in the fusion, 2 passages", dense_weight=3.0),
    Variant("MiniLM x2, 3 passages", context_passages=3, dense_weight=2.0),
    Variant(
        "MiniLM x2, 2 passages + the next best, up to 1800 chars",
        dense_weight=2.0,
        context_chars=1800,
        fills_with_pages=False,
    ),
    Variant(
        "MiniLM x2, 2 passages + their pages, then the next best, up to 900 chars", dense_weight=2.0, context_chars=900
    ),
    Variant(
        "MiniLM x2, 2 passages + their pages, then the next best, up to 1800 chars",
        dense_weight=2.0,
        context_chars=1800,
    ),
    Variant("MiniLM x1, 2 passages + their pages, then the next best, up to 1800 chars", context_chars=1800),
]


def demo_like_dataset(work: Path) -> Path:
    """The offline chain on the fixture pages: generate → clean → build (with the passages config)."""
    from dataset_builder.build import build_dataset
    from dataset_builder.clean import clean_qa
    from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig
    from dataset_builder.generate import generate_qa

    pages = FIXTURES / "pages.jsonl"
    generate_qa(GenerateConfig(pages=pages, out=work / "generated.jsonl", generator="offline"))
    clean = CleanConfig(qa=work / "generated.jsonl", out=work / "clean.jsonl")
    clean_qa(clean)
    build_dataset(BuildConfig(qa=clean.out, pages=pages, out=work / "dataset", clean_report=clean.report))
    return work / "dataset"


def variant_knowledge(knowledge: Knowledge, sources, variant: Variant) -> tuple[Knowledge, float]:
    started = time.perf_counter()
    index = PassageIndex(sources, variant.fields, variant.stemmed, variant.dense, variant.dense_weight)
    build_ms = 1000 * (time.perf_counter() - started)
    chosen = replace(
        knowledge,
        index=index,
        context_passages=variant.context_passages,
        searches_with_history=variant.with_history,
        context_chars=variant.context_chars,
        fills_with_pages=variant.fills_with_pages,
    )
    return chosen, build_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=REPO / "outputs" / "demo" / "dataset")
    parser.add_argument("--visitor-questions", type=Path, default=FIXTURES / "visitor_questions.jsonl")
    parser.add_argument(
        "--company", default=DEMO_COMPANY, help="the company the site is about: its name is no topic to search for"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        dataset = args.dataset if (args.dataset / "README.md").is_file() else demo_like_dataset(Path(work))
        knowledge = load_knowledge(str(dataset), company=args.company)
        splits = load_qa_dataset(dataset)
        qa_sources = [replace(s, questions=()) for s in qa_passages(splits).values()]
        sets = {
            "held-out": held_out_cases(list(splits["test"])),
            "after previous": held_out_cases(list(splits["test"]), after_previous=True),
            "visitor": visitor_cases(read_visitor_questions(args.visitor_questions)),
        }
        print(f"dataset: {dataset}; {len(knowledge.index.sources)} passages ({len(qa_sources)} with QA pairs)")
        print(", ".join(f"{name}: {len(cases)} questions" for name, cases in sets.items()))
        header = " | ".join(f"{name} {metric}" for name in sets for metric in RETRIEVAL_METRICS)
        print(f"| retrieval | {header} | ms per question | index build ms | visitor prompt passage chars |")
        baseline = None
        for variant in VARIANTS:
            sources = qa_sources if variant.passages == "qa" else knowledge.index.sources
            chosen, build_ms = variant_knowledge(knowledge, sources, variant)
            query_embedding.cache_clear()  # each variant pays for embedding its questions, as a chat turn does
            scores = {name: score_retrieval(chosen, cases) for name, cases in sets.items()}
            baseline = baseline or scores
            cells = " | ".join(f"{scores[name][metric]:.2f}" for name in sets for metric in RETRIEVAL_METRICS)
            ms = max(scores[name]["ms_per_question"] for name in sets)
            chars = scores["visitor"]["context_chars"]
            print(f"| {variant.name} | {cells} | {ms:.1f} | {build_ms:.0f} | {chars:.0f} |")
        print(
            "support@1 against the first row (same run):",
            ", ".join(f"{name} x{scores[name]['support'] / max(baseline[name]['support'], 1e-9):.2f}" for name in sets),
        )


if __name__ == "__main__":
    main()

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
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.retrieval_scores import (
    RETRIEVAL_METRICS,
    held_out_cases,
    read_visitor_questions,
    score_retrieval,
    visitor_cases,
)
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.retrieval import Knowledge, PassageIndex, load_knowledge, qa_passages

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "data"
BASIC = ("title", "passage")
ALL = ("title", "heading", "path", "passage", "questions")
# (name, passages: all or qa, index fields, stemmed, dense, passages in the prompt, follow-ups searched with history)
VARIANTS = [
    ("before: QA passages, title+text", "qa", BASIC, False, False, 1, False),
    ("every crawled passage", "all", BASIC, False, False, 1, False),
    ("+ heading and URL path", "all", ALL[:4], False, False, 1, False),
    ("+ generated questions (doc2query)", "all", ALL, False, False, 1, False),
    ("+ stemming", "all", ALL, True, False, 1, False),
    ("+ follow-ups also searched with the previous question", "all", ALL, True, False, 1, True),
    ("+ 2 passages in the prompt", "all", ALL, True, False, 2, True),
    ("+ 3 passages in the prompt", "all", ALL, True, False, 3, True),
    ("+ MiniLM fused (RRF), 1 passage", "all", ALL, True, True, 1, True),
    ("+ MiniLM fused (RRF), 2 passages", "all", ALL, True, True, 2, True),
    ("+ MiniLM fused (RRF), 3 passages", "all", ALL, True, True, 3, True),
    ("MiniLM fused, no stemming, 2 passages", "all", ALL, False, True, 2, True),
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


def variant_knowledge(knowledge: Knowledge, qa_sources, variant) -> Knowledge:
    _, passages, fields, stemmed, dense, context, with_history = variant
    sources = qa_sources if passages == "qa" else knowledge.index.sources
    started = time.perf_counter()
    index = PassageIndex(sources, fields, stemmed, dense)
    build_ms = 1000 * (time.perf_counter() - started)
    return replace(knowledge, index=index, context_passages=context, searches_with_history=with_history), build_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=REPO / "outputs" / "demo" / "dataset")
    parser.add_argument("--visitor-questions", type=Path, default=FIXTURES / "visitor_questions.jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        dataset = args.dataset if (args.dataset / "README.md").is_file() else demo_like_dataset(Path(work))
        knowledge = load_knowledge(str(dataset))
        splits = load_qa_dataset(dataset)
        qa_sources = [replace(s, questions=()) for s in qa_passages(splits).values()]
        qa_sources_with_questions = list(qa_passages(splits).values())
        sets = {
            "held-out": held_out_cases(list(splits["test"])),
            "after previous": held_out_cases(list(splits["test"]), after_previous=True),
            "visitor": visitor_cases(read_visitor_questions(args.visitor_questions)),
        }
        print(f"dataset: {dataset}; {len(knowledge.index.sources)} passages ({len(qa_sources)} with QA pairs)")
        print(", ".join(f"{name}: {len(cases)} questions" for name, cases in sets.items()))
        header = " | ".join(f"{name} {metric}" for name in sets for metric in RETRIEVAL_METRICS)
        print(f"| retrieval | {header} | ms per question | index build ms |")
        baseline = None
        for variant in VARIANTS:
            sources = qa_sources if variant[1] == "qa" else qa_sources_with_questions
            chosen, build_ms = variant_knowledge(knowledge, sources, variant)
            scores = {name: score_retrieval(chosen, cases) for name, cases in sets.items()}
            baseline = baseline or scores
            cells = " | ".join(f"{scores[name][metric]:.2f}" for name in sets for metric in RETRIEVAL_METRICS)
            ms = max(scores[name]["ms_per_question"] for name in sets)
            print(f"| {variant[0]} | {cells} | {ms:.1f} | {build_ms:.0f} |")
        print(
            "support@1 against the first row (same run):",
            ", ".join(f"{name} x{scores[name]['support'] / max(baseline[name]['support'], 1e-9):.2f}" for name in sets),
        )


if __name__ == "__main__":
    main()

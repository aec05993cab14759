"""How well the chat's retrieval finds the answer, on the held-out questions and on a visitor question set:
for each question, the passages `Knowledge` ranks and the ones it puts into the prompt (`context_for`, with
the conversation so far for a follow-up). hit@1 and hit@3: a passage of a page that answers the question
among the first 1 or 3; MRR@10; support: the prompt's passages hold at least 80 % of the reference answer's
content words (the grounding score). Cost: milliseconds of retrieval per question, and characters of passages
in the prompt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cazton_llm.chat_prompt import context_text
from cazton_llm.grounding import grounding_score
from cazton_llm.input_files import read_jsonl
from cazton_llm.retrieval import Knowledge, retrieval_query

SUPPORTED = 0.8
RETRIEVAL_METRICS = ("hit@1", "hit@3", "mrr@10", "support")


@dataclass(frozen=True)
class VisitorQuestion:
    """One line of a visitor question set: `pages` (URLs or paths) answer it; a follow-up names its question."""

    id: str
    question: str
    pages: list[str]
    answer: str
    answerable: bool
    follow_up_of: str | None = None


@dataclass(frozen=True)
class RetrievalCase:
    question: str
    pages: tuple[str, ...]
    answer: str
    turns: tuple[dict, ...] = ()


def page_path(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path.removesuffix("index.html")


def answers_question(url: str, pages: tuple[str, ...]) -> bool:
    return page_path(url) in {page_path(page) for page in pages}


def held_out_cases(rows: list[dict], after_previous: bool = False) -> list[RetrievalCase]:
    """The held-out questions, alone or (`after_previous`) each asked after the one before it, as in the
    benchmark's follow-up mode (the first after the last)."""
    return [
        RetrievalCase(
            row["question"],
            (row["source_url"],),
            row["answer"],
            ({"role": "user", "content": rows[index - 1]["question"]},) if after_previous else (),
        )
        for index, row in enumerate(rows)
        if row["source_url"]
    ]


def read_visitor_questions(path: Path) -> list[VisitorQuestion]:
    return list(read_jsonl(path, VisitorQuestion, "visitor question"))


def visitor_turns(question: VisitorQuestion, by_id: dict[str, VisitorQuestion]) -> tuple[dict, ...]:
    """A follow-up is asked after the question it follows and that question's reference answer."""
    before = by_id.get(question.follow_up_of) if question.follow_up_of else None
    if before is None:
        return ()
    return ({"role": "user", "content": before.question}, {"role": "assistant", "content": before.answer})


def visitor_cases(questions: list[VisitorQuestion]) -> list[RetrievalCase]:
    """The answerable questions, follow-ups with their conversation."""
    by_id = {question.id: question for question in questions}
    return [
        RetrievalCase(question.question, tuple(question.pages), question.answer, visitor_turns(question, by_id))
        for question in questions
        if question.answerable
    ]


def visitor_rows(questions: list[VisitorQuestion]) -> list[dict]:
    """Every visitor question as a benchmark row answered on the chat's path (follow-ups with their turns)."""
    by_id = {question.id: question for question in questions}
    return [
        {
            "id": f"visitor/{question.id}",
            "question": question.question,
            "answer": question.answer,
            "answerable": question.answerable,
            "turns": list(visitor_turns(question, by_id)),
            "source_url": "",
            "source_title": "",
            "passage": "",
        }
        for question in questions
    ]


def score_retrieval(knowledge: Knowledge, cases: list[RetrievalCase]) -> dict:
    """The share of cases with each metric (MRR@10: the mean), the number of questions and ms per question."""
    totals = dict.fromkeys(RETRIEVAL_METRICS, 0.0)
    context_chars = 0
    started = time.perf_counter()
    for case in cases:
        query = retrieval_query(case.question, case.turns if knowledge.searches_with_history else ())
        ranked = knowledge.index.ranked(query)[:10]
        hits = [answers_question(knowledge.index.sources[index].url, case.pages) for index, _ in ranked]
        totals["hit@1"] += any(hits[:1])
        totals["hit@3"] += any(hits[:3])
        totals["mrr@10"] += next((1 / rank for rank, hit in enumerate(hits, start=1) if hit), 0.0)
        context = context_text(knowledge.context_for(case.question, case.turns)) or ""
        context_chars += len(context)
        totals["support"] += grounding_score(case.answer, context) >= SUPPORTED
    milliseconds = 1000 * (time.perf_counter() - started) / max(1, len(cases))
    shares = {name: total / len(cases) if cases else None for name, total in totals.items()}
    mean_chars = context_chars / max(1, len(cases))
    return {**shares, "questions": len(cases), "ms_per_question": milliseconds, "context_chars": mean_chars}

"""Training examples in the shapes of the prompts the chat really sends, so the model learns what it will be
asked (Zhang et al. 2024, "RAFT: Adapting Language Model to Domain Specific RAG"):

- `alone`: the question by itself;
- `retrieved`: the passages the chat's retrieval (`Knowledge.context_for`) finds for it, the question's own
  passage among them (put in, at a position drawn from the question's id, when retrieval missed it);
- `distractors`: those passages without the question's own (RAFT keeps the answer: when retrieval misses,
  the model still answers what it learned, rather than copying a passage that does not answer);
- `follow_up`: the same, after one or two earlier exchanges about the site in the history (the loss is on
  the last answer only), so a follow-up is answered, not the previous answer repeated;
- `unanswerable` (added, not drawn): questions the site does not answer, built from the crawled text without
  any paid call (a topic none of its passages mentions, in a visitor's words), answered with the short
  "the website does not say" pointer to the contact page the crawl found.

Each prompt is `cazton_llm.prompt_format.build_messages` with `cazton_llm.chat_prompt.context_text`: what
`chat_prompt` renders for the Space and the benchmark. Each question's kind is a stable draw from its id, and
so is whether it is asked as a visitor types it (`casual`: lower case, "u" for "you", no question mark): the
off-site questions are asked that way too, and a model that only ever saw tidy questions answered learns
that a casual one is one to turn away.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cazton_llm.abstention import abstention_answer, contact_page
from cazton_llm.abstention import off_site_questions as site_off_site_questions
from cazton_llm.chat_prompt import context_text
from cazton_llm.prompt_format import build_messages
from cazton_llm.retrieval import Knowledge, Source

KINDS = ("retrieved", "distractors", "follow_up")  # drawn in this order; the rest are `alone`


def stable_share(key: str) -> float:
    """A number in [0, 1) drawn from `key`: the same in every run and process."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0x100000000


@dataclass(frozen=True)
class ExampleMix:
    """Shares of the training questions shown each way (the rest alone), and unanswerable examples added as
    a share of the training questions."""

    retrieved: float = 0.0
    distractors: float = 0.0
    follow_up: float = 0.0
    unanswerable: float = 0.0
    casual: float = 0.0  # share of the questions asked the way visitors type (`casual_question`)

    def kind_of(self, row_id: str) -> str:
        draw, edge = stable_share(row_id), 0.0
        for kind in KINDS:
            edge += getattr(self, kind)
            if draw < edge:
                return kind
        return "alone"


# How visitors shorten what they type, each applied or not by a draw from the question's id.
CASUAL_WORDS = {"you": "u", "your": "ur", "are": "r", "what is": "whats", "do you": "do u", "please": "pls"}


def casual_question(question: str, key: str) -> str:
    """`question` as a visitor types it: lower case, without its question mark or final full stop, and (each
    by a draw from `key`) with a few words shortened ("you" → "u")."""
    text = question.strip().lower().rstrip("?.! ")
    for number, (word, short) in enumerate(CASUAL_WORDS.items()):
        if stable_share(f"{key}/casual/{number}") < 0.5:
            text = re.sub(rf"\b{word}\b", short, text)
    return text


def with_own_passage(context: list[Source], own: Source, key: str) -> list[Source]:
    """The retrieved passages with the question's own among them, where retrieval put it or at a drawn place."""
    if any(source.passage == own.passage for source in context):
        return context
    kept = context[: max(0, len(context) - 1)]
    kept.insert(int(stable_share(key + "/position") * (len(kept) + 1)), own)
    return kept


def without_own_passage(knowledge: Knowledge, question: str, turns: list[dict], own: Source) -> list[Source]:
    """The passages retrieval finds after the question's own, with the room left filled as the chat fills it: what
    the prompt holds when retrieval missed it."""
    wanted = knowledge.context_passages
    found = knowledge.index.passages(question, wanted + 2, min_share_of_best=0.0)
    chosen = [source for source in found if source.passage != own.passage][:wanted]
    return [source for source in knowledge.filled(chosen, question) if source.passage != own.passage]


def earlier_exchanges(row: dict, rows: list[dict]) -> list[dict]:
    """One or two other questions of the split and their answers, as the chat's history holds them."""
    others = [other for other in rows if other["id"] != row["id"]]
    count = 1 + int(stable_share(row["id"] + "/turns") * 2)
    start = int(stable_share(row["id"] + "/first") * len(others)) if others else 0
    picked = [others[(start + step) % len(others)] for step in range(min(count, len(others)))]
    return [
        turn
        for other in picked
        for turn in ({"role": "user", "content": other["question"]}, {"role": "assistant", "content": other["answer"]})
    ]


def example_messages(row: dict, mix: ExampleMix, knowledge: Knowledge | None, rows: list[dict], system) -> dict:
    """The row as the chat would prompt it, in its drawn kind (its question, a `mix.casual` share of the time,
    as a visitor types it), with its reference answer."""
    kind = mix.kind_of(row["id"])
    if stable_share(row["id"] + "/casual") < mix.casual:
        row = {**row, "question": casual_question(row["question"], row["id"])}
    turns = earlier_exchanges(row, rows) if kind == "follow_up" else []
    if kind == "alone" or not row["passage"]:
        context = []
    elif kind == "distractors":
        context = without_own_passage(knowledge, row["question"], turns, knowledge.row_source(row))
    else:
        context = knowledge.context_for(row["question"], turns)
        context = with_own_passage(context, knowledge.row_source(row), row["id"])
    messages = build_messages(row["question"], row["answer"], context_text(context), system, turns)
    return {"messages": messages, "kind": kind}


def off_site_questions(knowledge: Knowledge, count: int, seed: int) -> list[str]:
    """`count` questions about topics no crawled passage mentions (`cazton_llm.abstention.off_site_questions`)."""
    return site_off_site_questions(knowledge.index.sources, count, seed)


def unanswerable_examples(knowledge: Knowledge, count: int, company: str, system, seed: int) -> list[dict]:
    """Questions the site does not answer, with what the chat would retrieve for them and the pointer answer."""
    sources = knowledge.index.sources
    contact = contact_page([source.url for source in sources], [source.title for source in sources])
    answer = abstention_answer(company, contact)
    return [
        {
            "messages": build_messages(question, answer, context_text(knowledge.context_for(question)), system),
            "kind": "unanswerable",
        }
        for question in off_site_questions(knowledge, count, seed)
    ]

"""The answer to a question the website does not answer: short, polite, no invented fact, and a pointer to
the page where a visitor can ask. Training teaches it, the benchmark counts it, the Space shows it as an
answer like any other.

The chat also gives it without asking the model (`Knowledge.answers`): when no passage of the site is close
enough in meaning to the question. How close is enough is chosen when the knowledge loads, from what the
project has then (`relevance_threshold`): the training split's questions, which the site answers, against
questions about topics none of its pages mentions (`off_site_questions`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from itertools import pairwise
from urllib.parse import urlsplit, urlunsplit

from cazton_llm.grounding import content_words
from cazton_llm.stopping import first_sentence

ABSTENTION_MARK = "website does not say"
REFUSAL_WORDS = "does not say"  # the part of the mark a model that refuses keeps
# The share of the questions the site answers that the gate may turn away when it picks its threshold.
MAX_GATED_ANSWERABLE = 0.05
# Things a company's site may well not mention, asked the way visitors ask; kept only when no crawled passage
# mentions any of the topic's words.
OFF_SITE_TOPICS = (
    "SAP migrations",
    "COBOL maintenance",
    "parking at the office",
    "franchise opportunities",
    "a warranty",
    "weekend support",
    "Rust programming",
    "quantum computing",
    "drone software",
    "a student discount",
    "game development",
    "hardware repairs",
    "printing services",
    "an affiliate program",
    "on-site childcare",
    "a loyalty program",
    "SEO services",
    "logo design",
    "mainframe batch jobs",
    "payroll outsourcing",
    "a podcast",
    "3D printing",
    "gift cards",
    "a newsletter",
    "a charity program",
)  # fmt: skip  (none is a topic of the visitor question set, which is never trained on)
# Specific asks ("do you…", "how much…"), the ones the gate cannot turn away: a general one ("tell me about…")
# about a topic the site lacks is far from every passage, and one the site has must not be learnt as a refusal.
OFF_SITE_TEMPLATES = (
    "Do you offer {topic}?",
    "What does {topic} cost?",
    "can you help with {topic}",
    "do you have {topic}?",
    "is there {topic}?",
    "how much is {topic}",
    "do u guys do {topic}?",
)


def abstention_answer(company: str | None, contact_url: str) -> str:
    if not company:
        return f"The {ABSTENTION_MARK}. You can ask directly: {contact_url}"
    return f"The {company} {ABSTENTION_MARK}. You can ask {company} directly: {contact_url}"


def is_abstention(answer: str) -> bool:
    return ABSTENTION_MARK in answer.lower()


def opens_with_refusal(answer: str) -> bool:
    """Whether an answer's first sentence says the site does not say: the trained refusal, also when the model
    drops a word of it ("Northwind Forge does not say."); one that says so of a detail after answering does not."""
    return REFUSAL_WORDS in first_sentence(answer).lower()


def contact_page(urls: list[str], titles: list[str]) -> str:
    """The crawled page a visitor can ask on: the first whose path or title names contact, else the site's root."""
    for url, title in zip(urls, titles, strict=True):
        if "contact" in urlsplit(url).path.lower() or "contact" in title.lower():
            return url
    first = urlsplit(urls[0]) if urls else None
    return urlunsplit((first.scheme, first.netloc, "/", "", "")) if first else ""


def off_site_questions(sources: Iterable, count: int, seed: int) -> list[str]:
    """`count` questions about topics no crawled passage (`sources`: title and passage) mentions: none of the
    topic's words appears."""
    site_words: set[str] = set()
    for source in sources:
        site_words |= set(content_words(source.passage)) | set(content_words(source.title))
    topics = [topic for topic in OFF_SITE_TOPICS if not set(content_words(topic)) & site_words]
    questions = [template.format(topic=topic) for topic in topics for template in OFF_SITE_TEMPLATES]
    random.Random(seed).shuffle(questions)
    return questions[:count]


def relevance_threshold(
    answerable: Sequence[float], off_site: Sequence[float], max_gated: float = MAX_GATED_ANSWERABLE
) -> float | None:
    """The relevance below which the chat says the site does not say: the threshold that turns away the most
    off-site questions for the fewest answerable ones (Youden's J), among those that turn away at most
    `max_gated` of the answerable questions. None (no gate) without both kinds, or when none turns away an
    off-site question."""
    if not answerable or not off_site:
        return None
    values = sorted(set(answerable) | set(off_site))
    best, best_gain = None, 0.0
    for low, high in pairwise(values):
        threshold = (low + high) / 2
        gated = sum(value < threshold for value in answerable) / len(answerable)
        if gated > max_gated:
            break
        gain = sum(value < threshold for value in off_site) / len(off_site) - gated
        if gain > best_gain:
            best, best_gain = threshold, gain
    return best

"""The offline generator: deterministic question/answer pairs from headings and sentences,
no network and no key. Each answer is one sentence of the passage; its question is written
from the sentence's subject and verb ("We offer X" → "What do you offer?")."""

from __future__ import annotations

import re

from dataset_builder.passages import Passage

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_COPULA = re.compile(r"^(?P<subject>[A-Z][^,;:]{2,70}?) (?P<verb>is|are|was|has been) (?P<rest>.+)$")
_WE_VERB = re.compile(r"^(?:We|Our (?:team|teams|trainers)) (?:also |usually |can |will )?(?P<verb>[a-z]{3,})\b")
DESCRIPTIVE_VERBS = (
    "costs|takes|covers|includes|offers|runs|teaches|lasts|gets|comes|ends|starts|builds|performs|moves|serves"
)
_THIRD_PERSON = re.compile(
    rf"^(?P<subject>(?:The|Each|Every|Our|This|It)\b[^,;:]{{0,60}}?) (?P<verb>{DESCRIPTIVE_VERBS})\b"
)
NOT_VERBS = {"are", "were", "and", "the", "for", "with"}
FALLBACK_QUESTIONS = (
    "What can you tell me about {topic}?",
    "What else should I know about {topic}?",
    "Can you give me more details on {topic}?",
)
_PRONOUNS = {"Our ": "your ", "our ": "your ", "We ": "you ", "we ": "you "}
MIN_SENTENCE_WORDS = 5
IRREGULAR = {"has": "have", "does": "do", "is": "is"}


def sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_SPLIT.split(text) if len(sentence.split()) >= MIN_SENTENCE_WORDS]


def second_person(phrase: str) -> str:
    for ours, yours in _PRONOUNS.items():
        if phrase.startswith(ours):
            return yours + phrase[len(ours) :]
    return (
        phrase[0].lower() + phrase[1:]
        if phrase.split()[0].lower() in {"the", "each", "every", "all", "this"}
        else phrase
    )


def base_form(verb: str) -> str:
    if verb in IRREGULAR:
        return IRREGULAR[verb]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes")):
        return verb[:-2]
    return verb[:-1]


def question_for(sentence: str, topic: str) -> str:
    """A visitor's question whose answer is `sentence`."""
    if (match := _WE_VERB.match(sentence)) and match["verb"] not in NOT_VERBS:
        tense = "did" if match["verb"].endswith("ed") else "do"
        verb = "do" if tense == "did" else match["verb"]
        return f"What {tense} you {verb} for {topic.lower()}?"
    if match := _COPULA.match(sentence):
        subject = second_person(match["subject"])
        if subject.lower() in {"it", "this", "they"}:
            subject = f"the {topic.lower()}"
        return f"What {match['verb'].split()[0]} {subject}?"
    if match := _THIRD_PERSON.match(sentence):
        subject = second_person(match["subject"])
        if subject.lower() in {"it", "this"}:
            subject = f"the {topic.lower()}"
        return f"What does {subject} {base_form(match['verb'])}?"
    return f"What can you tell me about {topic.lower()}?"


def offline_pairs(passage: Passage) -> list[dict]:
    """Question/answer pairs for one passage, in sentence order, one question per sentence."""
    topic = passage.heading or passage.source_title or "your company"
    pairs, asked = [], set()
    for sentence in sentences(passage.text):
        candidates = [question_for(sentence, topic), *(q.format(topic=topic.lower()) for q in FALLBACK_QUESTIONS)]
        question = next((q for q in candidates if q.lower() not in asked), None)
        if question is None:
            continue
        asked.add(question.lower())
        pairs.append({"question": question, "answer": sentence})
    return pairs

"""Where an answer ends: EOS, a stop string (the model starting the next turn), or the token
budget; then a final trim of a dangling half sentence or a repeated tail.

`finish_answer` is applied by the Space and the benchmark alike, so the stop reasons they
count mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cazton_llm.prompt_format import STOP_STRINGS

STOP_REASONS = ("eos", "stop_string", "max_tokens")
ABSTAINED = "abstained"  # not generated: the chat said the site does not say (`cazton_llm.chat_prompt.ChatTurn`)
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?=\s|$)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class FinishedAnswer:
    text: str
    stop_reason: str  # one of STOP_REASONS


def find_stop_string(text: str, stop_strings=STOP_STRINGS) -> int:
    """Index of the earliest stop string in `text`, or -1."""
    positions = [index for index in (text.find(stop) for stop in stop_strings) if index >= 0]
    return min(positions, default=-1)


def cut_at_stop_string(text: str, stop_strings=STOP_STRINGS) -> tuple[str, bool]:
    index = find_stop_string(text, stop_strings)
    return (text, False) if index < 0 else (text[:index], True)


def first_sentence(text: str) -> str:
    return _SENTENCE_SPLIT.split(text.strip(), maxsplit=1)[0]


def drop_repeated_sentences(text: str) -> str:
    """Keep the first occurrence of each sentence; run-on models loop on the same sentence."""
    seen: set[str] = set()
    kept = []
    for sentence in _SENTENCE_SPLIT.split(text.strip()):
        key = " ".join(sentence.lower().split())
        if key and key not in seen:
            seen.add(key)
            kept.append(sentence)
    return " ".join(kept)


def trim_dangling_sentence(text: str) -> str:
    """Drop a trailing partial sentence, unless the whole answer is one unfinished sentence."""
    stripped = text.rstrip()
    ends = list(_SENTENCE_END.finditer(stripped))
    if not ends or ends[-1].end() == len(stripped):
        return stripped
    return stripped[: ends[-1].end()]


def finish_answer(generated: str, ended_by_eos: bool, stop_strings=STOP_STRINGS) -> FinishedAnswer:
    """Turn raw generated text (special tokens removed) into the answer shown to a user."""
    text, hit_stop = cut_at_stop_string(generated, stop_strings)
    if ended_by_eos and not hit_stop:
        reason = "eos"
    elif hit_stop:
        reason = "stop_string"
    else:
        reason = "max_tokens"
    text = drop_repeated_sentences(text)
    if reason == "max_tokens":
        text = trim_dangling_sentence(text)
    return FinishedAnswer(text=text.strip(), stop_reason=reason)

"""Where an answer ends: EOS, a stop string (the model starting the next turn), a loop, or the token
budget; then a final trim of a dangling half sentence or a repeated tail.

`finish_answer` is applied by the Space and the benchmark alike, so the stop reasons they
count mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cazton_llm.prompt_format import STOP_STRINGS

STOP_REASONS = ("eos", "stop_string", "loop", "max_tokens")
RAN_ON = ("loop", "max_tokens")  # the answer did not end by itself: no clean stop
# A loop: this many words in a row with at most a third of them distinct. The no-repeat rule
# (`cazton_llm.decoding`) stops exact repeats, so a greedy small model loops with variations instead: "Yes, it
# did it did it did it done it did it didn't do it …", "four to six weeks to six weeks to six to six six to …".
LOOP_WINDOW_WORDS = 18
ABSTAINED = "abstained"  # not generated: the chat said the site does not say (`cazton_llm.chat_prompt.ChatTurn`)
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?=\s|$)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"\w+")


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


def loop_span(text: str, window: int | None = LOOP_WINDOW_WORDS) -> tuple[int, int] | None:
    """Where in `text` its first loop lies: the first `window` words in a row of which at most a third are
    distinct (case-insensitively), as (start, end) character offsets; None without one, or when `window` is None."""
    if not window:
        return None
    words = list(_WORD.finditer(text))
    for start in range(len(words) - window + 1):
        if len({word.group().lower() for word in words[start : start + window]}) <= window // 3:
            return words[start].start(), words[start + window - 1].end()
    return None


def before_the_loop(text: str, loop: tuple[int, int]) -> str:
    """`text` cut where its `loop` starts, or at the loop's first comma: a list that loops keeps its first item
    ("… includes web development services, web design and web hosting services, web hosting and …"). At least
    the first sentence is kept, without a trailing comma."""
    comma = text.find(",", *loop)
    kept = text[: comma if comma >= 0 else loop[0]].strip() or first_sentence(text)
    return kept.rstrip(",;:-–— ")


def finish_answer(
    generated: str, ended_by_eos: bool, stop_strings=STOP_STRINGS, loop_window: int | None = LOOP_WINDOW_WORDS
) -> FinishedAnswer:
    """Turn raw generated text (special tokens removed) into the answer shown to a user. An answer that did not
    end by itself and loops (`loop_span`, over `loop_window` words) is cut where the loop starts."""
    text, hit_stop = cut_at_stop_string(generated, stop_strings)
    looped = None if ended_by_eos or hit_stop else loop_span(text, loop_window)
    if ended_by_eos and not hit_stop:
        reason = "eos"
    elif hit_stop:
        reason = "stop_string"
    elif looped is not None:
        reason, text = "loop", before_the_loop(text, looped)
    else:
        reason = "max_tokens"
    text = drop_repeated_sentences(text)
    if reason in RAN_ON:
        text = trim_dangling_sentence(text)
    return FinishedAnswer(text=text.strip(), stop_reason=reason)

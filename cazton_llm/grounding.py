"""Content words, and how much of an answer its source passage supports.

`clean` drops generated answers whose grounding score is low, the benchmark reports the same score as
faithfulness, and the Space's retrieval matches questions to passages on the same content words.
"""

from __future__ import annotations

import re

# Words too common to say anything about what a text is about (or which page answers a question), and chat words.
STOP_WORDS = frozenset(
    (  # noqa: SIM905  (a word list reads best as one string)
        "a an the and or but of to in on at for with by from as is are was were be been it its this that these "
        "those we our you your they their he she his her i me my do does did can could will would should may "
        "might has have had not no so if then than there here what which who whom how when where why also about "
        "into over more most such"
        # and the words a visitor chats with, which name no topic ("what do u guys actually do", "tell me about …")
        " u ur guys y'all actually really just basically anything something stuff pls please hi hey hello thanks"
        " tell know"
    ).split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")


def content_words(text: str) -> list[str]:
    """The lower-cased words of `text` (numbers such as 1,500 and names such as asp.net kept whole), without
    stop words."""
    return [token for token in _TOKEN.findall(text.lower()) if token not in STOP_WORDS]


def grounding_score(answer: str, passage: str) -> float:
    """Share of the answer's content words that appear in the passage (1.0 when it has none)."""
    answer_words = content_words(answer)
    if not answer_words:
        return 1.0
    passage_words = set(content_words(passage))
    return sum(word in passage_words for word in answer_words) / len(answer_words)

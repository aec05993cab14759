"""Optional "Polish with GPT": an OpenAI-compatible model rewrites an answer for clarity, given the
source passage, without adding facts. Any API failure falls back to the raw answer with a notice."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import openai

from cazton_llm.openai_api import openai_client

logger = logging.getLogger(__name__)

POLISH_INSTRUCTIONS = (
    "You edit a company chatbot's answers. Rewrite the answer below so it is clear, well formed "
    "and easy to read. Do not add any fact, number, name or claim that is not already in the answer "
    "or in the source passage; if the answer says something the passage contradicts, keep the answer's "
    "meaning anyway. Keep it about the same length. Reply with the rewritten answer only."
)
FALLBACK_NOTICE = "Polishing was unavailable ({reason}); showing the model's own answer."


@dataclass(frozen=True)
class Polished:
    text: str
    notice: str | None = None


def polish_answer(question: str, answer: str, passage: str | None, model: str, timeout_s: float) -> Polished:
    """Rewrite `answer` with the OpenAI-compatible API at OPENAI_BASE_URL (key: OPENAI_API_KEY), in one try:
    a person is waiting, and the raw answer is there to fall back on."""
    client = openai_client(timeout_s, max_attempts=1)
    user_text = f"Question: {question}\n\nSource passage: {passage or '(none)'}\n\nAnswer to rewrite: {answer}"
    try:
        response = client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": POLISH_INSTRUCTIONS},
                {"role": "user", "content": user_text},
            ],
        )
        text = (response.choices[0].message.content or "").strip()
    except openai.APITimeoutError:
        return _fallback(answer, "the polishing service timed out")
    except openai.APIStatusError as error:
        return _fallback(answer, f"the polishing service answered HTTP {error.status_code}")
    except (openai.APIError, ValueError, IndexError, AttributeError) as error:
        return _fallback(answer, f"the polishing service failed: {type(error).__name__}")
    if not text:
        return _fallback(answer, "the polishing service returned an empty answer")
    return Polished(text)


def _fallback(answer: str, reason: str) -> Polished:
    logger.warning("polish fell back to the raw answer: %s", reason)
    return Polished(answer, FALLBACK_NOTICE.format(reason=reason))

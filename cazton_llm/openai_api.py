"""Clients for OpenAI-compatible APIs (question generation, the benchmark's judge, the Space's polish), made
in one place with one retry policy: the openai SDK's own.

The SDK retries broken connections, timeouts and HTTP 408, 409, 429 and 5xx answers, backing off
exponentially (0.5 s doubling up to 8 s, with jitter) or as long as the endpoint's Retry-After says (up to a
minute; a longer wait is not retried). Any other 4xx answer is final. Each caller decides how many attempts a
call may take. The key comes from OPENAI_API_KEY alone, the endpoint from the caller or OPENAI_BASE_URL.
"""

from __future__ import annotations

import os

from cazton_llm.errors import UserError

MAX_ATTEMPTS = 6  # the first try and five retries: about 16 s of backoff, or longer when Retry-After says so


def openai_client(timeout_s: float, max_attempts: int = MAX_ATTEMPTS, base_url: str | None = None, hint: str = ""):
    """An `openai.OpenAI` client whose calls take at most `max_attempts` tries of `timeout_s` seconds each.

    Without OPENAI_API_KEY it is a UserError, "OPENAI_API_KEY is not set: export it" followed by `hint`
    (e.g. ", or use --generator offline").
    """
    from openai import OpenAI

    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key:
        raise UserError(f"OPENAI_API_KEY is not set: export it{hint}")
    return OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_attempts - 1)

"""Question generation through any OpenAI-compatible endpoint: structured JSON output validated
with a schema, our own retry policy (exponential backoff honouring Retry-After on 429/5xx,
timeouts and broken replies), and token usage for the cost estimate."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import jsonschema

from cazton_llm.errors import UserError
from dataset_builder.prompts import PAIRS_SCHEMA

# Checked against the metaschema once: `jsonschema.validate` re-checks the schema on every call (~40 ms).
PAIRS_VALIDATOR = jsonschema.Draft202012Validator(PAIRS_SCHEMA)

MAX_BACKOFF_SECONDS = 60.0


class GenerationFailed(Exception):
    """A passage whose generation still failed after every retry (it is not cached, so a re-run retries it)."""


@dataclass
class OpenAIGenerator:
    model: str
    base_url: str | None = None
    timeout_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    structured_output: bool = True

    def __post_init__(self):
        from openai import OpenAI

        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            raise UserError("OPENAI_API_KEY is not set: export it, or use --generator offline")
        # max_retries=0: the retry policy is ours (below), so it is the same for every error kind and testable.
        self.client = OpenAI(api_key=api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=0)

    def response_format(self) -> dict:
        if self.structured_output:
            return {"type": "json_schema", "json_schema": {"name": "qa_pairs", "schema": PAIRS_SCHEMA, "strict": True}}
        return {"type": "json_object"}

    def request_body(self, messages: list[dict]) -> dict:
        return {"model": self.model, "messages": messages, "response_format": self.response_format()}

    def call(self, messages: list[dict]) -> dict:
        """One validated generation: {"pairs": [...], "usage": {...}}; retries transient failures."""
        import openai

        for attempt in range(self.max_attempts):
            retry_after = None
            try:
                response = self.client.chat.completions.create(**self.request_body(messages))
                return parse_response(response.choices[0].message.content, response.usage)
            except openai.RateLimitError as error:
                retry_after = error.response.headers.get("retry-after")
                reason = error
            except openai.APIStatusError as error:
                if error.status_code < 500:
                    raise
                reason = error
            except (openai.APITimeoutError, openai.APIConnectionError, ValueError) as error:
                reason = error
            if attempt + 1 < self.max_attempts:
                time.sleep(backoff_seconds(attempt, self.backoff_base_s, retry_after))
        raise GenerationFailed(f"gave up after {self.max_attempts} attempts: {type(reason).__name__}: {reason}")


def backoff_seconds(attempt: int, base_s: float, retry_after: str | None) -> float:
    if retry_after:
        try:
            return min(float(retry_after), MAX_BACKOFF_SECONDS)
        except ValueError:
            pass
    return min(base_s * 2**attempt, MAX_BACKOFF_SECONDS)


def parse_response(content: str | None, usage) -> dict:
    """Validated pairs; ValueError (retried) for content that is not JSON or breaks the schema."""
    try:
        payload = json.loads(content or "")
        PAIRS_VALIDATOR.validate(payload)
    except (json.JSONDecodeError, jsonschema.ValidationError) as error:
        raise ValueError(f"reply is not valid JSON pairs: {str(error).splitlines()[0]}") from None
    tokens = {"input": getattr(usage, "prompt_tokens", 0) or 0, "output": getattr(usage, "completion_tokens", 0) or 0}
    return {"pairs": payload["pairs"], "usage": tokens}

"""Question generation through any OpenAI-compatible endpoint: structured JSON output validated
with a schema, our own retry policy (exponential backoff honouring Retry-After on 429/5xx,
timeouts and replies that are not a valid chat completion), refusals told apart (a key or endpoint
refused: the run stops with one line; one passage refused: that passage fails), and token usage
for the cost estimate."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field

import jsonschema

from cazton_llm.errors import UserError
from dataset_builder.prompts import PAIRS_SCHEMA

# Checked against the metaschema once: `jsonschema.validate` re-checks the schema on every call (~40 ms).
PAIRS_VALIDATOR = jsonschema.Draft202012Validator(PAIRS_SCHEMA)
# Structured output: the endpoint is asked for JSON that follows the schema (replies are validated all the same).
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "qa_pairs", "schema": PAIRS_SCHEMA, "strict": True}}

MAX_BACKOFF_SECONDS = 60.0
# 4xx answers worth another try (as the openai SDK's own retry does); 429 and every 5xx are retried too.
TRANSIENT_CLIENT_STATUSES = {408, 409}
# 4xx answers about the key or the endpoint rather than one passage: every other call would get them too.
RUN_STOPPING_STATUSES = {
    401: "the endpoint refused the API key (HTTP 401: {message}): check OPENAI_API_KEY",
    403: "the endpoint refused access (HTTP 403: {message}): check that OPENAI_API_KEY may use --model there",
    404: "the endpoint answered HTTP 404 ({message}): check --model and --base-url",
}


class GenerationFailed(Exception):
    """A passage with no answer this run: retries ran out, or the endpoint refused this passage
    (e.g. HTTP 400 for its content). It is not cached, so the next run asks again."""


@dataclass
class OpenAIGenerator:
    model: str
    base_url: str | None = None
    timeout_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    stopping: threading.Event = field(default_factory=threading.Event)  # set: no further attempt starts

    def __post_init__(self):
        from openai import OpenAI

        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            raise UserError("OPENAI_API_KEY is not set: export it, or use --generator offline")
        # max_retries=0: the retry policy is ours (below), so it is the same for every error kind and testable.
        self.client = OpenAI(api_key=api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=0)

    def request_body(self, messages: list[dict]) -> dict:
        return {"model": self.model, "messages": messages, "response_format": RESPONSE_FORMAT}

    def call(self, messages: list[dict]) -> dict:
        """One validated generation: {"pairs": [...], "usage": {...}}; retries transient failures.

        No attempt starts once `stopping` is set (Ctrl-C, or a refusal of the key that stops the run).
        """
        import openai

        retry_after = None  # the previous attempt's Retry-After, when it was a 429
        for attempt in range(self.max_attempts):
            if attempt:  # after a failure: back off unless the run is stopping
                self.stopping.wait(backoff_seconds(attempt - 1, self.backoff_base_s, retry_after))
            if self.stopping.is_set():
                raise GenerationFailed("not asked: the run is stopping")
            retry_after = None
            try:
                response = self.client.chat.completions.create(**self.request_body(messages))
                return parse_response(completion_content(response), getattr(response, "usage", None))
            except openai.RateLimitError as error:
                retry_after = error.response.headers.get("retry-after")
                reason = error
            except openai.APIStatusError as error:
                if error.status_code < 500 and error.status_code not in TRANSIENT_CLIENT_STATUSES:
                    raise self.refused(error) from None
                reason = error
            except (openai.APITimeoutError, openai.APIConnectionError, ValueError) as error:
                reason = error
        raise GenerationFailed(f"gave up after {self.max_attempts} attempts: {type(reason).__name__}: {reason}")

    def refused(self, error) -> Exception:
        problem = refusal(error)
        if isinstance(problem, UserError):
            self.stopping.set()  # every other call would be refused the same way
        return problem


def refusal(error) -> Exception:
    """What a 4xx answer means: a UserError that stops the run (key, access, model) or this passage failed."""
    body = error.body if isinstance(error.body, dict) else {}
    message = str(body.get("message") or error.message).splitlines()[0][:300]
    if error.status_code in RUN_STOPPING_STATUSES:
        return UserError(RUN_STOPPING_STATUSES[error.status_code].format(message=message))
    return GenerationFailed(f"refused with HTTP {error.status_code}: {message}")


def completion_content(response) -> str | None:
    """The reply's text; ValueError (retried) for anything that is not a chat completion, such as an
    HTML page or `choices: []` sent with status 200."""
    try:
        return response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        raise ValueError(f"reply is not a chat completion: {str(response)[:80]!r}") from None


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

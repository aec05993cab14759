"""Question generation through any OpenAI-compatible endpoint: structured JSON output validated
with a schema, the project's retry policy (`cazton_llm.openai_api`: the openai SDK's own), refusals
told apart (a key or endpoint refused: the run stops with one line; one passage refused: that passage
fails), and token usage for the cost estimate."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import jsonschema

from cazton_llm.errors import UserError
from cazton_llm.openai_api import MAX_ATTEMPTS, openai_client
from dataset_builder.prompts import PAIRS_SCHEMA

# Checked against the metaschema once: `jsonschema.validate` re-checks the schema on every call (~40 ms).
PAIRS_VALIDATOR = jsonschema.Draft202012Validator(PAIRS_SCHEMA)
# Structured output: the endpoint is asked for JSON that follows the schema (replies are validated all the same).
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "qa_pairs", "schema": PAIRS_SCHEMA, "strict": True}}
# 4xx answers the SDK retries (as it does 429 and every 5xx) rather than treating as a refusal.
RETRIED_CLIENT_STATUSES = {408, 409, 429}
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
    max_attempts: int = MAX_ATTEMPTS
    stopping: threading.Event = field(default_factory=threading.Event)  # set: no further call starts

    def __post_init__(self):
        self.client = openai_client(self.timeout_s, self.max_attempts, self.base_url, ", or use --generator offline")

    def request_body(self, messages: list[dict]) -> dict:
        return {"model": self.model, "messages": messages, "response_format": RESPONSE_FORMAT}

    def call(self, messages: list[dict]) -> dict:
        """One validated generation: {"pairs": [...], "usage": {...}}, in at most `max_attempts` tries.

        The SDK retries connection errors, timeouts, 429 and 5xx. A reply that is not JSON pairs (an HTML page
        or `choices: []` with status 200, JSON off the schema) looks like success to the SDK, so it is asked
        again here, from the same budget of tries. No call starts once `stopping` is set (Ctrl-C, or a
        refusal of the key that stops the run).
        """
        import openai

        tries_left = self.max_attempts
        while True:
            if self.stopping.is_set():
                raise GenerationFailed("not asked: the run is stopping")
            client = self.client.with_options(max_retries=tries_left - 1)
            try:
                reply = client.chat.completions.with_raw_response.create(**self.request_body(messages))
            except openai.APIStatusError as error:
                if error.status_code < 500 and error.status_code not in RETRIED_CLIENT_STATUSES:
                    raise self.refused(error) from None
                raise self.gave_up(error) from None
            except (openai.APITimeoutError, openai.APIConnectionError) as error:
                raise self.gave_up(error) from None
            tries_left -= reply.retries_taken + 1
            try:
                response = reply.parse()
                return parse_response(completion_content(response), getattr(response, "usage", None))
            except ValueError as error:
                if tries_left < 1:
                    raise self.gave_up(error) from None

    def gave_up(self, error: Exception) -> GenerationFailed:
        return GenerationFailed(f"gave up after {self.max_attempts} attempts: {type(error).__name__}: {error}")

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


def parse_response(content: str | None, usage) -> dict:
    """Validated pairs; ValueError (retried) for content that is not JSON or breaks the schema."""
    try:
        payload = json.loads(content or "")
        PAIRS_VALIDATOR.validate(payload)
    except (json.JSONDecodeError, jsonschema.ValidationError) as error:
        raise ValueError(f"reply is not valid JSON pairs: {str(error).splitlines()[0]}") from None
    tokens = {"input": getattr(usage, "prompt_tokens", 0) or 0, "output": getattr(usage, "completion_tokens", 0) or 0}
    return {"pairs": payload["pairs"], "usage": tokens}

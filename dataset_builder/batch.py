"""Generation through the OpenAI Batch API (half the price, results within a day): submit the
passages not yet in the cache, then collect the results into the cache by the saved batch id."""

from __future__ import annotations

import json
from pathlib import Path

from cazton_llm.atomic import write_json
from cazton_llm.errors import UserError
from cazton_llm.page_schema import read_pages
from cazton_llm.response_cache import ResponseCache, cache_key
from dataset_builder.config import GenerateConfig
from dataset_builder.generate import passage_prompt
from dataset_builder.llm import OpenAIGenerator, parse_response
from dataset_builder.passages import all_passages


def state_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".batch.json")


def submit_batch(config: GenerateConfig) -> dict:
    out_path = config.out
    if config.generator != "openai":
        raise UserError("--batch needs --generator openai")
    if state_path(out_path).is_file():
        raise UserError(f"a batch is already pending ({state_path(out_path)}): collect it with --batch collect")
    generator = OpenAIGenerator(config.model, config.base_url, config.timeout_s)
    cache = ResponseCache(config.cache_dir)
    lines = []
    for passage in all_passages(read_pages(config.pages)):
        messages = passage_prompt(passage, config)
        key = cache_key(config.model, messages)
        if cache.get(key) is None:
            body = generator.request_body(messages)
            lines.append({"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": body})
    if not lines:
        raise UserError("every passage is already generated: run generate without --batch")
    payload = "".join(json.dumps(line) + "\n" for line in lines).encode()
    upload = generator.client.files.create(file=("generation.jsonl", payload), purpose="batch")
    batch = generator.client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    state = {"batch_id": batch.id, "input_file_id": upload.id, "requests": len(lines)}
    write_json(state_path(out_path), state)
    return state


def collect_batch(config: GenerateConfig) -> str:
    """Fill the cache from a finished batch; returns the batch status."""
    out_path = config.out
    if not state_path(out_path).is_file():
        raise UserError(f"no pending batch for {out_path}: submit one with --batch submit")
    try:
        state = json.loads(state_path(out_path).read_bytes())
        batch_id = state["batch_id"]
    except (ValueError, TypeError, KeyError) as error:  # cut short (not JSON, not UTF-8) or not our state
        raise UserError(
            f"{state_path(out_path)} is cut short or damaged ({error!r}): find the batch id on the OpenAI dashboard "
            "(Batches), or delete this file and submit again with --batch submit"
        ) from None
    generator = OpenAIGenerator(config.model, config.base_url, config.timeout_s)
    batch = generator.client.batches.retrieve(batch_id)
    if batch.status != "completed":
        return batch.status
    cache = ResponseCache(config.cache_dir)
    for line in generator.client.files.content(batch.output_file_id).text.splitlines():
        result = json.loads(line)
        body = result["response"]["body"]
        try:
            entry = parse_response(body["choices"][0]["message"]["content"], _Usage(body.get("usage", {})))
        except ValueError:
            continue  # left out of the cache: the following generate run calls it directly
        cache.put(result["custom_id"], entry)
    state_path(out_path).unlink()
    return "completed"


class _Usage:
    def __init__(self, usage: dict):
        self.prompt_tokens = usage.get("prompt_tokens", 0)
        self.completion_tokens = usage.get("completion_tokens", 0)

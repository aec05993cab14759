"""`generate`: pages → question/answer pairs with provenance. Every generator response is cached
by (model, prompt) by the thread that receives it, as soon as it arrives, so re-runs and resumed or
interrupted runs repeat no call, and after a re-crawl only passages whose text changed are generated
again. Passages that fail (retries ran out, or the endpoint refused them) are reported and asked
again by the next run; the first Ctrl-C lets the calls in flight finish, a second one stops at once."""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from cazton_llm.atomic import write_json, write_jsonl
from cazton_llm.errors import INTERRUPTED_EXIT_CODE, Interrupted, UserError
from cazton_llm.page_schema import read_pages
from cazton_llm.qa_schema import QARecord
from cazton_llm.response_cache import ResponseCache, cache_key
from dataset_builder.config import GenerateConfig
from dataset_builder.llm import GenerationFailed, OpenAIGenerator
from dataset_builder.offline import offline_pairs
from dataset_builder.passages import MAX_PASSAGE_CHARS, Passage, all_passages
from dataset_builder.pricing import estimated_cost, load_prices
from dataset_builder.prompts import generation_messages, looks_like_injection


def passage_prompt(passage: Passage, config: GenerateConfig) -> list[dict]:
    if config.generator == "offline":  # the company's name changes its questions (`offline_pairs`)
        content = f"{passage.source_title}\n{passage.heading}\n{passage.text}"
        return [{"role": "passage", "content": content}, {"role": "company", "content": config.company or ""}]
    return generation_messages(passage, config.mode)


def report_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".report.json")


def run_generator(passage: Passage, config: GenerateConfig, generator: OpenAIGenerator | None) -> dict:
    if generator is None:
        return {"pairs": offline_pairs(passage, config.company), "usage": {"input": 0, "output": 0}}
    return generator.call(passage_prompt(passage, config))


def failure_record(passage: Passage, error: GenerationFailed) -> dict:
    return {"url": passage.source_url, "heading": passage.heading, "reason": str(error)}


@contextmanager
def second_interrupt_exits_at_once():
    """While the calls in flight finish after a first Ctrl-C, a second one ends the process at once
    (their answers are lost; every cache file is written atomically, so none is left half written)."""

    def exit_now(signum, frame):
        print("\ninterrupted again: stopped at once, without the answers still in flight", file=sys.stderr, flush=True)
        os._exit(INTERRUPTED_EXIT_CODE)

    previous = signal.signal(signal.SIGINT, exit_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def generate_missing(todo, config: GenerateConfig, cache: ResponseCache, generator) -> tuple[int, list[dict]]:
    """Generate every (key, passage) in `todo` concurrently; returns (answered, failures).

    Each answer is cached by the worker that receives it. On Ctrl-C no new call starts, the calls in
    flight finish (and are cached), then `Interrupted` says how many passages are done.
    """

    def answer_and_cache(key: str, passage: Passage) -> None:
        cache.put(key, run_generator(passage, config, generator))

    answered, failures = 0, []
    pool = ThreadPoolExecutor(max_workers=config.concurrency)
    futures = {pool.submit(answer_and_cache, key, passage): passage for key, passage in todo}
    try:
        for future in tqdm(as_completed(futures), total=len(futures), desc="generating", unit="passage"):
            try:
                future.result()
                answered += 1
            except GenerationFailed as error:
                failures.append(failure_record(futures[future], error))
    except KeyboardInterrupt:
        stop_asking(pool, generator)
        with second_interrupt_exits_at_once():
            wait([future for future in futures if not future.cancelled()])  # wait() never sees them done
        answered = sum(1 for future in futures if not future.cancelled() and future.exception() is None)
        raise Interrupted(
            f"{answered} of {len(futures)} passages answered and cached; run the same command again to continue "
            "(cached answers are not asked again)"
        ) from None
    finally:
        stop_asking(pool, generator)  # after an error that stops the run (e.g. HTTP 401): ask nothing more
        pool.shutdown(wait=True)
    return answered, failures


def stop_asking(pool: ThreadPoolExecutor, generator) -> None:
    """Start no new call: queued passages are dropped, calls in flight make no further attempt."""
    if generator is not None:
        generator.stopping.set()
    pool.shutdown(wait=False, cancel_futures=True)


def no_pairs_error(stats: dict) -> UserError:
    if stats["failures"]:
        return UserError(
            f"no question/answer pair was produced: {stats['failed']} of {stats['passages']} passages failed "
            f"(first: {stats['failures'][0]['reason']}); fix the cause and run again (failed passages are asked again)"
        )
    return UserError(f"no question/answer pair was produced from {stats['passages']} passages")


def generate_qa(config: GenerateConfig) -> dict:
    """Write the QA JSONL for every passage of the pages; returns the run's statistics."""
    out_path = config.out
    prices = load_prices(config.prices)
    # The original recipe asks one question per paragraph, so each paragraph is its own passage.
    passages = all_passages(read_pages(config.pages), max_chars=1 if config.mode == "paragraph" else MAX_PASSAGE_CHARS)
    cache = ResponseCache(config.cache_dir)
    keyed = [(cache_key(config.model, passage_prompt(passage, config)), passage) for passage in passages]
    todo = [(key, passage) for key, passage in keyed if cache.get(key) is None]
    generator = None
    if todo and config.generator == "openai":
        generator = OpenAIGenerator(config.model, config.base_url, config.timeout_s, config.max_attempts)
    generated, failures = generate_missing(todo, config, cache, generator)

    records, input_tokens, output_tokens = [], 0, 0
    new_keys = {key for key, _ in todo}
    for key, passage in keyed:
        entry = cache.get(key)
        if entry is None:
            continue
        if key in new_keys:
            input_tokens += entry["usage"]["input"]
            output_tokens += entry["usage"]["output"]
        for pair in entry["pairs"]:
            answer = passage.text if config.mode == "paragraph" and config.generator == "openai" else pair["answer"]
            records.append(
                QARecord(
                    pair["question"],
                    answer,
                    passage.source_url,
                    passage.source_title,
                    passage.text,
                    config.generator,
                    config.model,
                ).to_dict()
            )
    flagged = sorted({passage.source_url for passage in passages if looks_like_injection(passage.text)})
    stats = {
        "passages": len(passages),
        "reused": len(keyed) - len(todo),
        "generated": generated,
        "failed": len(failures),
        "pairs": len(records),
        "tokens_in": input_tokens,
        "tokens_out": output_tokens,
        "estimated_cost_usd": estimated_cost(config.model, input_tokens, output_tokens, prices),
        "model": config.model,
        "flagged_injection": flagged,
        "failures": failures,
    }
    write_json(report_path(out_path), stats)
    if not records:
        out_path.unlink(missing_ok=True)  # an earlier run's output must not pass for this one's
        raise no_pairs_error(stats)
    write_jsonl(out_path, records)
    return stats

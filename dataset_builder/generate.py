"""`generate`: pages → question/answer pairs with provenance. Every generator response is cached
by (model, prompt) as soon as it arrives, so re-runs and resumed runs repeat no call, and after
a re-crawl only passages whose text changed are generated again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from cazton_llm.atomic import write_json, write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.qa_schema import QARecord
from dataset_builder.cache import ResponseCache, cache_key
from dataset_builder.llm import GenerationFailed, OpenAIGenerator
from dataset_builder.offline import offline_pairs
from dataset_builder.passages import MAX_PASSAGE_CHARS, Passage, all_passages, read_pages
from dataset_builder.pricing import estimated_cost, load_prices
from dataset_builder.prompts import generation_messages, looks_like_injection

GENERATORS = ("openai", "offline")
MODES = ("pairs", "paragraph")
DEFAULT_OPENAI_MODEL = "gpt-5-mini"
OFFLINE_MODEL = "offline-rules-v1"


@dataclass
class GenerateConfig:
    generator: str = "openai"
    model: str | None = None  # default: gpt-5-mini (openai) / offline-rules-v1 (offline)
    base_url: str | None = None
    mode: str = "pairs"  # "paragraph": the original recipe, one question per paragraph, paragraph as answer
    concurrency: int = 8
    timeout_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    cache_dir: Path | None = None  # default: a `cache` folder beside the output
    prices: str | None = None
    batch: bool = False  # handled by `generate --batch submit|collect`; the pipeline only records it

    def __post_init__(self):
        if self.generator not in GENERATORS:
            raise UserError(f"--generator must be one of {', '.join(GENERATORS)}, got {self.generator!r}")
        if self.mode not in MODES:
            raise UserError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.concurrency < 1:
            raise UserError("--concurrency must be at least 1")
        self.model = self.model or (DEFAULT_OPENAI_MODEL if self.generator == "openai" else OFFLINE_MODEL)


def passage_prompt(passage: Passage, config: GenerateConfig) -> list[dict]:
    if config.generator == "offline":
        return [{"role": "passage", "content": f"{passage.source_title}\n{passage.heading}\n{passage.text}"}]
    return generation_messages(passage, config.mode)


def report_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".report.json")


def run_generator(passage: Passage, config: GenerateConfig, generator: OpenAIGenerator | None) -> dict:
    if generator is None:
        return {"pairs": offline_pairs(passage), "usage": {"input": 0, "output": 0}}
    return generator.call(passage_prompt(passage, config))


def generate_missing(todo, config: GenerateConfig, cache: ResponseCache, generator) -> tuple[int, list[str]]:
    """Generate and cache every (key, passage) in `todo` concurrently; returns (done, failures)."""
    done, failures = 0, []
    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        futures = {pool.submit(run_generator, passage, config, generator): (key, passage) for key, passage in todo}
        for future in tqdm(as_completed(futures), total=len(futures), desc="generating", unit="passage"):
            key, passage = futures[future]
            try:
                cache.put(key, future.result())
                done += 1
            except GenerationFailed as error:
                failures.append(f"{passage.source_url} [{passage.heading}]: {error}")
    return done, failures


def generate_qa(pages_path: str | Path, out_path: str | Path, config: GenerateConfig) -> dict:
    """Write qa.jsonl for every passage of the pages; returns the run's statistics."""
    out_path = Path(out_path)
    # The original recipe asks one question per paragraph, so each paragraph is its own passage.
    passages = all_passages(read_pages(pages_path), max_chars=1 if config.mode == "paragraph" else MAX_PASSAGE_CHARS)
    cache = ResponseCache(config.cache_dir or out_path.parent / "cache")
    keyed = [(cache_key(config.model, passage_prompt(passage, config)), passage) for passage in passages]
    todo = [(key, passage) for key, passage in keyed if cache.get(key) is None]
    generator = None
    if todo and config.generator == "openai":
        generator = OpenAIGenerator(
            config.model, config.base_url, config.timeout_s, config.max_attempts, config.backoff_base_s
        )
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
    pairs_written = write_jsonl(out_path, records)
    flagged = sorted({passage.source_url for passage in passages if looks_like_injection(passage.text)})
    stats = {
        "passages": len(passages),
        "reused": len(keyed) - len(todo),
        "generated": generated,
        "failed": len(failures),
        "pairs": pairs_written,
        "tokens_in": input_tokens,
        "tokens_out": output_tokens,
        "estimated_cost_usd": estimated_cost(config.model, input_tokens, output_tokens, load_prices(config.prices)),
        "model": config.model,
        "flagged_injection": flagged,
        "failures": failures,
    }
    write_json(report_path(out_path), stats)
    return stats

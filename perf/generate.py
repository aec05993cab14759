"""Generation throughput against the local OpenAI-compatible stand-in with added latency per call: our
generator (bounded concurrency + disk cache) vs one call at a time (the original loop) on the same
passages; rates, ratio, and the calls a cached re-run makes.

    python perf/generate.py [--passages N] [--latency-ms N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cazton_llm.page_schema import read_pages
from dataset_builder.config import GenerateConfig
from dataset_builder.generate import generate_qa
from dataset_builder.llm import OpenAIGenerator
from dataset_builder.passages import all_passages
from dataset_builder.prompts import generation_messages
from tests.dataset_builder.conftest import qa_responder
from tests.stand_ins.openai_server import OpenAIStandIn

SECTIONS_PER_PAGE = 5


def write_pages(path: Path, passages: int) -> None:
    """Pages whose every section (heading + paragraph) is one passage."""
    pages = []
    for page in range((passages + SECTIONS_PER_PAGE - 1) // SECTIONS_PER_PAGE):
        paragraphs = []
        for section in range(SECTIONS_PER_PAGE):
            paragraphs += [
                f"Service {page}-{section}",
                f"Our team delivers service {page}-{section} for mid-sized companies in four weeks. "
                f"The engagement includes a workshop, a written plan and two review meetings.",
            ]
        url = f"https://example.com/services/{page}"
        text = "\n\n".join(paragraphs)
        pages.append({"url": url, "title": f"Services {page}", "lang": "en", "paragraphs": paragraphs, "text": text})
    path.write_text("".join(json.dumps(page) + "\n" for page in pages))


def one_call_at_a_time(pages_path: Path, base_url: str, passages: int) -> float:
    """The original loop: each passage's call waits for the previous one; returns seconds."""
    generator = OpenAIGenerator("gpt-5-mini", base_url, 60.0)
    started = time.perf_counter()
    for passage in all_passages(read_pages(pages_path))[:passages]:
        generator.call(generation_messages(passage, "pairs"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-perf-local")

    with tempfile.TemporaryDirectory() as tmp, OpenAIStandIn(latency_s=args.latency_ms / 1000) as server:
        server.responder = qa_responder
        pages_path = Path(tmp) / "pages.jsonl"
        write_pages(pages_path, args.passages)
        config = GenerateConfig(
            pages=pages_path, out=Path(tmp) / "qa.jsonl", base_url=server.url, concurrency=args.concurrency
        )

        started = time.perf_counter()
        stats = generate_qa(config)
        ours_s = time.perf_counter() - started
        ours_calls = server.calls

        rerun_started = time.perf_counter()
        rerun = generate_qa(config)
        rerun_s = time.perf_counter() - rerun_started
        rerun_calls = server.calls - ours_calls

        sequential_s = one_call_at_a_time(pages_path, server.url, args.passages)

    ours_rate, sequential_rate = stats["passages"] / ours_s, args.passages / sequential_s
    print(f"{stats['passages']} passages, {args.latency_ms:.0f} ms latency per call, {stats['pairs']} pairs")
    print(f"ours (concurrency {args.concurrency}, cache):  {ours_s:6.2f} s  {ours_rate:6.1f} passages/s")
    print(f"one call at a time (original loop): {sequential_s:6.2f} s  {sequential_rate:6.1f} passages/s")
    print(f"ratio: {ours_rate / sequential_rate:.1f}x")
    print(
        f"cached re-run: {rerun_calls} calls, {rerun['reused']} of {rerun['passages']} passages reused, "
        f"{rerun['pairs']} pairs, {rerun_s:.2f} s"
    )
    print(
        f"usage (first run): {stats['tokens_in']} tokens in, {stats['tokens_out']} out, ${stats['estimated_cost_usd']}"
    )


if __name__ == "__main__":
    main()

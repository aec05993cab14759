"""Where the app's time before the first token goes: the chat function (`space.app.make_respond`) called in-process
on the demo's model, profiled with cProfile up to its first answer update, next to a bare `generate` on the same
prompt.

    python perf/app_overhead.py [--base-model DIR] [--adapter DIR] [--dataset DIR] [--questions N] [--top N]

Prints the median first-update time of both, their difference, and the functions that took the most cumulative
time inside the chat function (what Gradio adds around it is perf/chat.py's difference minus this one).
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_model import demo_model_parser

from cazton_llm.cpu_runtime import load_for_generation
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.prompt_format import render_prompt
from cazton_llm.retrieval import load_knowledge
from space.app import make_respond
from space.chat import AnswerStream
from space.config import SpaceConfig


def first_update_s(updates) -> float:
    started = time.perf_counter()
    next(iter(updates))
    seconds = time.perf_counter() - started
    updates.close()
    return seconds


def main() -> int:
    parser = demo_model_parser(__doc__)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    config = SpaceConfig(
        base_model=args.base_model, adapter=args.adapter, dataset=args.dataset, company=args.company, device="cpu"
    )
    model, tokenizer = load_for_generation(config.model_spec, device="cpu")
    respond = make_respond(config, model, tokenizer, load_knowledge(args.dataset, company=args.company))
    questions = list(dict.fromkeys(load_qa_dataset(args.dataset, split="test")["question"]))[: args.questions]

    def bare(question: str):
        prompt = render_prompt(tokenizer, question, company=config.company)
        return iter(AnswerStream(model, tokenizer, prompt, config.decoding))

    first_update_s(respond(questions[0], [], False))  # warm-up
    first_update_s(bare(questions[0]))
    profiler = cProfile.Profile()
    app_s, bare_s = [], []
    for question in questions:
        bare_s.append(first_update_s(bare(question)))
        profiler.enable()
        app_s.append(first_update_s(respond(question, [], False)))  # closed-book, as perf/chat.py asks
        profiler.disable()
    app, plain = statistics.median(app_s), statistics.median(bare_s)
    print(f"first update (median of {len(questions)}): chat function {app:.3f} s, bare stream {plain:.3f} s, ", end="")
    print(f"difference {1000 * (app - plain):.0f} ms, ratio {app / plain:.2f}x")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

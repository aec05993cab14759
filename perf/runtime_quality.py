"""Does the CPU runtime answer as well as fp32 transformers? The benchmark's `retrieved` mode (the chat's own prompt
path) on the demo's held-out questions, answered by both in one run, scored by the benchmark's own metrics.

    python perf/runtime_quality.py [--base-model DIR] [--adapter DIR] [--dataset DIR] [--out DIR]

Prints ROUGE-L, the clean-stop rate and how many answers are identical; the target is ROUGE-L within 0.01 of fp32
and the same clean-stop rate.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_model import demo_model_parser

from benchmark import generation
from benchmark.config import BenchmarkConfig
from benchmark.metrics import per_answer_metrics
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.model_loading import ModelSpec, load_for_inference
from cazton_llm.retrieval import load_knowledge


def main() -> int:
    parser = demo_model_parser(__doc__)
    args = parser.parse_args()
    spec = ModelSpec.parse(f"{args.base_model}+{args.adapter}")
    rows = list(load_qa_dataset(args.dataset, split="test"))
    knowledge = load_knowledge(args.dataset, company=args.company)
    with tempfile.TemporaryDirectory() as scratch:
        settings = BenchmarkConfig(
            dataset=args.dataset, out=Path(scratch), company=args.company, max_new_tokens=96, models={"finetuned": spec}
        )
        answers, seconds = {}, {}
        for name in ("fp32 transformers", "CPU runtime"):
            load = generation.load_for_generation
            if name == "fp32 transformers":  # the path the benchmark took on a CPU before the runtime
                generation.load_for_generation = lambda spec: load_for_inference(spec, device="cpu")
            started = time.perf_counter()
            path = Path(scratch) / f"{name}.jsonl"
            answers[name] = generation.answer_questions(name, spec, rows, settings, path, knowledge, ["retrieved"])
            seconds[name] = time.perf_counter() - started
            generation.load_for_generation = load
    print(f"{len(rows)} held-out questions, retrieved mode, batch {settings.batch_size}")
    reference = [answer["answer"] for answer in answers["fp32 transformers"]["retrieved"]]
    for name, given in answers.items():
        metrics = per_answer_metrics(rows, given["retrieved"])
        same = sum(answer["answer"] == text for answer, text in zip(given["retrieved"], reference, strict=True))
        print(
            f"{name:20} ROUGE-L {statistics.mean(metrics['rouge_l']):.4f}  clean stops "
            f"{statistics.mean(metrics['clean_stop']):.3f}  same answer as fp32 {same}/{len(rows)}  "
            f"{seconds[name]:.0f} s (load + answers)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""CPU generation runtimes on the same closed-book prompts, in one run: fp32 transformers `generate` (adapter merged:
the baseline), bf16, int8 dynamic quantisation of every Linear, a static KV cache with torch.compile, CTranslate2 int8
and ONNX Runtime GenAI int8 and int4 (cazton_llm.cpu_runtime). Each is timed to its first token and over the whole
answer; ratios are against the baseline, and "same text" counts answers identical to the baseline's.

    python perf/runtime.py [--base-model DIR] [--adapter DIR] [--questions N] [--max-new-tokens N] [--skip NAME …]

Every variant decodes greedily with max_new_tokens and stops at EOS; the transformers variants also get Decoding's
stop strings and answer-only no-repeat rule, as does ONNX Runtime GenAI (through its logits); CTranslate2 has no
logits hook, so it runs without the rule; it is not in the lock (`pip install ctranslate2==4.8.5` to measure it).
llama-cpp-python has no wheel (it compiles llama.cpp): not measured.
"""

from __future__ import annotations

import copy
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from demo_model import demo_model_parser

from cazton_llm import cpu_runtime
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.decoding import Decoding
from cazton_llm.model_loading import ModelSpec, load_for_inference
from cazton_llm.prompt_format import render_prompt


class FirstToken:
    """A streamer that notes when the first answer token arrives (generate puts the prompt first)."""

    def __init__(self):
        self.puts, self.at = 0, None

    def put(self, value):
        self.puts += 1
        if self.puts == 2:
            self.at = time.perf_counter()

    def end(self):
        pass


def transformers_variant(model, tokenizer, decoding: Decoding, **extra):
    def answer(prompt: str) -> tuple[list[int], float]:
        inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        streamer = FirstToken()
        started = time.perf_counter()
        kwargs = decoding.generate_kwargs(tokenizer, inputs["input_ids"].shape[1])
        with torch.no_grad():
            output = model.generate(**inputs, **kwargs, streamer=streamer, **extra)
        return output[0, inputs["input_ids"].shape[1] :].tolist(), streamer.at - started

    return answer


def ctranslate2_variant(merged: Path, tokenizer, decoding: Decoding):
    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    converted = merged.parent / "ctranslate2"
    TransformersConverter(str(merged)).convert(str(converted), quantization="int8")
    generator = ctranslate2.Generator(str(converted), device="cpu", compute_type="int8")

    def answer(prompt: str) -> tuple[list[int], float]:
        tokens = tokenizer.convert_ids_to_tokens(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        started, first, ids = time.perf_counter(), None, []
        for step in generator.generate_tokens(
            tokens, max_length=decoding.max_new_tokens, sampling_topk=1, end_token=tokenizer.eos_token
        ):
            first = first or time.perf_counter()
            ids.append(step.token_id)
        return ids + [tokenizer.eos_token_id] * (len(ids) < decoding.max_new_tokens), first - started

    return answer


def onnx_variant(spec: ModelSpec, tokenizer, decoding: Decoding, precision: str):
    cpu_runtime.PRECISION = precision  # the cache key holds the precision: int8 and int4 are kept apart
    model, _ = cpu_runtime.load_cpu_runtime(spec)
    return transformers_variant(model, tokenizer, decoding)


def compiled_variant(model, tokenizer, decoding: Decoding):
    compiled = copy.deepcopy(model)
    compiled.forward = torch.compile(compiled.forward, dynamic=False)
    return transformers_variant(compiled, tokenizer, decoding, cache_implementation="static")


def main() -> int:
    parser = demo_model_parser(__doc__)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--skip", nargs="*", default=[], help="variants to leave out, e.g. compile")
    args = parser.parse_args()
    spec = ModelSpec.parse(f"{args.base_model}+{args.adapter}")
    decoding = Decoding(max_new_tokens=args.max_new_tokens)
    model, tokenizer = load_for_inference(spec, device="cpu")
    questions = list(dict.fromkeys(load_qa_dataset(args.dataset, split="test")["question"]))[: args.questions]
    prompts = [render_prompt(tokenizer, question, company=args.company) for question in questions]

    with tempfile.TemporaryDirectory() as scratch:
        merged = Path(scratch) / "merged"
        model.save_pretrained(merged)
        tokenizer.save_pretrained(merged)
        builders = {
            "fp32 (baseline)": lambda: transformers_variant(model, tokenizer, decoding),
            "bf16": lambda: transformers_variant(copy.deepcopy(model).to(torch.bfloat16), tokenizer, decoding),
            "int8 dynamic": lambda: transformers_variant(
                torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8),
                tokenizer,
                decoding,
            ),
            "static cache + compile": lambda: compiled_variant(model, tokenizer, decoding),
            "ctranslate2 int8": lambda: ctranslate2_variant(merged, tokenizer, decoding),
            "onnxruntime-genai int8": lambda: onnx_variant(spec, tokenizer, decoding, "int8"),
            "onnxruntime-genai int4": lambda: onnx_variant(spec, tokenizer, decoding, "int4"),
        }
        if importlib.util.find_spec("ctranslate2") is None:  # measured for the choice, not a dependency
            print("ctranslate2 int8: not installed, not measured (pip install ctranslate2==4.8.5 to measure it)")
            del builders["ctranslate2 int8"]
        variants = {}
        for name, build in builders.items():
            if not any(skipped in name for skipped in args.skip):
                started = time.perf_counter()
                variants[name] = build()
                variants[name](prompts[0])  # warm-up (and compilation)
                print(f"{name}: ready and warmed up in {time.perf_counter() - started:.1f} s", flush=True)
        results = {name: [] for name in variants}
        for prompt in prompts:  # interleaved, so a change in the machine's load touches every variant alike
            for name, answer in variants.items():
                started = time.perf_counter()
                ids, first_s = answer(prompt)
                results[name].append((ids, first_s, time.perf_counter() - started))

    baseline = results["fp32 (baseline)"]
    base_tps = sum(len(ids) for ids, _, _ in baseline) / sum(total for _, _, total in baseline)
    base_first = statistics.median(first for _, first, _ in baseline)
    print(f"questions: {len(prompts)}, max_new_tokens: {args.max_new_tokens}, closed-book, batch 1")
    print(f"{'variant':26}{'tokens/s':>10}{'ratio':>8}{'first token':>13}{'ratio':>8}{'same text':>11}")
    for name, runs in results.items():
        tps = sum(len(ids) for ids, _, _ in runs) / sum(total for _, _, total in runs)
        first = statistics.median(first for _, first, _ in runs)
        same = sum(
            tokenizer.decode(ids, skip_special_tokens=True) == tokenizer.decode(base, skip_special_tokens=True)
            for (ids, _, _), (base, _, _) in zip(runs, baseline, strict=True)
        )
        print(
            f"{name:26}{tps:10.1f}{tps / base_tps:7.2f}x{first:12.3f}s{first / base_first:7.2f}x{same:>7}/{len(runs)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

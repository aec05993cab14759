"""Answer generation speed on the path the benchmark and the Space use (cazton_llm.model_loading, then
`generate` with cazton_llm.decoding's settings): time to the first token and decoding tokens/s, at batch 1 and 8,
for each model loaded as this machine loads it (4-bit NF4 on a CUDA GPU, fp32 on a CPU), and on a GPU the same
model in bf16 for the ratio.

    python perf/answer_speed.py [--model SPEC …] [--phi-sized TOKENIZER_DIR] [--new-tokens 128]

Without --model it times the demo's models (outputs/demo/: SmolLM2 alone and with its adapter; run
`make demo SERVE=0` first).
--phi-sized adds a randomly initialised model with microsoft/phi-1_5's dimensions (perf/phi_sized.py) and the
tokenizer of TOKENIZER_DIR. Every answer is forced to its full length (EOS suppressed, no stop
strings), so each run decodes the same number of tokens whatever the weights.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from phi_sized import build_phi_sized_model

from cazton_llm.decoding import Decoding
from cazton_llm.errors import exit_on_user_error
from cazton_llm.layout import DEMO_ROOT, OutputLayout
from cazton_llm.model_loading import ModelSpec, load_for_inference
from cazton_llm.prompt_format import render_prompt

QUESTION = "What does the company offer, and where are its offices?"
BATCHES = (1, 8)


def timed_generate(model, tokenizer, batch: int, new_tokens: int) -> float:
    prompts = [render_prompt(tokenizer, QUESTION, company="Northwind Forge")] * batch
    inputs = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    kwargs = Decoding(max_new_tokens=new_tokens).generate_kwargs(tokenizer, inputs["input_ids"].shape[1])
    del kwargs["stop_strings"], kwargs["tokenizer"]
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    started = time.perf_counter()
    with torch.no_grad():
        output = model.generate(**inputs, **kwargs, min_new_tokens=new_tokens)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    assert output.shape[1] - inputs["input_ids"].shape[1] == new_tokens
    return time.perf_counter() - started


def measure(spec: str, load_in_4bit: bool | None, new_tokens: int) -> dict:
    model, tokenizer = load_for_inference(ModelSpec.parse(spec), load_in_4bit=load_in_4bit)
    timed_generate(model, tokenizer, 1, 4)  # warm-up: kernels, caches
    figures = {"memory_gib": torch.cuda.memory_allocated() / 2**30 if torch.cuda.is_available() else None}
    for batch in BATCHES:
        first = timed_generate(model, tokenizer, batch, 1)
        full = timed_generate(model, tokenizer, batch, new_tokens)
        figures[batch] = {"first_token_s": first, "tokens_per_s": batch * (new_tokens - 1) / (full - first)}
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return figures


def print_row(label: str, figures: dict, reference: dict | None) -> None:
    cells = []
    for batch in BATCHES:
        row = figures[batch]
        ratio = f" ({row['tokens_per_s'] / reference[batch]['tokens_per_s']:.2f}x)" if reference else ""
        cells.append(
            f"batch {batch}: first token {row['first_token_s'] * 1000:6.1f} ms, {row['tokens_per_s']:8.1f} tok/s{ratio}"
        )
    memory = f", {figures['memory_gib']:.2f} GiB" if figures["memory_gib"] is not None else ""
    print(f"{label:38} " + " | ".join(cells) + memory, flush=True)


@exit_on_user_error
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], metavar="SPEC", help="BASE or BASE+ADAPTER")
    parser.add_argument("--phi-sized", type=Path, metavar="TOKENIZER_DIR", help="add a random phi-1_5-sized model")
    parser.add_argument("--new-tokens", type=int, default=128)
    args = parser.parse_args()
    if not args.model:
        demo = OutputLayout(DEMO_ROOT)
        args.model = [str(demo.imported_base), f"{demo.imported_base}+{demo.adapter}"]
    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name() if cuda else "CPU"
    print(f"== answer speed on {device}, {args.new_tokens} new tokens per answer, greedy ==")
    with tempfile.TemporaryDirectory(prefix="perf-answer-speed-") as work:
        specs = list(args.model)
        if args.phi_sized:
            parameters = build_phi_sized_model(args.phi_sized, Path(work) / "phi-1_5-sized")
            print(f"phi-1_5-sized: {parameters / 1e9:.2f}B parameters, random weights")
            specs.append(str(Path(work) / "phi-1_5-sized"))
        for spec in specs:
            label = Path(spec.split("+")[0]).name + (" + adapter" if "+" in spec else "")
            if cuda:
                bf16 = measure(spec, False, args.new_tokens)
                print_row(f"{label} bf16", bf16, None)
                print_row(f"{label} 4-bit NF4 (x bf16)", measure(spec, True, args.new_tokens), bf16)
            else:
                print_row(f"{label} fp32", measure(spec, None, args.new_tokens), None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Chat latency through the Space (gradio_client streaming) vs plain fp32 transformers `generate` (adapter merged: the
baseline) and the CPU runtime alone (cazton_llm.cpu_runtime, what the app runs on a CPU), on the same prompts in one
run: time to first token, tokens/s, their ratios, and how answers ended (EOS / stop string / budget).

    python perf/chat.py [--base-model DIR] [--adapter DIR] [--dataset DIR] [--questions N]

Defaults to the demo's outputs (outputs/demo/: SmolLM2-135M-Instruct and its adapter); run `make demo SERVE=0`
first. The app runs in its own process (`python -m space`), as users reach it; every path prompts closed-book and
decodes with the shared settings (cazton_llm.decoding) on the CPU.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_model import demo_model_parser
from gradio_client import Client
from transformers import TextIteratorStreamer

from cazton_llm.cpu_runtime import load_cpu_runtime
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.model_loading import load_for_inference
from cazton_llm.prompt_format import render_prompt
from cazton_llm.stopping import STOP_REASONS, finish_answer
from space.config import SpaceConfig

ENDED_BY = re.compile(r"answer ended by (\w+)")


def bare_generate(model, tokenizer, question: str, config: SpaceConfig) -> dict:
    """`model.generate` with the app's prompt and decoding settings, streamed only to time the first token."""
    inputs = tokenizer(render_prompt(tokenizer, question, company=config.company), return_tensors="pt")
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    result = {}
    started = time.perf_counter()
    thread = threading.Thread(
        target=lambda: result.update(
            ids=model.generate(
                **inputs, **config.decoding.generate_kwargs(tokenizer, inputs["input_ids"].shape[1]), streamer=streamer
            )
        )
    )
    thread.start()
    first_token_s, last_token_s, text = None, 0.0, ""
    for piece in streamer:
        if piece.strip():
            last_token_s = time.perf_counter() - started
            first_token_s = first_token_s or last_token_s
        text += piece
    thread.join()
    total_s = time.perf_counter() - started
    new_ids = result["ids"][0, inputs["input_ids"].shape[1] :]
    ended_by_eos = int(new_ids[-1]) == tokenizer.eos_token_id
    return {
        "first_token_s": first_token_s or total_s,
        "last_token_s": last_token_s or total_s,
        "total_s": total_s,
        "tokens": len(new_ids),
        "stop_reason": finish_answer(text, ended_by_eos, loop_window=config.decoding.loop_window_words).stop_reason,
    }


def through_app(client: Client, question: str) -> dict:
    started = time.perf_counter()
    job = client.submit(question, False, api_name="/chat")
    first_token_s, last_token_s, previous = None, 0.0, ""
    for update in job:
        answer = update[0]["content"]  # the answer; the sources come as a message of their own
        if answer.strip() and answer != previous:
            last_token_s = time.perf_counter() - started
            first_token_s = first_token_s or last_token_s
            previous = answer
    total_s = time.perf_counter() - started
    return {"first_token_s": first_token_s or total_s, "last_token_s": last_token_s or total_s, "total_s": total_s}


def streaming_rate(runs: list[dict], tokens: list[int]) -> float:
    """Tokens/s between the first and the last token: the rate a reader sees, without fixed latency."""
    return sum(count - 1 for count in tokens) / sum(run["last_token_s"] - run["first_token_s"] for run in runs)


def serve_app(config: SpaceConfig, port: int) -> tuple[subprocess.Popen, list[str]]:
    """`python -m space` in its own process, as users reach it; returns it and its log lines."""
    command = [sys.executable, "-m", "space", "--port", str(port), "--base-model", config.base_model]
    command += ["--adapter", config.adapter, "--dataset", config.dataset]
    env = {**os.environ, "DEVICE": "cpu", "MAX_NEW_TOKENS": str(config.max_new_tokens), "MAX_MESSAGE_CHARS": "2000"}
    env["COMPANY"] = config.company
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log_lines: list[str] = []
    for line in server.stdout:
        log_lines.append(line)
        if "Chat is running at" in line:
            break
    threading.Thread(target=lambda: log_lines.extend(server.stdout), daemon=True).start()
    return server, log_lines


def main() -> int:
    parser = demo_model_parser(__doc__)
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--port", type=int, default=7871)
    args = parser.parse_args()
    for path in (args.base_model, args.adapter, args.dataset):
        if not Path(path).is_dir():
            print(f"error: {path} not found: run `make demo SERVE=0` or pass --base-model/--adapter/--dataset")
            return 2

    config = SpaceConfig(
        base_model=args.base_model,
        adapter=args.adapter,
        dataset=args.dataset,
        company=args.company,
        device="cpu",
        max_new_tokens=args.max_new_tokens,
        max_message_chars=2000,
    )
    model, tokenizer = load_for_inference(config.model_spec, device="cpu")
    runtime, _ = load_cpu_runtime(config.model_spec)  # converted here first, so the app finds it ready
    questions = list(dict.fromkeys(load_qa_dataset(args.dataset, split="test")["question"]))[: args.questions]
    server, log_lines = serve_app(config, args.port)
    client = Client(f"http://127.0.0.1:{args.port}/", verbose=False)
    bare_generate(model, tokenizer, questions[0], config)
    bare_generate(runtime, tokenizer, questions[0], config)
    through_app(client, questions[0])

    base_runs, runtime_runs, app_runs = [], [], []
    for question in questions:  # interleaved, so a change in the machine's load touches every path alike
        base_runs.append(bare_generate(model, tokenizer, question, config))
        runtime_runs.append(bare_generate(runtime, tokenizer, question, config))
        app_runs.append(through_app(client, question))
    server.terminate()
    server.wait(timeout=30)
    # The server logs one "answer ended by <reason>" line per answer; the first was the warm-up.
    app_reasons = Counter(match.group(1) for match in map(ENDED_BY.search, log_lines) if match)
    app_reasons[ENDED_BY.search("".join(log_lines)).group(1)] -= 1

    # Greedy decoding: the app generates the same tokens as the bare runtime for each prompt.
    paths = {
        "fp32 generate": (base_runs, [run["tokens"] for run in base_runs]),
        "CPU runtime": (runtime_runs, [run["tokens"] for run in runtime_runs]),
        "through app": (app_runs, [run["tokens"] for run in runtime_runs]),
    }
    figures = {
        name: {
            "first token (median s)": statistics.median(run["first_token_s"] for run in runs),
            "tokens/s (overall)": sum(tokens) / sum(run["total_s"] for run in runs),
            "tokens/s (streaming)": streaming_rate(runs, tokens),
        }
        for name, (runs, tokens) in paths.items()
    }
    print(f"questions: {len(questions)}, max_new_tokens: {args.max_new_tokens}, tokens generated: ", end="")
    print(", ".join(f"{name} {sum(tokens)}" for name, (_, tokens) in paths.items()))
    print(f"{'':24}" + "".join(f"{name:>16}{'ratio':>8}" for name in paths))
    baseline = figures["fp32 generate"]
    for figure in baseline:
        cells = "".join(
            f"{values[figure]:16.3f}{values[figure] / baseline[figure]:7.2f}x" for values in figures.values()
        )
        print(f"{figure:24}{cells}")
    app, bare = figures["through app"], figures["CPU runtime"]
    speed = app["tokens/s (overall)"] / baseline["tokens/s (overall)"]
    first = app["first token (median s)"] / baseline["first token (median s)"]
    print(f"through the app vs fp32 generate: {speed:.2f}x tokens/s (target >= 2.5x), ", end="")
    print(f"{first:.2f}x first token (target <= 1.5x)")
    added_ms = 1000 * (app["first token (median s)"] - bare["first token (median s)"])
    print(f"the app's own latency before the first token: {added_ms:.0f} ms over the bare runtime (median), ", end="")
    print(f"{app['first token (median s)'] / bare['first token (median s)']:.2f}x; ", end="")
    print(f"tokens/s {100 * (1 - app['tokens/s (overall)'] / bare['tokens/s (overall)']):.1f}% below it")
    reasons = {
        "fp32 generate": Counter(run["stop_reason"] for run in base_runs),
        "CPU runtime": Counter(run["stop_reason"] for run in runtime_runs),
        "app": app_reasons,
    }
    for label, counted in reasons.items():
        shares = ", ".join(f"{reason} {100 * counted[reason] / len(questions):.0f}%" for reason in STOP_REASONS)
        print(f"answers ended by ({label}): {shares}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Training throughput of the real SFT path (train.sft) with padded batches, packing and padding-free batches:
tokens/s, peak memory and the share of padding per batch; on a CUDA GPU the same for a randomly initialised
model of microsoft/phi-1_5's size in 4-bit with LoRA, plus model FLOPs utilisation.

    python perf/train.py [--steps 30] [--cpu-threads 1] [--gpu-only] [--peak-tflops 989]

Everything is built offline in a temp folder, as the demo builds it: the QA dataset from the fixture pages
(offline generator → clean → build) and the tiny base (the demo's dimensions, pretrained only briefly: its
weights do not change throughput). Each setting trains in its own process, so each peak memory is its own.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402  (after the path setup above)
from phi_sized import build_phi_sized_model  # noqa: E402  (perf/, beside this script)
from transformers import TrainerCallback  # noqa: E402

FIXTURE_PAGES = REPO / "tests/fixtures/data/pages.jsonl"
TINY_RECIPE = REPO / "train/configs/tiny.yaml"
PHI_RECIPE = REPO / "train/configs/phi-1_5.yaml"
# TRL 1.16: bfd packing switches padding-free on by itself; padding-free without packing refuses a max_length
# (it would not truncate), so that setting unsets it.
SETTINGS = {
    "padded": {},
    "packing (bfd)": {"packing": True},
    "padding-free": {"padding_free": True, "max_length": None},
}
# Only the steps are timed: no evaluation, checkpoints, early stopping or logging integrations in between.
QUIET_TRAINING = {
    "eval_strategy": "no",
    "save_strategy": "no",
    "early_stopping_patience": None,
    "report_to": "none",
    "disable_tqdm": True,
}
WARMUP_STEPS = 3
WASTE_TARGET = 0.05


class BatchMeter(TrainerCallback):
    """Counts the tokens of every batch the model is called on, and the time and tokens at each optimizer step."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id
        self.batches: list[dict] = []
        self.real_tokens = 0
        self.step_marks: list[tuple[float, int]] = []

    def count(self, module, args, batch):
        input_ids = batch["input_ids"]
        if "attention_mask" in batch:
            padding = int((batch["attention_mask"] == 0).sum())
        else:
            padding = int((input_ids == self.pad_token_id).sum())
        sequences = len(batch["cu_seq_lens_q"]) - 1 if "cu_seq_lens_q" in batch else input_ids.shape[0]
        self.batches.append({"positions": input_ids.numel(), "padding": padding, "sequences": sequences})
        self.real_tokens += input_ids.numel() - padding

    def on_step_end(self, args, state, control, **kwargs):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.step_marks.append((time.perf_counter(), self.real_tokens))

    def figures(self) -> dict:
        (start_s, start_tokens), (end_s, end_tokens) = self.step_marks[WARMUP_STEPS - 1], self.step_marks[-1]
        shares = [batch["padding"] / batch["positions"] for batch in self.batches]
        timed_steps = len(self.step_marks) - WARMUP_STEPS
        return {
            "steps": len(self.step_marks),
            "seqs_per_step": sum(batch["sequences"] for batch in self.batches) / len(self.step_marks),
            "tokens_per_step": (end_tokens - start_tokens) / timed_steps,
            "padding_share": sum(shares) / len(shares),
            "padding_share_max": max(shares),
            "tokens_per_s": (end_tokens - start_tokens) / (end_s - start_s),
        }


def sequences_isolated(trainer) -> tuple[float, float]:
    """Max |logit difference| between a flattened padding-free batch and each of its sequences run alone, and
    (for scale) the same without position_ids, when every token attends to the sequences before it."""
    model = trainer.model.eval()
    batch = next(iter(trainer.get_train_dataloader()))
    batch = {key: value.to(trainer.args.device) if torch.is_tensor(value) else value for key, value in batch.items()}
    bounds = batch["cu_seq_lens_q"].tolist()
    with torch.no_grad():
        flat = model(**{key: value for key, value in batch.items() if key != "labels"}).logits[0]
        unbounded = model(input_ids=batch["input_ids"]).logits[0]
        alone = torch.cat(
            [model(input_ids=batch["input_ids"][:, a:b]).logits[0] for a, b in itertools.pairwise(bounds)]
        )
    return float((flat - alone).abs().max()), float((unbounded - alone).abs().max())


def measure(recipe: Path, overrides: dict, steps: int, threads: int | None) -> dict:
    """Train `steps` optimizer steps of `recipe` with `overrides` (run in a fresh process) and measure them."""
    from train.cli import training_arguments
    from train.sft import prepare_run

    if threads:
        torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as out_dir:
        run_overrides = {**overrides, **QUIET_TRAINING, "max_steps": steps, "output_dir": f"{out_dir}/adapter"}
        run = prepare_run(*training_arguments(recipe, run_overrides))
        trainer = run.trainer
        meter = BatchMeter(run.tokenizer.pad_token_id)
        trainer.model.register_forward_pre_hook(meter.count, with_kwargs=True)
        trainer.add_callback(meter)
        rss_before_train_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = trainer.train()
        figures = {**meter.figures(), "train_loss": result.training_loss}
        peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures["peak_rss_mib"] = peak_rss_kib / 1024
        figures["train_rss_growth_mib"] = (peak_rss_kib - rss_before_train_kib) / 1024
        if torch.cuda.is_available():
            figures["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
        if trainer.padding_free:
            figures["leak"], figures["leak_scale"] = sequences_isolated(trainer)
    return figures


def in_fresh_process(function, *args):
    """Run `function(*args)` in a new interpreter, so its peak memory and CUDA state are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def build_inputs(work: Path) -> tuple[Path, Path, dict]:
    """The QA dataset folder and the tiny base, built offline by the demo's own stage functions."""
    from dataset_builder.build import build_dataset
    from dataset_builder.clean import clean_qa
    from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig
    from dataset_builder.generate import generate_qa
    from train.tiny_base import TinyBaseConfig, build_tiny_base, page_texts

    generate_qa(GenerateConfig(pages=FIXTURE_PAGES, out=work / "generated.jsonl", generator="offline"))
    clean_qa(CleanConfig(qa=work / "generated.jsonl", out=work / "clean.jsonl"))
    dataset = build_dataset(BuildConfig(qa=work / "clean.jsonl", out=work / "dataset"))
    base = build_tiny_base(page_texts(FIXTURE_PAGES), work / "tiny_base", TinyBaseConfig(max_steps=5))
    return work / "dataset", work / "tiny_base", {"train_rows": dataset["train"], "base_parameters": base["parameters"]}


def measure_settings(recipe: Path, overrides: dict, steps: int, threads: int | None = None) -> dict[str, dict]:
    figures = {}
    for name, setting in SETTINGS.items():
        print(f"[perf] {recipe.name}: {name}, {steps} steps …", flush=True)
        figures[name] = in_fresh_process(measure, recipe, {**overrides, **setting}, steps, threads)
    return figures


def print_table(figures: dict[str, dict], columns: list[tuple[str, str]]) -> None:
    baseline = figures["padded"]
    header = ["setting", "steps", "seqs/step", "tokens/step", "padding share mean (max)", "tokens/s", "× padded"]
    header += [name for name, _ in columns] + ["train loss", "sequences isolated"]
    lines = [header]
    for name, row in figures.items():
        isolated = "n/a (attention mask)"
        if "leak" in row:
            verdict = "yes" if row["leak"] < 0.1 * row["leak_scale"] else "NO"
            isolated = f"{verdict}: max |Δlogit| {row['leak']:.1e} (vs {row['leak_scale']:.2f} unmasked)"
        cells = [name, str(row["steps"]), f"{row['seqs_per_step']:.1f}", f"{row['tokens_per_step']:.0f}"]
        cells += [f"{row['padding_share']:.1%} ({row['padding_share_max']:.1%})", f"{row['tokens_per_s']:,.0f}"]
        cells += [f"{row['tokens_per_s'] / baseline['tokens_per_s']:.2f}×"]
        cells += [formatter(row, baseline) for _, formatter in columns] + [f"{row['train_loss']:.4f}", isolated]
        lines.append(cells)
    widths = [max(len(line[index]) for line in lines) for index in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def print_verdict(figures: dict[str, dict]) -> None:
    baseline = figures["padded"]
    shares = ", ".join(
        f"{name} {row['padding_share_max']:.1%} ({'met' if row['padding_share_max'] < WASTE_TARGET else 'not met'})"
        for name, row in figures.items()
    )
    print(f"padding per batch < {WASTE_TARGET:.0%} (worst batch): {shares}")
    meeting = [name for name, row in figures.items() if row["padding_share_max"] < WASTE_TARGET]
    if meeting:
        best = max(meeting, key=lambda name: figures[name]["tokens_per_s"])
        ratio = figures[best]["tokens_per_s"] / baseline["tokens_per_s"]
        print(f"the faster setting that meets it: {best}, at {ratio:.2f}× the padded tokens/s")


def memory_ratio(key: str, unit: str, digits: int):
    return lambda row, baseline: f"{row[key]:.{digits}f} {unit} ({row[key] / baseline[key]:.2f}×)"


def cpu_section(dataset_dir: Path, base_dir: Path, facts: dict, steps: int, threads: int) -> None:
    print(
        f"\n== CPU: tiny base ({facts['base_parameters']:,} parameters), {TINY_RECIPE.name}, "
        f"{facts['train_rows']} training rows, {threads} torch thread(s) of {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} =="
    )
    overrides = {"model_name_or_path": str(base_dir), "dataset_name": str(dataset_dir)}
    figures = measure_settings(TINY_RECIPE, overrides, steps, threads)
    print_table(
        figures,
        [
            ("peak RSS", memory_ratio("peak_rss_mib", "MiB", 0)),
            # Loading can peak above training; growth is how far training pushed the peak past it.
            ("RSS growth in training", lambda row, baseline: f"{row['train_rss_growth_mib']:.1f} MiB"),
        ],
    )
    print_verdict(figures)


def gpu_section(dataset_dir: Path, base_dir: Path, work: Path, steps: int, peak_tflops: float) -> None:
    if not torch.cuda.is_available():
        print(
            "\n== GPU: skipped: no CUDA device here (torch.cuda.is_available() is False); on a GPU machine run "
            "`python perf/train.py --gpu-only` =="
        )
        return
    model_dir = work / "phi-1_5-sized"
    parameters = in_fresh_process(build_phi_sized_model, base_dir, model_dir)
    print(
        f"\n== GPU: {torch.cuda.get_device_name()}, random phi-1_5-sized model ({parameters / 1e9:.2f}B parameters) "
        f"in 4-bit NF4 with LoRA, {PHI_RECIPE.name}; MFU = 6 × {parameters / 1e9:.2f}B × tokens/s / "
        f"{peak_tflops:g} TFLOP/s (all base parameters, no attention term) =="
    )
    overrides = {"model_name_or_path": str(model_dir), "dataset_name": str(dataset_dir)}
    figures = measure_settings(PHI_RECIPE, overrides, steps)
    for row in figures.values():
        row["mfu"] = 6 * parameters * row["tokens_per_s"] / (peak_tflops * 1e12)
    print_table(
        figures,
        [
            ("peak GPU memory", memory_ratio("peak_gpu_gib", "GiB", 2)),
            ("MFU", lambda row, baseline: f"{row['mfu']:.2%}"),
        ],
    )
    print_verdict(figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--steps", type=int, default=30, help=f"optimizer steps per setting (the first {WARMUP_STEPS} untimed)"
    )
    parser.add_argument(
        "--cpu-threads",
        type=int,
        default=1,
        help="torch threads for the CPU section; 1 by default because on a shared machine several threads wait on "
        "each other behind other jobs, and timings then swing tenfold",
    )
    parser.add_argument("--gpu-only", action="store_true", help="skip the CPU section")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="the GPU's dense bf16 peak (H100 SXM: 989)")
    args = parser.parse_args()
    if args.steps <= WARMUP_STEPS:
        parser.error(f"--steps must be more than the {WARMUP_STEPS} warm-up steps")
    with tempfile.TemporaryDirectory(prefix="perf-train-") as work:
        dataset_dir, base_dir, facts = build_inputs(Path(work))
        if not args.gpu_only:
            cpu_section(dataset_dir, base_dir, facts, args.steps, args.cpu_threads)
        gpu_section(dataset_dir, base_dir, Path(work), args.steps, args.peak_tflops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Loss curves (train and eval) from the Trainer's log history, as a PNG next to the adapter."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_losses(log_history: list[dict], out_path: str | Path) -> None:
    train = [(entry["step"], entry["loss"]) for entry in log_history if "loss" in entry]
    evaluation = [(entry["step"], entry["eval_loss"]) for entry in log_history if "eval_loss" in entry]
    figure, axes = plt.subplots(figsize=(7, 4), dpi=120)
    if train:
        axes.plot(*zip(*train, strict=True), label="train loss", color="#1f77b4")
    if evaluation:
        axes.plot(*zip(*evaluation, strict=True), label="eval loss (test split)", color="#d62728", marker="o")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title("LoRA finetuning")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_path)
    plt.close(figure)

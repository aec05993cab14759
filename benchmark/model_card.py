"""`--update-model-card ADAPTER_DIR`: put the benchmark results into the adapter card's YAML
front matter as a Hub `model-index`, keeping the rest of the card."""

from __future__ import annotations

from pathlib import Path

import yaml

from cazton_llm.atomic import write_text
from cazton_llm.errors import UserError

CARD_METRICS = {
    "rouge_l": "ROUGE-L F1",
    "semantic_similarity": "Semantic similarity",
    "faithfulness": "Faithfulness",
    "clean_stop": "Clean-stop rate",
}


def model_index(model_name: str, metrics_by_mode: dict[str, dict], dataset: str, split: str) -> list[dict]:
    """One result per prompt mode (closed-book, grounded)."""
    return [
        {
            "name": model_name,
            "results": [
                {
                    "task": {"type": "text-generation", "name": f"Website question answering ({mode})"},
                    "dataset": {"name": dataset, "type": dataset, "split": split},
                    "metrics": [
                        {"type": name, "name": label, "value": round(metrics[name]["mean"], 4)}
                        for name, label in CARD_METRICS.items()
                        if metrics[name]["mean"] is not None  # n/a: e.g. faithfulness without passages
                    ],
                }
                for mode, metrics in metrics_by_mode.items()
            ],
        }
    ]


def update_model_card(adapter_dir: str | Path, model: str, results: dict) -> None:
    card_path = Path(adapter_dir) / "README.md"
    if not card_path.is_file():
        raise UserError(f"no model card at {card_path}: pass the adapter folder written by `python -m train`")
    if model not in results["models"]:
        raise UserError(f"model {model!r} is not in this benchmark: choose one of {', '.join(results['models'])}")
    _, front, body = card_path.read_text(encoding="utf-8").split("---\n", 2)
    front_matter = yaml.safe_load(front) or {}
    name = Path(adapter_dir).name
    by_mode = {mode: results["metrics"][mode][model] for mode in results["modes"]}
    front_matter["model-index"] = model_index(name, by_mode, results["dataset"], results["split"])
    write_text(card_path, f"---\n{yaml.safe_dump(front_matter, sort_keys=False)}---\n{body}")

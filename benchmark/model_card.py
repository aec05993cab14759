"""`--update-model-card ADAPTER_DIR`: put the benchmark results into the adapter card's front matter as a
Hub `model-index` (huggingface_hub's `EvalResult`), keeping the rest of the card."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import EvalResult, ModelCard

from cazton_llm.atomic import write_text
from cazton_llm.cards import load_card
from cazton_llm.errors import UserError

CARD_METRICS = {
    "rouge_l": "ROUGE-L F1",
    "semantic_similarity": "Semantic similarity",
    "faithfulness": "Faithfulness",
    "clean_stop": "Clean-stop rate",
}


def eval_results(metrics_by_mode: dict[str, dict], dataset: str, split: str) -> list[EvalResult]:
    """One task (question answering on `dataset`) with each metric once per prompt mode, the mode as the metric's
    config (closed-book, retrieved, …); n/a metrics (e.g. faithfulness without passages) are left out."""
    return [
        EvalResult(
            task_type="text-generation",
            task_name="Website question answering",
            dataset_type=dataset,
            dataset_name=dataset,
            dataset_split=split,
            metric_type=name,
            metric_name=f"{label} ({mode})",
            metric_config=mode,
            metric_value=round(metrics[name]["mean"], 4),
        )
        for mode, metrics in metrics_by_mode.items()
        for name, label in CARD_METRICS.items()
        if metrics[name]["mean"] is not None
    ]


def read_model_card(adapter_dir: str | Path) -> ModelCard:
    """The adapter's model card; missing or damaged is one UserError (checked before the benchmark runs, too)."""
    card_path = Path(adapter_dir) / "README.md"
    if not card_path.is_file():
        raise UserError(f"no model card at {card_path}: pass the adapter folder written by `python -m train`")
    return load_card(card_path, ModelCard, "copy the adapter folder again, or train it again with `python -m train`")


def update_model_card(adapter_dir: str | Path, model: str, results: dict) -> None:
    card_path = Path(adapter_dir) / "README.md"
    if model not in results["models"]:
        raise UserError(f"model {model!r} is not in this benchmark: choose one of {', '.join(results['models'])}")
    card = read_model_card(adapter_dir)
    by_mode = {mode: results["metrics"][mode][model] for mode in results["modes"] if model in results["metrics"][mode]}
    card.data.eval_results = eval_results(by_mode, results["dataset"], results["split"])
    card.data.model_name = card.data.model_name or Path(adapter_dir).name
    write_text(card_path, str(card))

"""Which dataset the Space knows when none is set: the one the adapter's model card names. What it knows
of it, and what goes into the prompt, is `cazton_llm.retrieval`'s (shared with the benchmark)."""

from __future__ import annotations

from pathlib import Path

from cazton_llm.cards import load_card
from cazton_llm.hub import hub_errors
from cazton_llm.model_loading import ModelRef


def dataset_named_by(adapter: str) -> str | None:
    """The dataset an adapter's model card names under `datasets:` (a published adapter names the one it was
    trained on), or None: no adapter, no card, or a card that names none."""
    from huggingface_hub import ModelCard, hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    if not adapter:
        return None
    ref = ModelRef.parse(adapter)
    card_path = Path(ref.name) / "README.md"
    if not ref.is_local:
        with hub_errors(f"access to the model card of {ref.name}"):
            try:
                card_path = Path(hf_hub_download(ref.name, "README.md", revision=ref.revision))
            except EntryNotFoundError:
                return None
    if not card_path.is_file():
        return None
    hint = "copy the adapter folder again, or name the dataset with --dataset"
    named = load_card(card_path, ModelCard, hint).data.datasets
    if isinstance(named, str):  # one dataset, written without a list
        return named
    return named[0] if named else None

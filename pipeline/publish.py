"""`python -m pipeline publish`: push the run's dataset, adapter and Space to the Hub in one go,
each card linking to the others (dataset card ↔ model card ↔ Space front matter). Everything that
can refuse is checked before the first upload: the adapter's base, and write access to all three
repos (created if needed, the Space's variables set)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from huggingface_hub import DatasetCard, ModelCard

from cazton_llm.cards import read_summary
from cazton_llm.errors import UserError
from cazton_llm.hub import check_repo_id, create_repo, upload_folder
from cazton_llm.layout import OutputLayout
from cazton_llm.model_loading import ModelRef
from cazton_llm.packaged_models import PACKAGED_MODELS
from dataset_builder.card import BUILD_SUMMARY_FILE, dataset_card
from pipeline.config import PipelineConfig
from train.card import TRAINING_SUMMARY_FILE, adapter_card


def linked_dataset_card(dataset_dir: Path, dataset_id: str, adapter_id: str, space_id: str) -> str:
    """The dataset's card built again with its Hub id and links to the adapter and the Space."""
    card_data = DatasetCard.load(dataset_dir / "README.md").data
    card_data.pretty_name = f"{dataset_id.split('/')[1]} QA"
    counts = read_summary(dataset_dir, BUILD_SUMMARY_FILE)
    return str(dataset_card(card_data, counts, dataset_id, str(dataset_dir), adapter_id, space_id))


def linked_model_card(adapter_dir: Path, dataset_id: str, adapter_id: str, space_id: str) -> str:
    """The adapter's card built again with its Hub id, its dataset's and a link to the Space; its benchmark
    results (model-index) are kept, named by the adapter's Hub id."""
    card_data = ModelCard.load(adapter_dir / "README.md").data
    card_data.datasets = [dataset_id]
    if card_data.eval_results:
        card_data.model_name = adapter_id
    summary = read_summary(adapter_dir, TRAINING_SUMMARY_FILE)
    return str(adapter_card(card_data, summary, adapter_id, str(adapter_dir), space_id))


def staged_copy(folder: Path, work: Path, card_text: str) -> Path:
    """A copy of `folder` with its README.md replaced (the run's own folder stays as it is)."""
    copy = work / folder.name
    shutil.copytree(folder, copy)
    (copy / "README.md").write_text(card_text)
    return copy


def check_adapter_base(adapter_dir: Path, trained_on_base: str) -> None:
    """The adapter must have been trained on the base this run trains on: the Space and the model card
    pair it with that base."""
    card_base = ModelCard.load(adapter_dir / "README.md").data.base_model
    if card_base is None or ModelRef.parse(card_base).name != ModelRef.parse(trained_on_base).name:
        raise UserError(
            f"the adapter in {adapter_dir} was trained on {card_base!r}, not on {trained_on_base!r} (base.model): "
            "publish the run that trained it, or train it again on base.model"
        )


def check_card_files(folder: Path, summary_file: str, card_type) -> None:
    """The summary and the card read back, before any Hub request: a file cut short or damaged is one line."""
    path = folder / summary_file
    try:
        read_summary(folder, summary_file)
        path = folder / "README.md"
        card_type.load(path)
    except (ValueError, yaml.YAMLError) as error:  # JSON and UTF-8 errors are ValueErrors
        raise UserError(
            f"{path} is cut short or damaged ({str(error).splitlines()[0]}): delete {folder} and run "
            "`python -m pipeline run --config …` again"
        ) from None


def publish_all(config: PipelineConfig, console) -> dict:
    """Check everything, every repo's write access included, then upload the dataset, the adapter and the Space."""
    from space.config import SpaceConfig
    from space.embed import embed_snippet, space_url
    from space.publish import prepare_space, upload_space

    hub = config.hub
    for name in ("dataset", "adapter", "space"):
        if not getattr(hub, name):
            raise UserError(f"hub.{name} is not set in the config: name the Hub repos to publish to (owner/name)")
        check_repo_id(getattr(hub, name))
    if config.offline_base:
        raise UserError("the tiny offline base exists only on this machine: publish a run whose base.model is a Hub id")
    layout = OutputLayout(Path(config.run_dir))
    for folder, summary_file, card_type in (
        (layout.dataset, BUILD_SUMMARY_FILE, DatasetCard),
        (layout.adapter, TRAINING_SUMMARY_FILE, ModelCard),
    ):
        if not (folder / "README.md").is_file():
            raise UserError(f"{folder} is missing: run `python -m pipeline run --config …` first")
        if not (folder / summary_file).is_file():  # made by a version that did not keep it
            raise UserError(
                f"{folder / summary_file} is missing, so its card cannot name the Hub ids: delete {folder} and "
                "run `python -m pipeline run --config …` again"
            )
        check_card_files(folder, summary_file, card_type)
    # A packaged base was imported from its GGUF file: its adapter card and the Space name the Hub model it came from.
    hub_base = PACKAGED_MODELS[config.base.model].source if config.packaged_base else config.base.model
    check_adapter_base(layout.adapter, hub_base)
    space_config = SpaceConfig(base_model=hub_base, adapter=hub.adapter, dataset=hub.dataset, company=config.company)
    console.print(f"checking write access to {hub.dataset}, {hub.adapter} and {hub.space}")
    urls = {
        "dataset": create_repo(hub.dataset, "dataset", private=hub.private),
        "adapter": create_repo(hub.adapter, "model", private=hub.private),
        "space": prepare_space(hub.space, space_config, private=hub.private),
    }
    with tempfile.TemporaryDirectory(prefix="cazton-publish-") as work:
        dataset_card = linked_dataset_card(layout.dataset, hub.dataset, hub.adapter, hub.space)
        console.print(f"pushing dataset → {hub.dataset}")
        upload_folder(staged_copy(layout.dataset, Path(work), dataset_card), hub.dataset, "dataset")
        model_card = linked_model_card(layout.adapter, hub.dataset, hub.adapter, hub.space)
        console.print(f"pushing adapter → {hub.adapter}")
        upload_folder(staged_copy(layout.adapter, Path(work), model_card), hub.adapter, "model")
    console.print(f"publishing Space → {hub.space}")
    upload_space(hub.space, space_config)
    for kind, url in urls.items():
        console.print(f"{kind}: {url}")
    print(f"Put the chat on your website with:\n{embed_snippet(space_url(hub.space))}")
    return urls

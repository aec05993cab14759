"""`build`: cleaned pairs (+ human review decisions) and the crawled pages → a folder laid out exactly like
the Hub dataset repo (README.md card + data/*.parquet + text/*.parquet + passages/*.parquet), optionally
pushed to the Hub."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from pathlib import Path

from cazton_llm.atomic import atomic_dir, write_jsonl
from cazton_llm.cards import write_card
from cazton_llm.errors import UserError
from cazton_llm.hub import upload_folder
from cazton_llm.page_schema import read_pages
from cazton_llm.qa_schema import read_qa
from dataset_builder.card import BUILD_SUMMARY_FILE, card_data, dataset_card
from dataset_builder.config import BuildConfig
from dataset_builder.review import apply_reviews, load_reviews
from dataset_builder.site_qa_builder import SiteQA

CONFIG_FOLDERS = {"default": "data", "text": "text", "passages": "passages"}


def prepare_splits(qa_path: Path, pages_path: Path | None, work_dir: Path, seed: int, test_fraction: float) -> dict:
    """Run the builder for each config (`passages` only when the crawled pages are given); returns
    {config: DatasetDict}."""
    built = {}
    for config_name in CONFIG_FOLDERS if pages_path else ("default", "text"):
        builder = SiteQA(
            config_name=config_name,
            cache_dir=str(work_dir / "cache"),
            qa_path=str(qa_path),
            pages_path=str(pages_path or ""),
            seed=seed,
            test_fraction=test_fraction,
        )
        builder.download_and_prepare()
        built[config_name] = builder.as_dataset()
    return built


def write_shards(built: dict, folder: Path) -> dict[str, dict[str, str]]:
    """Write each split as one parquet file whose name ends with a digest of its content; returns
    {config: {split: path in the folder}}, the exact paths the card declares.

    datasets caches a local folder under its name and the data paths its card declares, never the files'
    content: names that change with the content make a plain `load_dataset(folder)` read what is there,
    whatever another folder of the same name (or this one, before a rebuild) held when it was loaded.
    """
    paths: dict[str, dict[str, str]] = {}
    for config_name, splits in built.items():
        for split, dataset in splits.items():
            staged = folder / CONFIG_FOLDERS[config_name] / f"{split}.parquet"
            dataset.to_parquet(staged)
            digest = hashlib.sha256(staged.read_bytes()).hexdigest()[:16]
            path = f"{CONFIG_FOLDERS[config_name]}/{split}-00000-of-00001-{digest}.parquet"
            staged.rename(folder / path)
            paths.setdefault(config_name, {})[split] = path
    return paths


def cleaning_report(config: BuildConfig) -> dict | None:
    """The clean stage's drop counts for the card, when the config names its report."""
    if config.clean_report is None:
        return None
    if not config.clean_report.is_file():
        raise UserError(
            f"clean report {str(config.clean_report)!r} not found: run `python -m dataset_builder clean` first, "
            "or leave --clean-report out"
        )
    return json.loads(config.clean_report.read_text())


def build_dataset(config: BuildConfig) -> dict:
    """Build the dataset folder; returns the counts shown on its card."""
    if not config.qa.is_file():
        raise UserError(f"QA file {str(config.qa)!r} not found: run `python -m dataset_builder clean` first")
    cleaning = cleaning_report(config)
    if config.pages is not None and not config.pages.is_file():
        raise UserError(f"pages file {str(config.pages)!r} not found: crawl with `python -m scraper` first")
    if config.pages is not None:
        read_pages(config.pages)  # a bad line is named before any output is started (the builder reads it again)
    records = list(read_qa(config.qa))
    if not records:
        raise UserError(f"QA file {str(config.qa)!r} has no pairs")
    records, applied = apply_reviews(records, load_reviews(config.reviews))
    generators = Counter((record.generator, record.model) for record in records).most_common(1)[0][0]
    with tempfile.TemporaryDirectory() as work, atomic_dir(config.out) as folder:
        reviewed = Path(work) / "reviewed.jsonl"
        write_jsonl(reviewed, (record.to_dict() for record in records))
        built = prepare_splits(reviewed, config.pages, Path(work), config.seed, config.test_fraction)
        data_files = write_shards(built, folder)
        counts = {
            "train": built["default"]["train"].num_rows,
            "test": built["default"]["test"].num_rows if "test" in built["default"] else 0,
            "pages": len({record.source_url for record in records if record.source_url}),
            "passages": built["passages"]["train"].num_rows if "passages" in built else 0,
            "generator": generators[0],
            "model": generators[1],
            "reviews": applied,
            "cleaning": cleaning,
        }
        pretty_name = f"{config.push_to_hub.split('/')[1] if config.push_to_hub else 'Website'} QA"
        data = card_data(counts, data_files, pretty_name)
        write_card(folder, dataset_card(data, counts, config.push_to_hub, str(config.out)), BUILD_SUMMARY_FILE, counts)
    if not counts["test"]:
        reason = "--test-fraction is 0" if config.test_fraction == 0 else "the pairs come from one page"
        print(
            f"notice: no test split ({reason}; pages are never split): all {counts['train']} pairs are in train, "
            "and the benchmark and the training's eval loss need a test split"
        )
    if config.push_to_hub:
        counts["url"] = upload_folder(config.out, config.push_to_hub, "dataset", private=config.private)
    return {key: value for key, value in counts.items() if key != "cleaning"}

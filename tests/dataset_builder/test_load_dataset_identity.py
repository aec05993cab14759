"""The folder `build` writes loads with a plain `datasets.load_dataset(path)`, whatever its name and whatever
was loaded before: two different datasets in two folders of the same name, a folder rebuilt with other pairs,
and a Hub repo published twice each load their own rows."""

import json

from datasets import load_dataset

from cazton_llm.dataset_loading import load_qa_dataset
from dataset_builder.build import build_dataset
from dataset_builder.config import BuildConfig


def split_by_page(qa_dataset_dir, tmp_path):
    """Two different QA files: the pairs of the first half of the pages, and those of the second half."""
    rows = [json.loads(line) for line in (qa_dataset_dir.parent / "clean.jsonl").read_text().splitlines()]
    pages = sorted({row["source_url"] for row in rows})
    halves = {"first": set(pages[: len(pages) // 2]), "second": set(pages[len(pages) // 2 :])}
    paths = {}
    for name, half in halves.items():
        paths[name] = tmp_path / f"{name}.jsonl"
        paths[name].write_text("".join(json.dumps(row) + "\n" for row in rows if row["source_url"] in half))
    return paths


def ids(dataset_dict) -> dict:
    return {split: sorted(dataset_dict[split]["id"]) for split in ("train", "test")}


def test_same_named_folders_each_load_their_own_rows(qa_dataset_dir, tmp_path):
    qa = split_by_page(qa_dataset_dir, tmp_path)
    build_dataset(BuildConfig(qa=qa["first"], out=tmp_path / "a" / "dataset"))
    first = ids(load_dataset(str(tmp_path / "a" / "dataset")))
    build_dataset(BuildConfig(qa=qa["second"], out=tmp_path / "b" / "dataset"))

    second = ids(load_dataset(str(tmp_path / "b" / "dataset")))
    assert second != first and not set(second["train"]) & set(first["train"])
    assert ids(load_dataset(str(tmp_path / "b" / "dataset"), download_mode="force_redownload")) == second
    assert ids(load_qa_dataset(tmp_path / "b" / "dataset")) == second
    assert ids(load_dataset(str(tmp_path / "a" / "dataset"))) == first


def shard_names(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*.parquet"))


def test_a_folder_rebuilt_with_other_pairs_loads_the_new_rows(qa_dataset_dir, tmp_path):
    qa = split_by_page(qa_dataset_dir, tmp_path)
    build_dataset(BuildConfig(qa=qa["first"], out=tmp_path / "dataset"))
    first = ids(load_dataset(str(tmp_path / "dataset")))
    first_shards = shard_names(tmp_path / "dataset")
    build_dataset(BuildConfig(qa=qa["second"], out=tmp_path / "dataset"))
    assert ids(load_dataset(str(tmp_path / "dataset"))) != first

    build_dataset(
        BuildConfig(qa=qa["first"], out=tmp_path / "again")
    )  # the same pairs give the same files (nothing new to upload)
    assert shard_names(tmp_path / "again") == first_shards != shard_names(tmp_path / "dataset")


def test_publishing_v2_then_loading_by_repo_id_returns_v2(hub, qa_dataset_dir, tmp_path):
    from huggingface_hub import HfApi

    qa = split_by_page(qa_dataset_dir, tmp_path)
    repo_id = hub.new_repo_id("site-qa")
    build_dataset(BuildConfig(qa=qa["first"], out=tmp_path / "dataset", push_to_hub=repo_id))
    v1 = ids(load_dataset(repo_id))
    assert v1 == ids(load_dataset(str(tmp_path / "dataset")))
    build_dataset(BuildConfig(qa=qa["second"], out=tmp_path / "dataset", push_to_hub=repo_id))

    v2 = ids(load_dataset(repo_id))
    assert v2 == ids(load_dataset(str(tmp_path / "dataset"))) != v1
    local_files = {str(path.relative_to(tmp_path / "dataset")) for path in (tmp_path / "dataset").rglob("*.*")}
    assert set(HfApi().list_repo_files(repo_id, repo_type="dataset")) == {".gitattributes", *local_files}

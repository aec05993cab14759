"""`build --push-to-hub` through the real CLI against the Hub stand-in: the pushed repo loads by id with the same
rows as the local folder, and a bad id or token fails with one line, leaving nothing half-written."""

import os

import pytest
from huggingface_hub import DatasetCard, HfApi

from cazton_llm.dataset_loading import load_qa_dataset


def rows_by_split(dataset_dict) -> dict:
    return {split: sorted(dataset_dict[split].to_list(), key=lambda row: row["id"]) for split in ("train", "test")}


@pytest.mark.slow
def test_pushed_dataset_loads_by_repo_id_with_the_same_rows(hub, qa_dataset_dir, tmp_path, run_cli):
    from datasets import load_dataset

    repo_id = hub.new_repo_id("site-qa")
    args = ("build", "--qa", str(qa_dataset_dir.parent / "clean.jsonl"), "--out", str(tmp_path / "ds"))
    result = run_cli(*args, "--push-to-hub", repo_id)
    assert result.returncode == 0, result.stderr

    local = load_qa_dataset(tmp_path / "ds")
    pushed = load_dataset(repo_id)
    assert rows_by_split(pushed) == rows_by_split(local)
    assert rows_by_split(pushed)["test"]  # both splits hold rows
    assert load_dataset(repo_id, "text")["train"].num_rows == local["train"].num_rows
    card = DatasetCard(hub.file_content(repo_id, "README.md", repo_type="dataset").decode())
    assert card.data.pretty_name == f"{repo_id.split('/')[1]} QA" and f'load_dataset("{repo_id}")' in card.text
    assert hub.token not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("repo_name", "token", "message"),
    [
        ("not a repo", "valid", "invalid Hub repo id"),
        ("site-qa", None, "no Hugging Face token"),
        ("site-qa", "hf_revoked", "the Hub refused the upload"),
    ],
)
def test_bad_repo_id_or_token_is_one_line_and_nothing_half_written(
    hub, qa_dataset_dir, tmp_path, repo_name, token, message, run_cli
):
    repo_id = hub.new_repo_id(repo_name) if repo_name == "site-qa" else repo_name
    env = {key: value for key, value in os.environ.items() if key != "HF_TOKEN"}
    if token:
        env["HF_TOKEN"] = hub.token if token == "valid" else token
    args = ("build", "--qa", str(qa_dataset_dir.parent / "clean.jsonl"), "--out", str(tmp_path / "ds"))
    result = run_cli(*args, "--push-to-hub", repo_id, env=env)

    assert result.returncode == 2
    # Build progress may come first when the token is only checked at upload time; the error itself is one line.
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert error_lines == result.stderr.splitlines()[-1:] and "Traceback" not in result.stderr
    assert message in error_lines[0]
    assert not [r for r in hub.requests if repo_id in r["path"] and r["status"] < 400]
    assert repo_name != "site-qa" or not HfApi().repo_exists(repo_id, repo_type="dataset")
    if (tmp_path / "ds").exists():  # a failed push may keep the finished local folder, never a partial one
        assert rows_by_split(load_qa_dataset(tmp_path / "ds")) == rows_by_split(load_qa_dataset(qa_dataset_dir))

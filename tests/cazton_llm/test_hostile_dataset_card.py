"""A dataset folder's card is input like any file: one naming its data files by URL, by an absolute path or by a
path out of the folder is refused in one `error:` line before anything is fetched or read, by the benchmark,
training and the Space alike; so is a card without the config the command asks for."""

import re
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.cazton_llm.entry_points import commands, refusal_line

OUTSIDE = "keep every data file inside the folder, as `python -m dataset_builder build` does"


class RecordingHandler(SimpleHTTPRequestHandler):
    """Serves the folder it is given, and records every request."""

    requests: ClassVar[list[str]] = []

    def log_message(self, format, *args):
        self.requests.append(self.path)


@pytest.fixture
def shard_server(qa_dataset_dir):
    """The dataset's own shards, served on 127.0.0.1: a card that named them by URL would be answered."""
    RecordingHandler.requests = []
    handler = partial(RecordingHandler, directory=str(qa_dataset_dir / "data"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def card_naming_train_shard_as(qa_dataset_dir: Path, tmp_path: Path, where) -> tuple[Path, str]:
    """A copy of the dataset whose card names its train shard as `where(shard_name)`; the folder and that name."""
    dataset = Path(shutil.copytree(qa_dataset_dir, tmp_path / "dataset"))
    card = (dataset / "README.md").read_text()
    shard = re.search(r"path: data/(train-\S+\.parquet)", card)
    named = where(shard[1])
    (dataset / "README.md").write_text(card.replace(shard[0], f"path: {named}", 1))
    return dataset, named


@pytest.mark.parametrize("entry_point", ["benchmark", "train", "space"])
def test_a_card_naming_a_url_is_refused_without_a_request(
    qa_dataset_dir, checkable_model_dir, shard_server, tmp_path, capfd, entry_point
):
    dataset, named = card_naming_train_shard_as(qa_dataset_dir, tmp_path, lambda shard: shard_server + shard)
    error = refusal_line(commands(dataset, checkable_model_dir, tmp_path)[entry_point], capfd)
    assert error == f"error: dataset folder {str(dataset)!r}: its README.md names a data file outside the folder " + (
        f"({named!r}): {OUTSIDE}"
    )
    assert RecordingHandler.requests == []
    assert not (tmp_path / "report").exists() and not (tmp_path / "adapter-out").exists()  # nothing half-written


@pytest.mark.parametrize(
    "where",
    [
        lambda shard: f"../elsewhere/{shard}",
        lambda shard: f"data/../../elsewhere/{shard}",
        lambda shard: f"{Path.cwd().anchor}tmp/elsewhere/{shard}",
        lambda shard: f"hf://datasets/someone/else/{shard}",
    ],
    ids=["parent", "parent inside", "absolute", "hf url"],
)
def test_a_card_naming_a_file_out_of_the_folder_is_refused(qa_dataset_dir, checkable_model_dir, tmp_path, capfd, where):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(qa_dataset_dir / "data", elsewhere)  # it exists, and would be read
    dataset, named = card_naming_train_shard_as(qa_dataset_dir, tmp_path, where)
    error = refusal_line(commands(dataset, checkable_model_dir, tmp_path)["benchmark"], capfd)
    assert error.endswith(f"names a data file outside the folder ({named!r}): {OUTSIDE}"), error


def test_a_card_without_the_asked_config_names_those_it_has(qa_dataset_dir, checkable_model_dir, tmp_path, capfd):
    dataset = Path(shutil.copytree(qa_dataset_dir, tmp_path / "dataset"))
    card = dataset / "README.md"
    card.write_text(card.read_text().replace("config_name: default", "config_name: qa", 1))
    error = refusal_line(commands(dataset, checkable_model_dir, tmp_path)["benchmark"], capfd)
    assert error.startswith(f"error: dataset folder {str(dataset)!r} has no config 'default' (its README.md names ["), (
        error
    )
    assert "'qa'" in error and error.endswith("build it again with `python -m dataset_builder build`"), error


def test_a_hub_card_naming_a_url_is_refused_without_a_request(
    hub, qa_dataset_dir, checkable_model_dir, shard_server, tmp_path, capfd
):
    from huggingface_hub import HfApi

    dataset, named = card_naming_train_shard_as(qa_dataset_dir, tmp_path, lambda shard: shard_server + shard)
    repo_id = hub.new_repo_id("hostile-card")
    HfApi().create_repo(repo_id, repo_type="dataset")
    HfApi().upload_folder(folder_path=dataset, repo_id=repo_id, repo_type="dataset")
    error = refusal_line(commands(repo_id, checkable_model_dir, tmp_path)["benchmark"], capfd)
    assert error == f"error: dataset {repo_id!r} on the Hub: its README.md names a data file outside the repo " + (
        f"({named!r}): not loaded; ask its owner to keep every data file in the repo"
    )
    assert RecordingHandler.requests == []
    assert not (tmp_path / "report").exists() and not (tmp_path / "adapter-out").exists()  # nothing half-written


def test_a_misshapen_hub_card_is_one_line(hub, qa_dataset_dir, checkable_model_dir, tmp_path, capfd):
    from huggingface_hub import HfApi

    dataset = Path(shutil.copytree(qa_dataset_dir, tmp_path / "dataset"))
    card = dataset / "README.md"
    card.write_text(card.read_text().replace("- split: train\n    path:", "- split: train\n    paths:", 1))
    repo_id = hub.new_repo_id("misshapen-card")
    HfApi().create_repo(repo_id, repo_type="dataset")
    HfApi().upload_folder(folder_path=dataset, repo_id=repo_id, repo_type="dataset")
    error = refusal_line(commands(repo_id, checkable_model_dir, tmp_path)["benchmark"], capfd)
    assert error.startswith(f"error: dataset {repo_id!r} on the Hub does not load: Expected data_files in YAML"), error

"""`python -m pipeline publish` against the Hub stand-in: dataset, adapter and Space pushed in one go, each card
linking the others (dataset card ↔ model card ↔ Space front matter)."""

import shutil
import socket
from pathlib import Path

import pytest
import yaml
from huggingface_hub import HfApi, ModelCard, ModelCardData, RepoCard

from cazton_llm.dataset_loading import load_qa_dataset
from pipeline.cli import main
from train.card import TRAINING_SUMMARY_FILE


def run_folder(run_dir, dataset_dir, adapter_dir) -> Path:
    """A run folder whose adapter was trained on the Hub base `org/base`, as its card says."""
    shutil.copytree(dataset_dir, run_dir / "dataset")
    shutil.copytree(adapter_dir, run_dir / "adapter")
    card = ModelCard.load(run_dir / "adapter" / "README.md")
    card.data.base_model = "org/base"
    card.save(run_dir / "adapter" / "README.md")
    return run_dir


@pytest.fixture
def finished_run(tmp_path, qa_dataset_dir, tiny_adapter_dir):
    return run_folder(tmp_path / "run", qa_dataset_dir, tiny_adapter_dir)


@pytest.fixture
def carded_run(tmp_path, qa_dataset_dir):
    """The same with only the adapter's card: enough for a publish that must stop before any upload."""
    (tmp_path / "adapter").mkdir()
    ModelCard(f"---\n{ModelCardData(base_model='org/base').to_yaml()}\n---\n# A LoRA adapter\n").save(
        tmp_path / "adapter" / "README.md"
    )
    (tmp_path / "adapter" / TRAINING_SUMMARY_FILE).write_text("{}")
    return run_folder(tmp_path / "run", qa_dataset_dir, tmp_path / "adapter")


def write_config(tmp_path, run_dir, hub_ids: dict) -> str:
    config = {"name": "acme", "company": "Acme Consulting", "run_dir": str(run_dir), "base": {"model": "org/base"}}
    config["hub"] = hub_ids
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_publish_pushes_all_three_linked(hub, finished_run, tmp_path, capsys):
    ids = {kind: hub.new_repo_id(f"acme-{kind}") for kind in ("dataset", "adapter", "space")}
    assert main(["publish", "--config", write_config(tmp_path, finished_run, ids)]) == 0
    printed = capsys.readouterr()
    assert hub.token not in printed.out + printed.err

    dataset_card = hub.file_content(ids["dataset"], "README.md", repo_type="dataset").decode()
    assert f"https://huggingface.co/{ids['adapter']}" in dataset_card
    assert f"https://huggingface.co/spaces/{ids['space']}" in dataset_card
    assert f'load_dataset("{ids["dataset"]}")' in dataset_card
    assert RepoCard(dataset_card).text.lstrip().startswith(f"# {ids['dataset'].split('/')[1]} QA\n")

    model_card = hub.file_content(ids["adapter"], "README.md").decode()
    assert RepoCard(model_card).data.datasets == [ids["dataset"]]
    assert f"https://huggingface.co/spaces/{ids['space']}" in model_card
    assert f'PeftModel.from_pretrained(model, "{ids["adapter"]}")' in model_card
    assert RepoCard(model_card).text.lstrip().startswith(f"# {ids['adapter'].split('/')[1]}\n")

    space_card = RepoCard(hub.file_content(ids["space"], "README.md", repo_type="space").decode()).data.to_dict()
    assert space_card["models"] == ["org/base", ids["adapter"]] and space_card["datasets"] == [ids["dataset"]]
    variables = {key: value.value for key, value in HfApi().get_space_variables(ids["space"]).items()}
    assert variables["ADAPTER"] == ids["adapter"] and variables["DATASET"] == ids["dataset"]

    # The run's own folders keep their local cards; the pushed dataset has the run's rows.
    assert ids["dataset"] not in (finished_run / "dataset" / "README.md").read_text()
    assert ids["adapter"] not in (finished_run / "adapter" / "README.md").read_text()
    pushed = load_qa_dataset(ids["dataset"])
    assert pushed["train"].num_rows == load_qa_dataset(finished_run / "dataset")["train"].num_rows


@pytest.mark.parametrize(
    ("hub_ids", "base", "message"),
    [
        ({"dataset": "me/qa", "adapter": "me/lora"}, "org/base", "hub.space is not set"),
        ({"dataset": "me/qa", "adapter": "not a repo", "space": "me/chat"}, "org/base", "invalid Hub repo id"),
        ({"dataset": "me/qa", "adapter": "me/lora", "space": "me/chat"}, "tiny", "tiny offline base"),
        (
            {"dataset": "me/qa", "adapter": "me/lora", "space": "me/chat"},
            "microsoft/phi-1_5",
            "was trained on 'org/base', not on 'microsoft/phi-1_5' (base.model)",
        ),
    ],
)
def test_publish_errors_are_one_line_and_push_nothing(hub, carded_run, tmp_path, capsys, hub_ids, base, message):
    path = write_config(tmp_path, carded_run, hub_ids)
    requests_before = len(hub.requests)
    with pytest.raises(SystemExit) as exit_info:
        main(["publish", "--config", path, "--set", f"base.model={base}"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error and "\n" not in error
    assert len(hub.requests) == requests_before


def test_a_run_without_the_card_summaries_is_one_line(hub, carded_run, tmp_path, capsys):
    (carded_run / "adapter" / TRAINING_SUMMARY_FILE).unlink()
    ids = {kind: hub.new_repo_id(f"acme-{kind}") for kind in ("dataset", "adapter", "space")}
    with pytest.raises(SystemExit) as exit_info:
        main(["publish", "--config", write_config(tmp_path, carded_run, ids)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {carded_run / 'adapter' / TRAINING_SUMMARY_FILE} is missing") and "\n" not in error


def uploads(requests: list[dict]) -> list[str]:
    return [
        r["path"]
        for r in requests
        if r["method"] in ("POST", "PUT") and ("/commit/" in r["path"] or "lfs" in r["path"])
    ]


def test_access_to_every_repo_is_checked_before_anything_is_uploaded(hub, carded_run, tmp_path, capsys):
    ids = {kind: hub.new_repo_id(f"acme-{kind}") for kind in ("dataset", "adapter", "space")}
    hub.forbid("add_space_variable", ids["space"])  # a token that may not set the Space's variables
    requests_before = len(hub.requests)
    with pytest.raises(SystemExit) as exit_info:
        main(["publish", "--config", write_config(tmp_path, carded_run, ids)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: the Hub refused setting the variables of {ids['space']}: 403")
    assert "\n" not in error
    assert uploads(hub.requests[requests_before:]) == [], "files went up before every repo was checked"


def test_a_hub_that_cannot_be_reached_is_one_line(carded_run, tmp_path, capsys, monkeypatch):
    import huggingface_hub.constants

    with socket.socket() as closed_port:  # bound, never listening: connections are refused
        closed_port.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{closed_port.getsockname()[1]}"
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", unreachable)
        ids = {"dataset": "me/qa", "adapter": "me/lora", "space": "me/chat"}
        with pytest.raises(SystemExit) as exit_info:
            main(["publish", "--config", write_config(tmp_path, carded_run, ids)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: cannot reach the Hugging Face Hub at {unreachable}")
    assert "\n" not in error and "Traceback" not in error

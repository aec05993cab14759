"""`python -m space`: one-line errors for bad input, and the Space repo layout `publish` uploads
boots on its own (app.py at the root importing the bundled packages)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from huggingface_hub import RepoCard

from space.cli import main
from space.config import SpaceConfig
from space.publish import layout_space_repo

REPO = Path(__file__).resolve().parents[2]
SPACE_REPO_SOURCES = {"requirements.txt": "space/requirements.txt"}
FRONT_MATTER_KEYS = {"title", "emoji", "sdk", "sdk_version", "app_file", "models", "datasets", "license"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "--port: input should be less than or equal to 65535, got 70000"),
        (["--base-model", "./no/such/base"], "does not exist"),
        (["--base-model", "/tmp", "--adapter", "./no/such/adapter"], "does not exist"),
        (["--base-model", "/tmp", "--adapter", "", "--dataset", "./no/such/dataset"], "does not exist"),
        (["publish"], "publish needs the Space id"),
        (["publish", "not a repo id"], "invalid Hub repo id"),
        (["owner/name"], "unknown command 'owner/name'"),
        (["serve", "owner/name"], "serve takes options only"),
    ],
)
def test_bad_arguments_fail_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error
    assert "\n" not in error


def test_space_repo_layout_has_front_matter_and_packages(tmp_path):
    config = SpaceConfig(base_model="microsoft/phi-1_5@abc123", adapter="acme/lora", dataset="acme/qa", company="Acme")
    layout_space_repo(tmp_path, config)
    card = RepoCard((tmp_path / "README.md").read_text()).data.to_dict()
    assert set(card) >= FRONT_MATTER_KEYS
    assert card["sdk"] == "gradio" and card["app_file"] == "app.py"
    assert card["models"] == ["microsoft/phi-1_5", "acme/lora"] and card["datasets"] == ["acme/qa"]
    assert card["title"] == "Acme Assistant" and "Acme" in card["short_description"]
    assert (tmp_path / "app.py").read_text() == (tmp_path / "space" / "app.py").read_text()
    for module in ("space/chat.py", "space/retrieval.py", "cazton_llm/prompt_format.py", "requirements.txt"):
        assert (tmp_path / module).is_file()
    assert not list(tmp_path.rglob("__pycache__"))
    assert not list((tmp_path / "space").glob("requirements.*")) and not (tmp_path / "space" / "README.md").exists()
    requirements = [line for line in (tmp_path / "requirements.txt").read_text().splitlines() if line[:1].isalnum()]
    assert any(line.startswith("torch==") for line in requirements) and all("==" in line for line in requirements)


def test_publish_uploads_the_space_and_sets_its_variables(hub, capsys):
    from huggingface_hub import HfApi

    repo_id = hub.new_repo_id("chat")
    argv = ["publish", repo_id, "--base-model", "microsoft/phi-1_5@main", "--adapter", "me/lora", "--dataset", "me/qa"]
    argv += ["--company", "Northwind Forge"]
    assert main(argv) == 0
    output = capsys.readouterr()
    assert repo_id in output.out
    assert hub.token not in output.out + output.err
    card = RepoCard(hub.file_content(repo_id, "README.md", repo_type="space").decode()).data.to_dict()
    assert card["sdk"] == "gradio" and card["app_file"] == "app.py"
    assert card["models"] == ["microsoft/phi-1_5", "me/lora"] and card["datasets"] == ["me/qa"]
    assert hub.file_content(repo_id, "app.py", repo_type="space") == (REPO / "space" / "app.py").read_bytes()
    for path in ("space/chat.py", "cazton_llm/prompt_format.py", "requirements.txt"):
        assert (
            hub.file_content(repo_id, path, repo_type="space")
            == (REPO / SPACE_REPO_SOURCES.get(path, path)).read_bytes()
        )
    variables = {key: value.value for key, value in HfApi().get_space_variables(repo_id).items()}
    assert variables == {
        "BASE_MODEL": "microsoft/phi-1_5@main",
        "ADAPTER": "me/lora",
        "DATASET": "me/qa",
        "COMPANY": "Northwind Forge",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_the_space_repo_boots_from_its_own_folder(tmp_path, tiny_base_dir, tiny_adapter_dir, qa_dataset_dir):
    repo_dir = tmp_path / "space-repo"
    repo_dir.mkdir()
    layout_space_repo(repo_dir, SpaceConfig())
    port = free_port()
    env = {
        **os.environ,
        "BASE_MODEL": str(tiny_base_dir),
        "ADAPTER": str(tiny_adapter_dir),
        "DATASET": str(qa_dataset_dir),
        "GRADIO_SERVER_PORT": str(port),
        "DEVICE": "cpu",
        "PYTHONPATH": "",
    }
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=repo_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if "Chat is running at" in line or server.poll() is not None:
                break
        assert f"http://127.0.0.1:{port}/" in line, line
        assert requests.get(f"http://127.0.0.1:{port}/config", timeout=10).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)

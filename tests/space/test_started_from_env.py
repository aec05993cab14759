"""The Space as users start it, from its environment variables alone, and asked a question through
gradio_client: no placeholder is ever a default, the dataset comes from DATASET or else from the adapter's
model card, and Gradio's own GRADIO_SERVER_NAME / GRADIO_SERVER_PORT say where it listens."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client
from huggingface_hub import ModelCard

from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.hub import upload_folder
from space.cli import main
from tests.space.conftest import reply_parts

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
NO_DATASET = "No dataset is loaded"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def space_env(**settings: str) -> dict:
    """This process's environment (Hub stand-in, HF_HOME) without any Space or Gradio setting, plus `settings`."""
    unset = {"BASE_MODEL", "ADAPTER", "DATASET", "PORT", "GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT"}
    return {**{k: v for k, v in os.environ.items() if k not in unset}, "DEVICE": "cpu", **settings}


def test_only_base_model_and_adapter_serves_without_sources_on_gradios_port(tiny_base_dir, tiny_adapter_dir):
    port = free_port()
    env = space_env(
        BASE_MODEL=str(tiny_base_dir),
        ADAPTER=str(tiny_adapter_dir),
        GRADIO_SERVER_NAME="localhost",
        GRADIO_SERVER_PORT=str(port),
    )
    command = [sys.executable, "-m", "space"]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        for line in server.stdout:
            output.append(line)
            if "Chat is running at" in line:
                break
        assert output[-1].strip() == f"Chat is running at http://localhost:{port}/", "".join(output[-20:])

        client = Client(f"http://localhost:{port}/", verbose=False)
        answer, titled = reply_parts(client.predict("What does Northwind Forge do?", True, api_name="/chat"))
        assert answer.strip() and "Sources" not in titled
        assert str(client.config).count(NO_DATASET) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_dataset_named_by_the_adapter_card_gives_the_sources(
    hub, monkeypatch, tmp_path, tiny_base_dir, tiny_adapter_dir, qa_dataset_dir
):
    from space.app import launch
    from space.config import SpaceConfig

    dataset_id, adapter_id = hub.new_repo_id("site-qa"), hub.new_repo_id("site-lora")
    upload_folder(qa_dataset_dir, dataset_id, "dataset")
    shutil.copytree(tiny_adapter_dir, tmp_path / "adapter")
    card = ModelCard.load(tmp_path / "adapter" / "README.md")
    card.data.datasets = [dataset_id]
    card.save(tmp_path / "adapter" / "README.md")
    upload_folder(tmp_path / "adapter", adapter_id, "model")
    for name in ("DATASET", "GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BASE_MODEL", str(tiny_base_dir))
    monkeypatch.setenv("ADAPTER", adapter_id)  # loaded with PeftModel.from_pretrained from the Hub stand-in

    demo = launch(SpaceConfig(device="cpu"), block=False)
    try:
        client = Client(demo.local_url, verbose=False)
        reply = client.predict("Who are the technology partners of Northwind Forge?", True, api_name="/chat")
        sources = reply_parts(reply)[1]["Sources"]
        assert any(url in sources for url in set(load_qa_dataset(qa_dataset_dir, split="train")["source_url"]))
        assert NO_DATASET not in str(client.config)
    finally:
        demo.close()


def test_a_gradio_port_that_is_not_a_port_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("GRADIO_SERVER_PORT", "http")
    with pytest.raises(SystemExit) as exit_info:
        main(["--base-model", "/tmp", "--adapter", ""])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == "error: GRADIO_SERVER_PORT='http' is not a TCP port: use 1–65535"

"""Test-wide setup: local stand-ins only, never the real network.

Hub variables must be set before `huggingface_hub`/`datasets` are imported anywhere, so they
are set here, at the top of the root conftest.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Session-wide temporary folders, removed when the test process exits (not left behind in /tmp).
_session_tmp = tempfile.mkdtemp(prefix="cazton-tests-")
atexit.register(shutil.rmtree, _session_tmp, ignore_errors=True)
os.environ.setdefault("HF_HOME", os.path.join(_session_tmp, "hf-home"))
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.pop("OPENAI_API_KEY", None)

import pytest  # noqa: E402  (after the environment setup above)

from tests.stand_ins.hub_server import HubStandIn  # noqa: E402  (imports no Hub client)
from tests.stand_ins.openai_server import OpenAIStandIn  # noqa: E402

# One Hub stand-in for the whole session; every Hub client in the tests talks to it with a fake token.
HUB = HubStandIn(os.path.join(_session_tmp, "hub")).start()
os.environ["HF_ENDPOINT"] = HUB.url
os.environ["HF_TOKEN"] = HUB.token


@pytest.fixture
def hub(monkeypatch) -> HubStandIn:
    """The session's Hub stand-in: `requests` log, `new_repo_id(name)`, `file_content(...)`, `token`."""
    import datasets.config

    # datasets asks the dataset viewer at datasets-server.<endpoint host> for exported infos; for a loopback
    # endpoint that name doesn't resolve, so switch the lookup off rather than send DNS queries.
    monkeypatch.setattr(datasets.config, "USE_PARQUET_EXPORT", False)
    return HUB


@pytest.fixture
def openai_server():
    """A fresh OpenAI-compatible server on 127.0.0.1; the real `openai` client talks to it."""
    with OpenAIStandIn() as server:
        yield server


REPO = Path(__file__).resolve().parent.parent
FIXTURE_PAGES = Path(__file__).parent / "fixtures" / "data" / "pages.jsonl"


@pytest.fixture(scope="session")
def pages_path() -> Path:
    """25 pages crawled from the bundled sample site, plus one page with a prompt injection."""
    return FIXTURE_PAGES


@pytest.fixture(scope="session")
def qa_dataset_dir(tmp_path_factory) -> Path:
    """A dataset folder built by the real offline chain: generate → clean → build (with the pages' passages)."""
    from dataset_builder.build import build_dataset
    from dataset_builder.clean import clean_qa
    from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig
    from dataset_builder.generate import generate_qa

    work = tmp_path_factory.mktemp("qa-dataset")
    generate_qa(GenerateConfig(pages=FIXTURE_PAGES, out=work / "generated.jsonl", generator="offline"))
    clean = CleanConfig(qa=work / "generated.jsonl", out=work / "clean.jsonl")
    clean_qa(clean)
    build_dataset(BuildConfig(qa=clean.out, pages=FIXTURE_PAGES, out=work / "dataset", clean_report=clean.report))
    return work / "dataset"


@pytest.fixture(scope="session")
def checkable_model_dir(tmp_path_factory) -> Path:
    """A folder that passes the model checks before loading (a config.json and a readable safetensors header) and
    loads as no model: for commands that must refuse other input before any model loads."""
    import numpy as np
    from safetensors.numpy import save_file

    folder = tmp_path_factory.mktemp("checkable-model")
    (folder / "config.json").write_text('{"model_type": "llama"}')
    save_file({"weight": np.zeros(1, dtype=np.float32)}, str(folder / "model.safetensors"))
    return folder


@pytest.fixture(scope="session")
def tiny_base_dir(tmp_path_factory, pages_path) -> Path:
    """A small phi-architecture base pretrained for about 20 seconds on the fixture pages."""
    from train.tiny_base import TinyBaseConfig, build_tiny_base, page_texts

    base_dir = tmp_path_factory.mktemp("tiny-base") / "base"
    small = TinyBaseConfig(vocab_size=1024, hidden_size=64, intermediate_size=256, num_hidden_layers=2, max_steps=160)
    build_tiny_base(page_texts(pages_path), base_dir, small)
    return base_dir


def trained_adapter(tmp_path_factory, recipe: str, overrides: dict) -> Path:
    """An adapter folder written by the real training command from `recipe` with `overrides`."""
    from train.cli import training_arguments
    from train.sft import train_adapter

    adapter_dir = tmp_path_factory.mktemp(Path(recipe).stem) / "adapter"
    train_adapter(
        *training_arguments(REPO / recipe, {**overrides, "output_dir": str(adapter_dir), "report_to": "none"})
    )
    return adapter_dir


@pytest.fixture(scope="session")
def tiny_adapter_dir(tmp_path_factory, tiny_base_dir, qa_dataset_dir) -> Path:
    """A LoRA adapter trained by the real training command on the fixture dataset."""
    overrides = {"model_name_or_path": str(tiny_base_dir), "dataset_name": str(qa_dataset_dir)}
    return trained_adapter(
        tmp_path_factory, "train/configs/tiny.yaml", {**overrides, "max_steps": 120, "eval_steps": 60, "save_steps": 60}
    )


@pytest.fixture(scope="session")
def smollm2_dir(tmp_path_factory) -> Path:
    """SmolLM2-135M-Instruct imported from the GGUF file that `make install` put in site-packages."""
    from cazton_llm.packaged_models import import_packaged

    model_dir = tmp_path_factory.mktemp("smollm2") / "base_model"
    import_packaged("smollm2-135m-instruct", model_dir)
    return model_dir


@pytest.fixture(scope="session")
def smollm2_adapter_dir(tmp_path_factory, smollm2_dir, qa_dataset_dir) -> Path:
    """SmolLM2 finetuned by the real training command with its own recipe, for one epoch (8 steps)."""
    overrides = {"model_name_or_path": str(smollm2_dir), "dataset_name": str(qa_dataset_dir)}
    return trained_adapter(
        tmp_path_factory,
        "train/configs/smollm2-135m-instruct.yaml",
        # One epoch of questions with their retrieved passages only: the tests that use it check the chat in a
        # browser, not the example mix (docs/train.md measures that on the demo).
        {**overrides, "company": "Northwind Forge", "num_train_epochs": 1, "save_strategy": "no"}
        | {"follow_up_fraction": 0.0, "unanswerable_fraction": 0.0},
    )

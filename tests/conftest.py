"""Test-wide setup: local stand-ins only, never the real network.

Hub variables must be set before `huggingface_hub`/`datasets` are imported anywhere, so they
are set here, at the top of the root conftest.
"""

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
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


def built_once(tmp_path_factory, name: str, build: Callable[[Path], Path]) -> Path:
    """What `build(folder)` makes in an empty folder, made once per test run. Under pytest-xdist the first worker
    that asks builds it in the run's shared temp folder while holding a file lock, and the other workers wait for
    it and use the same files (xdist's documented pattern), so nothing is trained twice."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build(tmp_path_factory.mktemp(name))
    from filelock import FileLock

    folder = tmp_path_factory.getbasetemp().parent / name
    built = folder.with_name(f"{name}.built")  # holds the path `build` returned, relative to the folder
    with FileLock(folder.with_name(f"{name}.lock")):
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)  # left by a worker that failed while building it
            folder.mkdir()
            built.write_text(str(build(folder).relative_to(folder)))
    return folder / built.read_text()


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

    def build(work: Path) -> Path:
        generate_qa(GenerateConfig(pages=FIXTURE_PAGES, out=work / "generated.jsonl", generator="offline"))
        clean = CleanConfig(qa=work / "generated.jsonl", out=work / "clean.jsonl")
        clean_qa(clean)
        build_dataset(BuildConfig(qa=clean.out, pages=FIXTURE_PAGES, out=work / "dataset", clean_report=clean.report))
        return work / "dataset"

    return built_once(tmp_path_factory, "qa-dataset", build)


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

    small = TinyBaseConfig(vocab_size=1024, hidden_size=64, intermediate_size=256, num_hidden_layers=2, max_steps=160)

    def build(work: Path) -> Path:
        build_tiny_base(page_texts(pages_path), work / "base", small)
        return work / "base"

    return built_once(tmp_path_factory, "tiny-base", build)


def trained_adapter(tmp_path_factory, recipe: str, overrides: dict) -> Path:
    """An adapter folder written by the real training command from `recipe` with `overrides`."""
    from train.cli import training_arguments
    from train.sft import train_adapter

    def build(work: Path) -> Path:
        arguments = training_arguments(
            REPO / recipe, {**overrides, "output_dir": str(work / "adapter"), "report_to": "none"}
        )
        train_adapter(*arguments)
        return work / "adapter"

    return built_once(tmp_path_factory, Path(recipe).stem, build)


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

    def build(work: Path) -> Path:
        import_packaged("smollm2-135m-instruct", work / "base_model")
        return work / "base_model"

    return built_once(tmp_path_factory, "smollm2", build)


@pytest.fixture(scope="session")
def smollm2_adapter_dir(tmp_path_factory, smollm2_dir, qa_dataset_dir) -> Path:
    """SmolLM2 finetuned by the real training command with its own recipe, for 2 steps."""
    overrides = {"model_name_or_path": str(smollm2_dir), "dataset_name": str(qa_dataset_dir)}
    return trained_adapter(
        tmp_path_factory,
        "train/configs/smollm2-135m-instruct.yaml",
        # Two steps of questions with their retrieved passages only: the tests that use it check the adapter's files
        # and the chat in a browser, not what training teaches (docs/train.md measures that on the demo).
        {**overrides, "company": "Northwind Forge", "max_steps": 2, "save_strategy": "no"}
        | {"follow_up_fraction": 0.0, "unanswerable_fraction": 0.0},
    )

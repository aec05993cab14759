"""The pipeline with a generator endpoint that fails some or all passages (the fault-injecting OpenAI
stand-in): the run finishes with the rest and the next run asks exactly the failed passages again, and a
run that produced no pair at all stops at generate with the command that resumes it."""

import io
import json

import pytest
import yaml
from rich.console import Console

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.runner import run_pipeline
from scraper.sample_site_server import SAMPLE_SITE_DIR
from tests.dataset_builder.conftest import qa_responder
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site():
    with serve_site(SAMPLE_SITE_DIR) as server:
        yield server


@pytest.fixture
def llm(openai_server, monkeypatch):
    openai_server.responder = qa_responder
    openai_server.retry_after_s = 0.01
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return openai_server


def write_config(tmp_path, site, llm) -> str:
    config = {
        "name": "acme",
        "run_dir": str(tmp_path / "run"),
        "site": {"start_url": site.base_url, "fast": True},
        "generate": {"generator": "openai", "base_url": llm.url, "concurrency": 4},
        "base": {"model": "tiny"},
    }
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(config))
    return str(tmp_path / "pipeline.yaml")


def run_to_build(config_path: str) -> dict[str, str]:
    """Run crawl → build; returns each stage's status in the manifest."""
    manifest = run_pipeline(load_config(config_path), config_path, stop="build", console=Console(file=io.StringIO()))
    return {name: stage["status"] for name, stage in manifest["stages"].items()}


def test_failed_passages_are_asked_again_by_the_next_run(tmp_path, site, llm):
    config_path = write_config(tmp_path, site, llm)
    llm.fault_for = lambda body: "400" if "/partners.html" in body["messages"][-1]["content"] else None
    assert run_to_build(config_path) == {"crawl": "ran", "generate": "incomplete", "clean": "ran", "build": "ran"}
    report = json.loads((tmp_path / "run" / "qa" / "generated.report.json").read_text())
    failed = report["failed"]
    assert failed >= 1 and all(failure["url"].endswith("/partners.html") for failure in report["failures"])

    calls = llm.calls
    statuses = run_to_build(config_path)  # still refused: only those passages are asked, the rest stays
    assert statuses == {"crawl": "cached", "generate": "incomplete", "clean": "cached", "build": "cached"}
    assert llm.calls - calls == failed

    llm.fault_for = lambda body: None
    calls = llm.calls
    assert run_to_build(config_path) == {"crawl": "cached", "generate": "ran", "clean": "ran", "build": "ran"}
    assert llm.calls - calls == failed
    pages = {json.loads(line)["source_url"] for line in (tmp_path / "run/qa/generated.jsonl").read_text().splitlines()}
    assert f"{site.base_url}partners.html" in pages

    calls = llm.calls
    assert set(run_to_build(config_path).values()) == {"cached"}
    assert llm.calls == calls


def test_no_pair_at_all_stops_at_generate_and_the_printed_command_resumes(tmp_path, site, llm, capsys):
    config_path = write_config(tmp_path, site, llm)
    llm.fault_for = lambda body: "429"
    assert main(["run", "--config", config_path, "--to", "build"]) == 2
    error, resume = capsys.readouterr().err.strip().splitlines()[-2:]
    assert error.startswith("error: stage 'generate' failed: no question/answer pair was produced")
    assert "RateLimitError" in error
    assert resume == f"fix it, then resume with: python -m pipeline run --config {config_path} --from generate"

    llm.fault_for = lambda body: None
    calls = llm.calls
    assert main(["run", "--config", config_path, "--to", "build", "--from", "generate"]) == 0
    report = json.loads((tmp_path / "run" / "qa" / "generated.report.json").read_text())
    assert llm.calls - calls == report["passages"] and report["failed"] == 0

"""The whole demo config end to end (crawl → … → benchmark) against a served copy of the sample
site: every stage's output, a second run that does nothing, a changed page that regenerates
only its own questions, and a killed run that resumes."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cazton_llm.dataset_loading import load_qa_dataset
from scraper.sample_site_server import SAMPLE_SITE_DIR
from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
VISITORS = REPO / "tests" / "fixtures" / "data" / "visitor_questions.jsonl"


def pipeline_command(run_dir: Path, site_url: str, *extra: str) -> list[str]:
    """The demo config with the tiny base (fast; test_demo_smollm2 runs the demo's own base)."""
    overrides = {
        "run_dir": str(run_dir),
        "site.start_url": site_url,
        "base.model": "tiny",
        "base.tiny_max_minutes": "0.25",
        "train.recipe": "train/configs/tiny.yaml",
        "train.overrides.max_steps": "40",
        "train.overrides.eval_steps": "20",
        "train.overrides.save_steps": "10",
        "benchmark.limit": "6",
        "benchmark.max_new_tokens": "32",
    }
    sets = [arg for key, value in overrides.items() for arg in ("--set", f"{key}={value}")]
    return [sys.executable, "-m", "pipeline", "run", "--config", "configs/demo.yaml", *sets, "--no-serve", *extra]


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=600)


def statuses(run_dir: Path) -> dict[str, str]:
    return {
        name: entry["status"] for name, entry in json.loads((run_dir / "manifest.json").read_text())["stages"].items()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site") / "sample_site"
    shutil.copytree(SAMPLE_SITE_DIR, root)
    with serve_site(root) as server:
        yield server


@pytest.fixture(scope="module")
def first_run(site, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run") / "demo"
    result = run(pipeline_command(run_dir, site.base_url))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return run_dir, statuses(run_dir)  # as the first run left them: later tests run the pipeline again


def test_every_stage_writes_its_output(first_run):
    run_dir, first_statuses = first_run
    assert first_statuses == dict.fromkeys(
        ("crawl", "generate", "clean", "build", "tiny_base", "train", "benchmark"), "ran"
    )
    pages = [json.loads(line) for line in (run_dir / "pages.jsonl").read_text().splitlines()]
    assert len(pages) == 25
    dataset = load_qa_dataset(run_dir / "dataset")
    assert dataset["train"].num_rows > 40 and dataset["test"].num_rows > 5
    assert (run_dir / "tiny_base" / "config.json").is_file()
    assert {"adapter_model.safetensors", "README.md", "loss.png"} <= {p.name for p in (run_dir / "adapter").iterdir()}
    report = (run_dir / "benchmark" / "report.md").read_text()
    assert "| finetuned |" in report and "| base |" in report
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["versions"]["torch"] and all(entry["fingerprint"] for entry in manifest["stages"].values())


def test_second_run_does_no_work(first_run, site):
    run_dir, _ = first_run
    # Whatever the tests before this one changed, one run brings every stage up to date; the next does nothing.
    settled = run(pipeline_command(run_dir, site.base_url))
    assert settled.returncode == 0, settled.stderr[-3000:]
    requests_before = len(site.requested_paths)
    result = run(pipeline_command(run_dir, site.base_url))
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(statuses(run_dir).values()) == {"cached"}
    assert " ".join(result.stdout.split()).count("up to date (inputs unchanged)") == 7
    assert len(site.requested_paths) == requests_before


def test_changed_page_regenerates_only_its_questions(first_run, site):
    run_dir, _ = first_run
    page = Path(site.root) / "training" / "react.html"
    page.write_text(page.read_text().replace("runs for three days", "runs for four days, online or on-site"))
    result = run(pipeline_command(run_dir, site.base_url, "--from", "crawl", "--to", "generate"))
    assert result.returncode == 0, result.stderr[-3000:]
    generate = json.loads((run_dir / "manifest.json").read_text())["stages"]["generate"]
    assert generate["status"] == "ran"
    assert generate["summary"]["generated"] == 1
    assert generate["summary"]["reused"] == generate["summary"]["passages"] - 1


def test_killed_run_resumes_from_the_interrupted_stage(first_run, site):
    run_dir, _ = first_run
    # Another training seed changes the train stage's inputs alone, whatever the other tests did to the run:
    # crawl and generate stay cached, training runs and is killed once it has written a checkpoint.
    retrain = ("--set", "train.overrides.seed=12345")
    process = subprocess.Popen(
        pipeline_command(run_dir, site.base_url, *retrain),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoints = run_dir / "adapter-checkpoints"
    started = time.time()
    deadline = time.monotonic() + 300
    checkpointed = False
    while time.monotonic() < deadline and process.poll() is None and not checkpointed:
        checkpointed = any(path.stat().st_mtime >= started for path in checkpoints.glob("checkpoint-*"))
        time.sleep(0.2)
    assert checkpointed and process.poll() is None, "the run must be killed while training"
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = run(pipeline_command(run_dir, site.base_url, *retrain))
    assert result.returncode == 0, result.stderr[-3000:]
    after = statuses(run_dir)
    assert after["crawl"] == after["generate"] == "cached"
    assert after["train"] == after["benchmark"] == "ran"
    # Training went on from the checkpoint the killed run wrote, not from step 0.
    resumed_from = json.loads((run_dir / "manifest.json").read_text())["stages"]["train"]["summary"]["resumed_from"]
    assert resumed_from and Path(resumed_from).resolve().parent == checkpoints.resolve(), resumed_from


def test_the_demo_config_itself_imports_smollm2_and_finetunes_it(site, tmp_path):
    """configs/demo.yaml as shipped (the packaged SmolLM2 base, its recipe, every prompt mode), shortened."""
    run_dir = tmp_path / "demo"
    visitors = tmp_path / "visitor_questions.jsonl"  # the first 12 of the set: 10 it answers, 2 it does not
    visitors.write_text("".join(VISITORS.read_text().splitlines(keepends=True)[:12]))
    overrides = {
        "run_dir": str(run_dir),
        "site.start_url": site.base_url,
        "train.overrides.max_steps": "2",
        "benchmark.limit": "2",
        "benchmark.max_new_tokens": "16",
        "benchmark.visitor_questions": str(visitors),
    }
    sets = [arg for key, value in overrides.items() for arg in ("--set", f"{key}={value}")]
    command = [sys.executable, "-m", "pipeline", "run", "--config", "configs/demo.yaml", *sets, "--no-serve"]
    result = run(command)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert statuses(run_dir) == dict.fromkeys(
        ("crawl", "generate", "clean", "build", "import_base", "train", "benchmark"), "ran"
    )
    config = json.loads((run_dir / "base_model" / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in config
    adapter = json.loads((run_dir / "adapter" / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == str(run_dir / "base_model")
    assert (run_dir / "adapter" / "adapter_model.safetensors").stat().st_size < 25 * 2**20
    report = (run_dir / "benchmark" / "report.md").read_text()
    assert all(f"## {mode}\n" in report for mode in ("closed-book", "retrieved", "oracle", "follow-up"))
    assert "| finetuned | " in report and "| visitor | 10 |" in report, "the visitor set's retrieval is scored"
    assert "Of the 2 the site does not answer" in report, "and its answers"

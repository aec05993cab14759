"""Pipeline config validation, overrides, stage selection and input fingerprints (no stage runs)."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cazton_llm.errors import UserError
from pipeline.config import load_config
from pipeline.fingerprint import digest_path
from pipeline.runner import plan_status, select_stages
from pipeline.stages import plan

REPO = Path(__file__).resolve().parents[2]


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text)
    return path


def test_shipped_configs_load_with_their_intent():
    demo = load_config(REPO / "configs/demo.yaml")
    cazton = load_config(REPO / "configs/cazton.yaml")
    assert (demo.site.start_url, demo.generate.generator, demo.base.model) == (
        "sample",
        "offline",
        "smollm2-135m-instruct",
    )
    assert demo.benchmark.modes == ["closed-book", "retrieved", "oracle", "follow-up"]
    assert demo.run_dir == "outputs/demo"
    assert cazton.site.start_url == "https://cazton.com"
    assert cazton.generate.generator == "openai"
    assert cazton.base.model == "microsoft/phi-1_5"
    assert list(cazton.benchmark.models) == ["finetuned", "base", "zephyr"]
    assert str(cazton.benchmark.models["zephyr"]) == "HuggingFaceH4/zephyr-7b-beta"
    assert all((cazton.hub.dataset, cazton.hub.adapter, cazton.hub.space))


def test_a_built_or_packaged_base_is_a_stage_and_a_hub_base_is_not():
    stages = ["crawl", "generate", "clean", "build", "train", "benchmark"]
    demo = load_config(REPO / "configs/demo.yaml")
    assert [stage.name for stage in plan(demo)] == [*stages[:4], "import_base", *stages[4:]]
    tiny = load_config(REPO / "configs/demo.yaml", ["base.model=tiny"])
    assert [stage.name for stage in plan(tiny)] == [*stages[:4], "tiny_base", *stages[4:]]
    assert [stage.name for stage in plan(load_config(REPO / "configs/cazton.yaml"))] == stages
    train = next(stage for stage in plan(demo) if stage.name == "train")
    assert train.params["model_name_or_path"] == "outputs/demo/base_model" and train.params["company"] == demo.company
    assert Path("outputs/demo/base_model") in train.inputs
    assert demo.generate.company == demo.benchmark.company == demo.company, "one company for every stage"
    assert "CUDA GPU" not in [need for need, _ in demo.requirements()]


def test_overrides_are_typed_and_nested(tmp_path):
    config = load_config(
        write_yaml(tmp_path, "site: {max_pages: 5}\n"),
        ["site.max_pages=7", "train.overrides.max_steps=3", "benchmark.modes=[oracle]"],
    )
    assert config.site.max_pages == 7
    assert config.train.overrides == {"max_steps": 3}
    assert config.benchmark.modes == ["oracle"]


@pytest.mark.parametrize(
    ("text", "overrides", "message"),
    [
        ("site: {bogus: 1}\n", [], "unknown config field 'site.bogus'"),
        ("generate: {out: x.jsonl}\n", [], "config field generate.out is set by the pipeline"),
        ("generate: {company: Acme}\n", [], "config field generate.company is set by the pipeline"),
        ("company: [1, 2]\n", [], r"config field company: input should be a valid string, got \[1, 2\]"),
        ("run_dir: {a: 1}\n", [], "config field run_dir: input should be a valid string, got"),
        ("clean: {min_grounding: 2}\n", [], "config field clean.min_grounding: input should be less than or equal"),
        ("nonsense: 1\n", [], "unknown config field 'nonsense'"),
        ("site: 3\n", [], "must be a mapping"),
        ("generate: {generator: gpt}\n", [], "config field generate.generator: input should be 'openai' or 'offline'"),
        ("site: [unclosed\n", [], "not valid YAML"),
        ("{}\n", ["site.max_pages"], "--set takes section.key=value"),
        ("site: {sample_port: abc}\n", [], "config field site.sample_port: input should be a valid integer, got 'abc'"),
        ("site: {fast: 'no'}\n", [], "config field site.fast: input should be a valid boolean, got 'no'"),
        ("serve: {port: 99999}\n", [], "config field serve.port: input should be less than or equal to 65535, got 9"),
        ("dataset: {test_fraction: 1.5}\n", [], "config field dataset.test_fraction: input should be less than 1, got"),
        ("{}\n", ["site.max_pages=[1,"], r"--set site.max_pages=\[1,: the value is not valid YAML"),
        ("train: {recipe: no/such.yaml}\n", [], "config field train.recipe: 'no/such.yaml' not found"),
        (
            "{}\n",
            ["train.overrides.per_device_train_batch_size=abc"],
            "config field train.overrides: argument --per_device_train_batch_size.*invalid int value: 'abc'",
        ),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, overrides, message):
    with pytest.raises(UserError, match=message) as error:
        load_config(write_yaml(tmp_path, text), overrides)
    assert "\n" not in str(error.value)
    assert str(error.value).count("config field") <= 1  # named once, not "config field config field …"


def test_a_bad_training_override_stops_the_run_before_any_stage(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "pipeline", "run", "--config", "configs/demo.yaml", "--no-serve"]
    command += ["--set", f"run_dir={run_dir}", "--set", "train.overrides.num_train_epochs=many"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: config field train.overrides: argument --num_train_epochs/--num-train-epochs: invalid float value: "
        "'many' (see `python -m train --help`)"
    ]
    assert not run_dir.exists()


def test_missing_config_file_exits_2_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", str(tmp_path / "missing.yaml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "not found" in result.stderr


def test_a_failed_stage_names_itself_why_and_the_command_that_resumes(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "pages.jsonl").write_text("")  # a crawl that found nothing
    args = ["--config", "configs/demo.yaml", "--set", f"run_dir={run_dir}"]
    command = [sys.executable, "-m", "pipeline", "run", *args, "--from", "generate", "--no-serve"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 2, result.stderr
    error, resume = result.stderr.strip().splitlines()[-2:]
    assert error.startswith("error: stage 'generate' failed: pages file") and "is empty" in error
    assert resume == f"fix it, then resume with: python -m pipeline run {' '.join(args)} --from generate"
    assert "Traceback" not in result.stderr
    manifest = json.loads((run_dir / "manifest.json").read_text()) if (run_dir / "manifest.json").exists() else {}
    assert "generate" not in manifest.get("stages", {})


def test_a_busy_sample_site_port_is_a_one_line_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["--set", f"run_dir={tmp_path / 'run'}", "--set", f"site.sample_port={port}", "--to", "crawl"]
        command = [sys.executable, "-m", "pipeline", "run", "--config", "configs/demo.yaml", *args]
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 2, result.stderr
    error = result.stderr.strip().splitlines()[-2]
    assert error.startswith("error: stage 'crawl' failed: cannot serve the site in") and f":{port} (" in error
    assert "Traceback" not in result.stderr


def test_stage_selection_and_errors():
    stages = plan(load_config(REPO / "configs/demo.yaml"))
    before, selected = select_stages(stages, "clean", "train")
    assert [stage.name for stage in before] == ["crawl", "generate"]
    assert [stage.name for stage in selected] == ["clean", "build", "import_base", "train"]
    with pytest.raises(UserError, match="unknown stage 'trian'"):
        select_stages(stages, "trian", None)
    with pytest.raises(UserError, match="comes after"):
        select_stages(stages, "train", "crawl")


def test_pages_digest_ignores_fetch_time_but_not_content(tmp_path):
    def write_pages(path: Path, fetched_at: str, sha: str) -> Path:
        pages = [{"url": "http://x/a", "sha256": sha, "fetched_at": fetched_at, "text": "t"}]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(page) + "\n" for page in pages))
        return path

    first = digest_path(write_pages(tmp_path / "1" / "pages.jsonl", "2026-01-01T00:00:00", "aaa"))
    refetched = digest_path(write_pages(tmp_path / "2" / "pages.jsonl", "2026-02-02T00:00:00", "aaa"))
    changed = digest_path(write_pages(tmp_path / "3" / "pages.jsonl", "2026-02-02T00:00:00", "bbb"))
    assert first == refetched != changed


def test_folder_digest_ignores_logs_and_checkpoints(tmp_path):
    (tmp_path / "adapter" / "runs").mkdir(parents=True)
    (tmp_path / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    before = digest_path(tmp_path / "adapter")
    (tmp_path / "adapter" / "runs" / "events.out").write_bytes(b"log")
    assert digest_path(tmp_path / "adapter") == before
    (tmp_path / "adapter" / "adapter_model.safetensors").write_bytes(b"other weights")
    assert digest_path(tmp_path / "adapter") != before


def test_dry_run_of_the_real_config_needs_no_network_and_names_what_is_missing():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", "configs/cazton.yaml", "--dry-run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert result.returncode == 0, result.stderr
    for expected in (
        "https://cazton.com",
        "openai generator",
        "microsoft/phi-1_5",
        "zephyr",
        "OPENAI_API_KEY (MISSING)",
    ):
        assert expected in " ".join(result.stdout.split())


def test_plan_status_reports_everything_to_run_in_an_empty_run_dir(tmp_path):
    config = load_config(REPO / "configs/demo.yaml", [f"run_dir={tmp_path}"])
    assert [up_to_date for _, up_to_date in plan_status(config, None, None)] == [False] * 7

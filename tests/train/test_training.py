"""Training end to end on CPU with tiny local models: loss falls, answers stop, resume, errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from benchmark.generation import generate_batch
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.decoding import Decoding
from cazton_llm.model_loading import load_for_inference
from cazton_llm.prompt_format import render_prompt
from tests.bad_input import assert_refused
from tests.train.tiny_recipe import TINY_RECIPE, tiny_training_argv
from train.cli import main
from train.merge import merge_adapter
from train.sft import checkpoints_dir

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_NEW_TOKENS = 96  # the demo benchmark's budget


def test_adapter_folder_is_laid_out_like_the_hub_repo(tiny_adapter_dir):
    names = {path.name for path in tiny_adapter_dir.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "README.md", "loss.png"} <= names
    assert not {"checkpoint-40", "runs", "optimizer.pt"} & names
    card = (tiny_adapter_dir / "README.md").read_text()
    for field in ("base_model:", "library_name: peft", "license:", "pipeline_tag: text-generation", "tags:"):
        assert field in card
    assert "PeftModel.from_pretrained" in card and "Eval loss on the held-out test split" in card
    config = json.loads((tiny_adapter_dir / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 16


def test_loss_falls(tiny_adapter_dir):
    states = sorted(checkpoints_dir(tiny_adapter_dir).glob("checkpoint-*/trainer_state.json"))
    history = json.loads(states[-1].read_text())["log_history"]
    losses = [entry["loss"] for entry in history if "loss" in entry]
    assert len(losses) >= 4 and losses[-1] < losses[0] * 0.8


def answer_stats(spec: str, questions: list[str]) -> tuple[float, float]:
    model, tokenizer = load_for_inference(spec)
    torch.manual_seed(0)
    results = generate_batch(
        model, tokenizer, [render_prompt(tokenizer, q) for q in questions], Decoding(max_new_tokens=MAX_NEW_TOKENS)
    )
    eos_rate = sum(ended for _, ended, _ in results) / len(results)
    return eos_rate, sum(tokens for _, _, tokens in results) / len(results)


def test_finetuned_model_ends_held_out_answers_with_eos_and_the_base_does_not(
    tiny_base_dir, tiny_adapter_dir, qa_dataset_dir
):
    questions = load_qa_dataset(qa_dataset_dir, split="test")["question"]
    tuned_eos, tuned_tokens = answer_stats(f"{tiny_base_dir}+{tiny_adapter_dir}", questions)
    base_eos, _ = answer_stats(str(tiny_base_dir), questions)
    assert tuned_eos >= 0.95 and tuned_tokens < MAX_NEW_TOKENS / 2
    assert base_eos < tuned_eos


def test_merged_model_matches_base_plus_adapter(tiny_base_dir, tiny_adapter_dir, tmp_path):
    merge_adapter(tiny_adapter_dir, tmp_path / "merged")
    adapted, tokenizer = load_for_inference(f"{tiny_base_dir}+{tiny_adapter_dir}")
    merged, _ = load_for_inference(str(tmp_path / "merged"))
    inputs = tokenizer(render_prompt(tokenizer, "What do you offer?"), return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(adapted(**inputs).logits, merged(**inputs).logits, atol=1e-4)


def train_command(base, dataset, out, *extra):
    return [sys.executable, "-m", "train", *tiny_training_argv(base, dataset, out, *extra)]


@pytest.mark.slow
def test_resume_after_kill_and_no_secret_anywhere(tiny_base_dir, qa_dataset_dir, tmp_path):
    secret = "hf_SECRETmarker1234567890"
    env = {**os.environ, "HF_TOKEN": secret, "OPENAI_API_KEY": "sk-SECRETmarker"}
    out = tmp_path / "adapter"
    command = train_command(
        tiny_base_dir, qa_dataset_dir, out, "--max_steps", "80", "--save_steps", "10", "--eval_steps", "40"
    )
    run = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(checkpoints_dir(out).glob("checkpoint-20/trainer_state.json")):
        time.sleep(0.1)
    run.send_signal(signal.SIGKILL)
    log = run.communicate()[0]
    assert not out.exists(), "a killed run must not leave an adapter folder that looks complete"
    resumed = subprocess.run(
        [*command, "--resume", "true"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resumed_from=" in resumed.stdout and "checkpoint-" in resumed.stdout.split("resumed_from=")[1]
    assert "steps=80" in resumed.stdout
    assert (out / "adapter_model.safetensors").is_file()
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and b"sk-SECRETmarker" not in path.read_bytes(), path
    assert secret not in log + resumed.stdout + resumed.stderr


@pytest.mark.parametrize(
    ("extra", "yaml_extra", "message"),
    [
        ([], "bogus_field: 3\n", "bogus_field"),
        (["--dataset_name", "/nonexistent/dataset"], "", "dataset folder '/nonexistent/dataset' not found"),
        (["--lora_target_modules", "not_a_module"], "", "do not fit"),
        (["--prompt_format", "alpaca"], "", "prompt_format: 'alpaca' is not one of chat, legacy"),
        (["--retrieved_fraction", "1.5"], "", "retrieved_fraction: input should be less than or equal to 1, got 1.5"),
        (
            ["--retrieved_fraction", "0.6", "--follow_up_fraction", "0.6"],
            "",
            "retrieved, distractor and follow-up fractions add up to 1.2: at most 1",
        ),
        (["--padding_free", "true"], "", "training settings do not fit together: When `padding_free=True`"),
    ],
)
def test_config_errors_are_one_line(tiny_base_dir, qa_dataset_dir, tmp_path, capsys, extra, yaml_extra, message):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(Path(REPO, TINY_RECIPE).read_text() + yaml_extra)
    argv = train_command(tiny_base_dir, qa_dataset_dir, tmp_path / "adapter", *extra)[3:]  # after `python -m train`
    argv[argv.index(TINY_RECIPE)] = str(recipe)
    assert_refused(main, argv, tmp_path, capsys, message)  # in-process: the entry point `python -m train` runs

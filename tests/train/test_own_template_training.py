"""Training with a model's own ChatML template, end to end: a tiny Qwen2 with Qwen2.5's template, and the real
SmolLM2-135M-Instruct whose adapter stays small (its pad token is one it already has)."""

import json
import math

import pytest
from huggingface_hub import RepoCard
from safetensors import safe_open

from cazton_llm.model_loading import load_for_inference
from cazton_llm.prompt_format import render_prompt
from train.cli import training_arguments
from train.sft import train_adapter

QUICK = {"eval_strategy": "no", "save_strategy": "no", "report_to": "none", "company": "Northwind Forge"}


def test_tiny_qwen2_with_qwen25_template_trains(tiny_qwen2_dir, qa_dataset_dir, tmp_path):
    adapter_dir = tmp_path / "adapter"
    summary = train_adapter(
        *training_arguments(
            "train/configs/qwen2.5-0.5b-instruct.yaml",
            {
                **QUICK,
                "model_name_or_path": str(tiny_qwen2_dir),
                "dataset_name": str(qa_dataset_dir),
                "output_dir": str(adapter_dir),
                "max_steps": 3,
                "gradient_accumulation_steps": 1,
            },
        )
    )
    assert summary["steps"] == 3 and math.isfinite(summary["train_loss"])
    assert json.loads((adapter_dir / "adapter_config.json").read_text())["peft_type"] == "LORA"
    model, tokenizer = load_for_inference(f"{tiny_qwen2_dir}+{adapter_dir}", device="cpu")
    assert type(model).__name__ == "Qwen2ForCausalLM", "the adapter is merged for inference on a CPU"
    assert render_prompt(tokenizer, "Q?", company="Northwind Forge").endswith("<|im_start|>assistant\n")


@pytest.mark.slow
def test_smollm2_adapter_is_lora_weights_only(smollm2_adapter_dir):
    weights = smollm2_adapter_dir / "adapter_model.safetensors"
    assert weights.stat().st_size < 25 * 2**20
    with safe_open(weights, "pt") as tensors:
        names = list(tensors.keys())
    assert names and all("lora_" in name for name in names), [n for n in names if "lora_" not in n][:3]
    assert json.loads((smollm2_adapter_dir / "tokenizer_config.json").read_text())["pad_token"] == "<|endoftext|>"
    card = (smollm2_adapter_dir / "README.md").read_text()
    assert "Eval loss on the held-out test split" in card, "evaluated once at the end"
    data = RepoCard(card).data
    assert data.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct", "named by its Hub source"
    assert data.license == "apache-2.0", "the base's license, from the recipe"
    assert "\"You are the assistant of Northwind Forge's website." in card, "the usage snippet has the system line"

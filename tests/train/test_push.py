"""`python -m train --push-to-hub` against the Hub stand-in: trained from a dataset pulled by its Hub id, the
pushed adapter loads with `PeftModel.from_pretrained("owner/name")` and generates exactly what the local folder does."""

import json
from pathlib import Path

import pytest
import torch
from huggingface_hub import RepoCard
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from cazton_llm.hub import upload_folder
from cazton_llm.prompt_format import render_prompt
from train.cli import main

TINY_RECIPE = Path(__file__).resolve().parents[2] / "train" / "configs" / "tiny.yaml"


def greedy_answer(model, tokenizer, question: str) -> list[int]:
    inputs = tokenizer(render_prompt(tokenizer, question), return_tensors="pt")
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return output[0, inputs["input_ids"].shape[1] :].tolist()


@pytest.mark.slow
def test_pushed_adapter_loads_by_repo_id_and_generates_like_the_local_one(
    hub, tiny_base_dir, qa_dataset_dir, tmp_path, capsys
):
    dataset_id, adapter_id = hub.new_repo_id("site-qa"), hub.new_repo_id("site-lora")
    upload_folder(qa_dataset_dir, dataset_id, "dataset")
    out = tmp_path / "adapter"
    argv = ["--config", str(TINY_RECIPE), "--model_name_or_path", str(tiny_base_dir), "--dataset_name", dataset_id]
    argv += ["--output_dir", str(out), "--max_steps", "6", "--eval_steps", "3", "--save_steps", "3"]
    argv += ["--report_to", "none", "--push-to-hub", adapter_id]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert adapter_id in printed.out and hub.token not in printed.out + printed.err

    card = hub.file_content(adapter_id, "README.md").decode()
    front_matter = RepoCard(card).data.to_dict()
    assert front_matter["datasets"] == [dataset_id] and front_matter["library_name"] == "peft"
    assert f'PeftModel.from_pretrained(model, "{adapter_id}")' in card
    assert json.loads(hub.file_content(adapter_id, "adapter_config.json"))["peft_type"] == "LORA"
    assert hub.token not in card

    tokenizer = AutoTokenizer.from_pretrained(adapter_id)
    local = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base_dir), out).eval()
    pushed = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_base_dir), adapter_id).eval()
    for question in ("What does the company offer?", "How long does a training take?"):
        assert greedy_answer(pushed, tokenizer, question) == greedy_answer(local, tokenizer, question)

"""The packaged SmolLM2: its GGUF file is found in site-packages and imported into a folder that plain
`from_pretrained` loads like the Hub model, chat template and all; bad sources are one-line errors."""

import json

import pytest
import torch

from cazton_llm.errors import UserError
from cazton_llm.packaged_models import import_gguf, packaged_gguf
from tests.in_process import run_entry_point


def test_the_import_is_a_plain_model_folder(smollm2_dir):
    names = {path.name for path in smollm2_dir.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "README.md"} <= names
    assert "chat_template.jinja" in names or "chat_template" in (smollm2_dir / "tokenizer_config.json").read_text()
    config = json.loads((smollm2_dir / "config.json").read_text())
    assert "quantization_config" not in config and config["architectures"] == ["LlamaForCausalLM"]
    assert not list(smollm2_dir.glob("*.gguf"))


def test_from_pretrained_loads_it_and_it_answers_in_english(smollm2_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    model = AutoModelForCausalLM.from_pretrained(smollm2_dir, dtype=torch.float32)
    assert 134e6 < model.num_parameters() < 135e6
    assert tokenizer.eos_token == "<|im_end|>" and "<|im_start|>assistant" in tokenizer.chat_template
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=20, do_sample=False)
    answer = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer, answer


def test_unknown_or_missing_sources_are_one_line_errors(tmp_path, capfd):
    with pytest.raises(UserError, match="unknown packaged model 'smollm3'"):
        packaged_gguf("smollm3")
    with pytest.raises(UserError, match="not found"):
        import_gguf(tmp_path / "missing.gguf", tmp_path / "out")
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"GGUF but not really")  # the magic, then nothing a reader can parse
    argv = ["-m", "train", "import-gguf", "--gguf", str(not_gguf), "--out", str(tmp_path / "out")]
    result = run_entry_point(argv, capfd)
    assert result.returncode == 2 and result.stderr.startswith("error: cannot read"), result.stderr[-2000:]
    assert result.stderr.count("\n") == 1 and not (tmp_path / "out").exists()


def test_a_file_that_is_not_gguf_is_refused_before_reading(tmp_path):
    html = tmp_path / "model.gguf"
    html.write_text("<html>not a model</html>")
    with pytest.raises(UserError, match="does not start with GGUF's magic"):
        import_gguf(html, tmp_path / "out")

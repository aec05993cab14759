"""`merge`: fold a LoRA adapter into its base model and save a full model folder, for users
who don't want peft at inference."""

from __future__ import annotations

import json
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.errors import UserError


def merge_adapter(adapter_dir: str | Path, out_dir: str | Path) -> dict:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter_dir = Path(adapter_dir)
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.is_file():
        raise UserError(f"{str(adapter_dir)!r} is not an adapter folder (no adapter_config.json)")
    base_name = json.loads(config_path.read_text())["base_model_name_or_path"]
    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    base = AutoModelForCausalLM.from_pretrained(base_name, dtype=torch.float32)
    if len(tokenizer) > base.get_input_embeddings().weight.shape[0]:
        base.resize_token_embeddings(len(tokenizer))
    merged = PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()
    with atomic_dir(out_dir) as folder:
        merged.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    return {"base_model": base_name, "out_dir": str(out_dir)}

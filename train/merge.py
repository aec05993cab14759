"""`merge`: fold a LoRA adapter into its base model and save a full model folder, for users
who don't want peft at inference."""

from __future__ import annotations

import json
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.errors import UserError
from cazton_llm.model_loading import ModelRef, ModelSpec, load_for_inference


def merge_adapter(adapter_dir: str | Path, out_dir: str | Path) -> dict:
    """Merge `adapter_dir` into the base its adapter_config.json names (on the CPU, in fp32) and save the
    result with the adapter's tokenizer at `out_dir`."""
    config_path = Path(adapter_dir) / "adapter_config.json"
    if not config_path.is_file():
        raise UserError(f"{str(adapter_dir)!r} is not an adapter folder (no adapter_config.json)")
    base_name = json.loads(config_path.read_text())["base_model_name_or_path"]
    merged, tokenizer = load_for_inference(ModelSpec(ModelRef(base_name), ModelRef(str(adapter_dir))), device="cpu")
    with atomic_dir(out_dir) as folder:
        merged.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    return {"base_model": base_name, "out_dir": str(out_dir)}

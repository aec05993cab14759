"""A model with microsoft/phi-1_5's real dimensions and random weights, for speed and memory measurements on a
GPU without a download (random weights change nothing about either)."""

from __future__ import annotations

from pathlib import Path

# microsoft/phi-1_5's config.json; weights are random, which changes nothing about speed or memory.
PHI_1_5_DIMENSIONS = {
    "vocab_size": 51200,
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 24,
    "num_attention_heads": 32,
    "partial_rotary_factor": 0.5,
    "max_position_embeddings": 2048,
}


def build_phi_sized_model(tokenizer_dir: Path, out_dir: Path) -> int:
    """A randomly initialised PhiForCausalLM with phi-1_5's dimensions, saved in bf16 with the tokenizer of
    `tokenizer_dir` (no download); returns its parameter count."""
    import torch
    from transformers import AutoTokenizer, PhiConfig, PhiForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = PhiConfig(
        **PHI_1_5_DIMENSIONS,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = PhiForCausalLM(config)
    model.to(torch.bfloat16).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return sum(parameter.numel() for parameter in model.parameters())

"""Training fixtures: a tiny Qwen2 with Qwen2.5's chat template."""

import pytest


@pytest.fixture(scope="session")
def tiny_qwen2_dir(smollm2_dir, tmp_path_factory):
    """A tiny randomly initialised Qwen2 with Qwen2.5's own chat template (TRL ships the template string) and a
    ChatML tokenizer (SmolLM2's, which has the same special tokens): Qwen2.5-0.5B-Instruct's shape in miniature."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM
    from trl.chat_template_utils import qwen2_5_chat_template

    folder = tmp_path_factory.mktemp("tiny-qwen2")
    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    tokenizer.chat_template = qwen2_5_chat_template
    tokenizer.pad_token = "<|endoftext|>"  # as in Qwen2.5's tokenizer
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder

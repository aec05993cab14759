"""A tiny offline base model: a byte-level BPE tokenizer and a small phi-architecture model
(`PhiConfig`) pretrained for a few minutes on crawled page text, saved with `save_pretrained`.

It stands in for microsoft/phi-1_5 in the demo and the tests, so LoRA finetuning, serving and
benchmarking run offline on the same code path as a Hub base.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.page_schema import read_pages

EOS_TOKEN = "<|endoftext|>"
PAD_TOKEN = "<|pad|>"
# The chat and legacy formats' fixed words, so the tokenizer learns them as whole tokens.
FORMAT_WORDS = "User: Assistant: question: answer: Context: Question:"


@dataclass
class TinyBaseConfig:
    vocab_size: int = 2048
    hidden_size: int = 128
    intermediate_size: int = 512
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    context_length: int = 256
    batch_size: int = 16
    learning_rate: float = 3e-3
    max_steps: int = 400
    max_minutes: float = 3.0
    seed: int = 0


def page_texts(pages_path: str | Path) -> list[str]:
    """The text of every crawled page (scraper JSONL)."""
    return [page.text for page in read_pages(pages_path) if page.text]


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        [*texts, FORMAT_WORDS], vocab_size=vocab_size, min_frequency=2, special_tokens=[EOS_TOKEN, PAD_TOKEN]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,
        bos_token=EOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        model_max_length=1024,
    )


def make_model(tokenizer, config: TinyBaseConfig):
    from transformers import PhiConfig, PhiForCausalLM

    model_config = PhiConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return PhiForCausalLM(model_config)


def token_windows(texts: Iterable[str], tokenizer, context_length: int, count: int, seed: int) -> list[list[int]]:
    """`count` windows at random offsets of the pages joined with EOS (as nanoGPT samples them):
    over many epochs of a small corpus, fixed blocks tie what the model memorises to one position
    in one block, while random offsets let a sentence be recalled wherever it starts."""
    stream: list[int] = []
    for text in texts:
        stream.extend(tokenizer(text)["input_ids"] + [tokenizer.eos_token_id])
    if len(stream) <= context_length:
        return [stream]
    rng = random.Random(seed)
    starts = (rng.randrange(len(stream) - context_length + 1) for _ in range(count))
    return [stream[start : start + context_length] for start in starts]


def build_tiny_base(texts: list[str], out_dir: str | Path, config: TinyBaseConfig | None = None) -> dict:
    """Train tokenizer + model on `texts` and save both to `out_dir`; returns a summary."""
    import torch
    from transformers import DataCollatorForLanguageModeling, Trainer, TrainerCallback, TrainingArguments, set_seed

    config = config or TinyBaseConfig()
    set_seed(config.seed)
    tokenizer = train_tokenizer(texts, config.vocab_size)
    blocks = token_windows(texts, tokenizer, config.context_length, config.max_steps * config.batch_size, config.seed)
    model = make_model(tokenizer, config)
    started = time.monotonic()

    class StopAfterTimeBudget(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if time.monotonic() - started > config.max_minutes * 60:
                control.should_training_stop = True

    with atomic_dir(out_dir) as tmp_dir, tempfile.TemporaryDirectory() as trainer_dir:
        args = TrainingArguments(
            output_dir=trainer_dir,
            max_steps=config.max_steps,
            per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            lr_scheduler_type="cosine",
            warmup_steps=min(20, config.max_steps // 10),
            weight_decay=0.01,
            logging_steps=max(1, config.max_steps // 20),
            save_strategy="no",
            report_to=[],
            use_cpu=not torch.cuda.is_available(),
            seed=config.seed,
            disable_tqdm=False,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=[{"input_ids": block} for block in blocks],
            data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
            callbacks=[StopAfterTimeBudget()],
        )
        result = trainer.train()
        model.save_pretrained(tmp_dir)
        tokenizer.save_pretrained(tmp_dir)
    return {
        "parameters": sum(parameter.numel() for parameter in model.parameters()),
        "vocab_size": len(tokenizer),
        "steps": result.global_step,
        "train_loss": round(result.training_loss, 4),
        "seconds": round(time.monotonic() - started, 1),
    }

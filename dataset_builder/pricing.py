"""Estimated cost of generation from token counts; prices in dollars per million tokens,
overridable with a JSON/YAML file of the same shape (`--prices FILE`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from cazton_llm.errors import UserError

PRICES_PER_MILLION = {
    "gpt-5-mini": {"input": 0.25, "output": 2.00},
    "gpt-5-nano": {"input": 0.05, "output": 0.40},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
}


def load_prices(path: str | Path | None) -> dict:
    if path is None:
        return PRICES_PER_MILLION
    try:
        overrides = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"cannot read prices file {str(path)!r}: {error}") from None
    if not isinstance(overrides, dict):
        raise UserError(f"prices file {str(path)!r} must map model → {{input: $, output: $}} per million tokens")
    return {**PRICES_PER_MILLION, **overrides}


def estimated_cost(model: str, input_tokens: int, output_tokens: int, prices: dict) -> float | None:
    price = prices.get(model)
    if price is None:
        return None
    return round((input_tokens * price["input"] + output_tokens * price["output"]) / 1_000_000, 6)

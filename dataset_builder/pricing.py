"""Estimated cost of generation from token counts; prices in dollars per million tokens,
overridable with a JSON/YAML file of the same shape (`--prices FILE`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from cazton_llm.errors import UserError
from cazton_llm.input_files import read_utf8
from cazton_llm.yaml_files import load_yaml

PRICES_PER_MILLION = {
    "gpt-5-mini": {"input": 0.25, "output": 2.00},
    "gpt-5-nano": {"input": 0.05, "output": 0.40},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
}


def load_prices(path: str | Path | None) -> dict:
    """The built-in prices, updated from a `--prices` file; read before the first call, so a bad file costs nothing."""
    if path is None:
        return PRICES_PER_MILLION
    try:
        overrides = load_yaml(read_utf8(path))
    except OSError as error:
        raise UserError(f"cannot read prices file {str(path)!r} ({error.strerror}): give a JSON/YAML file") from None
    except yaml.YAMLError as error:
        problem = str(error).splitlines()[0]
        raise UserError(f"prices file {str(path)!r} is not valid YAML or JSON: {problem}") from None
    if not isinstance(overrides, dict):
        raise UserError(f"prices file {str(path)!r} must map model → {{input: $, output: $}} per million tokens")
    for model, price in overrides.items():
        if not (isinstance(price, dict) and all(is_price(price.get(kind)) for kind in ("input", "output"))):
            raise UserError(
                f"prices file {str(path)!r}: {model}: {price!r} must be {{input: $, output: $}}, dollars per "
                "million tokens (numbers ≥ 0)"
            )
    return {**PRICES_PER_MILLION, **overrides}


def is_price(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def estimated_cost(model: str, input_tokens: int, output_tokens: int, prices: dict) -> float | None:
    price = prices.get(model)
    if price is None:
        return None
    return round((input_tokens * price["input"] + output_tokens * price["output"]) / 1_000_000, 6)

"""`python -m benchmark --dataset D --model NAME=SPEC … --out DIR`: compare models on held-out questions."""

from __future__ import annotations

from benchmark.config import BenchmarkConfig
from cazton_llm.errors import exit_on_user_error
from cazton_llm.stage_config import parse_config


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    from benchmark.run import run_benchmark

    run_benchmark(parse_config(BenchmarkConfig, argv, prog="python -m benchmark", description=__doc__))
    return 0

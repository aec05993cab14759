"""A bad `--prices` file is one `error:` line before the first paid call, not a traceback (or a wrong cost)
after every passage was sent."""

import json
import os

import pytest

from tests.pipeline.test_yaml_alias_limits import billion_laughs

BAD_PRICES = {
    "not-yaml": ("gpt-5-mini: {input: [1\n", "is not valid YAML"),
    "alias-bomb": (f"gpt-5-mini: {billion_laughs()}\n", "aliases expand to more than"),
    "not-a-mapping": ("- 0.25\n- 2.0\n", "must map model"),
    "no-output-price": ("gpt-5-mini: {input: 0.25}\n", "gpt-5-mini"),
    "price-not-a-number": ("gpt-5-mini: {input: cheap, output: 2.0}\n", "gpt-5-mini"),
    "negative-price": ("gpt-5-mini: {input: -1, output: 2.0}\n", "gpt-5-mini"),
    "missing-file": (None, "cannot read prices file"),
}


@pytest.mark.parametrize(("text", "message"), BAD_PRICES.values(), ids=BAD_PRICES.keys())
def test_bad_prices_file_stops_before_any_call(llm, pages_path, tmp_path, text, message, run_cli):
    prices = tmp_path / "prices.yaml"
    if text is not None:
        prices.write_text(text)
    result = run_cli(
        "generate", "--pages", str(pages_path), "--out", str(tmp_path / "qa.jsonl"), "--base-url", llm.url,
        "--model", "gpt-5-mini", "--prices", str(prices),
        env={**os.environ, "OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr[-2000:]
    assert message in result.stderr and str(prices) in result.stderr
    assert llm.calls == 0
    assert not (tmp_path / "qa.jsonl").exists()


def test_a_good_prices_file_prices_the_run(llm, pages_path, tmp_path, run_cli):
    prices = tmp_path / "prices.yaml"
    prices.write_text("gpt-5-mini: {input: 1000000, output: 0}\n")  # $1 a token in: the cost is the input tokens
    result = run_cli(
        "generate", "--pages", str(pages_path), "--out", str(tmp_path / "qa.jsonl"), "--base-url", llm.url,
        "--model", "gpt-5-mini", "--prices", str(prices), "--concurrency", "4",
        env={**os.environ, "OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]

    report = json.loads((tmp_path / "qa.report.json").read_text())
    assert report["estimated_cost_usd"] == report["tokens_in"] > 0

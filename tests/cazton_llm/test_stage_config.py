"""A stage config checked by its own `__post_init__`, from Python, YAML-like values or a command line."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cazton_llm.errors import UserError
from cazton_llm.stage_config import AtLeastOne, FieldError, FilePath, Seconds, check_fields, parse_config


@dataclass(kw_only=True)
class Example:
    out: FilePath = field(metadata={"help": "where to write"})
    max_pages: AtLeastOne = field(default=10, metadata={"help": "how many"})
    timeout_s: Seconds = field(default=1.0, metadata={"aliases": ["--timeout"], "help": "seconds"})
    fast: bool = False

    def __post_init__(self):
        check_fields(self)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_pages": 0}, "max_pages: input should be greater than or equal to 1, got 0"),
        ({"max_pages": "8"}, "max_pages: input should be a valid integer, got '8'"),
        ({"fast": "no"}, "fast: input should be a valid boolean, got 'no'"),
        ({"out": 3}, "out: input should be an instance of Path, got 3"),
    ],
)
def test_a_value_of_the_wrong_type_or_range_names_the_field_and_the_value(values, message):
    with pytest.raises(FieldError) as error:
        Example(**{"out": "pages.jsonl", **values})
    assert str(error.value) == message


def test_text_paths_become_paths_and_numbers_widen():
    config = Example(out="pages.jsonl", timeout_s=2)
    assert config.out == Path("pages.jsonl") and config.timeout_s == 2.0 and isinstance(config.timeout_s, float)


def test_the_command_line_comes_from_the_fields_and_names_the_option():
    config = parse_config(Example, ["--out", "a.jsonl", "--max-pages", "3", "--timeout", "5", "--fast"])
    assert config == Example(out=Path("a.jsonl"), max_pages=3, timeout_s=5.0, fast=True)
    with pytest.raises(UserError, match=r"^--max-pages: input should be greater than or equal to 1, got 0$"):
        parse_config(Example, ["--out", "a.jsonl", "--max-pages", "0"])
    with pytest.raises(UserError, match=r"^--timeout: input should be greater than 0, got 0.0$"):
        parse_config(Example, ["--out", "a.jsonl", "--timeout", "0"])
    with pytest.raises(UserError, match="argument --max_pages/--max-pages: invalid int value: 'x'"):
        parse_config(Example, ["--out", "a.jsonl", "--max-pages", "x"])

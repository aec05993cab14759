"""Stage config checks at their edges: every init field is checked wherever a computed field sits, an
option named by a single alias string, and the parser's own name and description reach `--help`."""

from dataclasses import dataclass, field

import pytest

from cazton_llm.errors import UserError
from cazton_llm.stage_config import AtLeastOne, FieldError, Seconds, check_fields, config_parser, parse_config


@dataclass(kw_only=True)
class WithComputedField:
    name: str = "crawl"
    label: str = field(init=False, default="")  # computed, not given: never checked
    max_pages: AtLeastOne = 10
    wait_s: Seconds = field(default=1.0, metadata={"aliases": "--wait", "help": "seconds"})

    def __post_init__(self):
        check_fields(self)
        self.label = self.name.upper()


def test_fields_after_a_computed_one_are_checked_too():
    with pytest.raises(FieldError, match=r"^max_pages: input should be greater than or equal to 1, got 0$"):
        WithComputedField(max_pages=0)
    assert WithComputedField().label == "CRAWL"


def test_a_single_alias_string_names_the_option():
    with pytest.raises(UserError, match=r"^--wait: input should be greater than 0, got 0.0$"):
        parse_config(WithComputedField, ["--wait", "0"])


def test_the_parser_takes_the_commands_name_and_description(capsys):
    assert config_parser(WithComputedField, prog="python -m acme").prog == "python -m acme"
    with pytest.raises(SystemExit):
        parse_config(WithComputedField, ["--help"], prog="python -m acme", description="Crawl the Acme site.")
    shown = capsys.readouterr().out
    assert shown.startswith("usage: python -m acme") and "Crawl the Acme site." in shown

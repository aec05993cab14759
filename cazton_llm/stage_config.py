"""What every stage's config dataclass shares (`scraper.config.CrawlConfig`, `dataset_builder.config.*`,
`benchmark.config.BenchmarkConfig`, `space.config.SpaceConfig`, train's `ScriptArguments`):

- `check_fields`, called by each `__post_init__`, checks every field against its annotation, strictly (`"no"` is
  not a boolean, `"8"` not a number), with its range written on the type (`AtLeastOne`, `Port`, …): a config read
  from YAML, built by the pipeline or parsed from a command line is checked by the same code;
- `FieldError` names the field and the bad value; the command line shows it under the option's name
  (`--max-pages`), the pipeline under the config key (`site.max_pages`);
- `parse_config` builds the stage's command line from the dataclass with transformers' `HfArgumentParser`
  (`--max_pages`/`--max-pages`, help from each field's `metadata`), so an option is declared once.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Annotated, get_type_hints

from annotated_types import Ge, Gt, Le
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from cazton_llm.errors import UserError

AtLeastOne = Annotated[int, Ge(1)]
NotNegative = Annotated[int, Ge(0)]
Seconds = Annotated[float, Gt(0)]
Port = Annotated[int, Ge(1), Le(65535)]
# A path given as text (YAML, JSON) becomes a Path; HfArgumentParser makes one from the command line.
FilePath = Annotated[Path, BeforeValidator(lambda value: Path(value) if isinstance(value, str) else value)]


class FieldError(UserError):
    """A config field holds a value it cannot take: `problem` says what is wrong, and names the value."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")

    def named(self, name: str) -> FieldError:
        """The same problem, shown under another name (the option, or the key in the pipeline's config)."""
        return FieldError(name, self.problem)


@functools.cache
def _validator(hint) -> TypeAdapter:
    return TypeAdapter(hint)


def check_fields(config) -> None:
    """Check each field of the dataclass `config` against its annotation, strictly, and store the checked value
    (a path given as text becomes a Path); raise a FieldError at the first one that does not fit."""
    hints = get_type_hints(type(config), include_extras=True)
    for item in fields(config):
        if not item.init:
            continue
        value = getattr(config, item.name)
        try:
            checked = _validator(hints[item.name]).validate_python(value, strict=True)
        except ValidationError as error:
            message = error.errors()[0]["msg"]
            raise FieldError(item.name, f"{message[0].lower()}{message[1:]}, got {value!r}") from None
        object.__setattr__(config, item.name, checked)  # frozen dataclasses too


def option_name(config_type, field: str) -> str:
    """The option a field is given with on the command line: its first alias, else `--field-name`."""
    aliases = next(item.metadata.get("aliases") for item in fields(config_type) if item.name == field)
    if aliases:
        return aliases if isinstance(aliases, str) else aliases[0]
    return f"--{field.replace('_', '-')}"


def config_parser(config_type, **kwargs):
    """An `HfArgumentParser` for `config_type` whose bad values raise (see `parse_config`) instead of exiting."""
    from transformers import HfArgumentParser

    return HfArgumentParser(config_type, exit_on_error=False, **kwargs)


def parse_namespace(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """`parser.parse_args`, with a value of the wrong type or an unknown choice as a one-line UserError."""
    try:
        return parser.parse_args(argv)
    except argparse.ArgumentError as error:
        raise UserError(f"{error} (see --help)") from None


def config_from(namespace: argparse.Namespace, config_type):
    """The `config_type` the parsed options describe; a field's problem is named by its option."""
    values = {item.name: getattr(namespace, item.name) for item in fields(config_type) if item.init}
    try:
        return config_type(**values)
    except FieldError as error:
        raise error.named(option_name(config_type, error.field)) from None


def parse_config(config_type, argv: Sequence[str] | None = None, **parser_kwargs):
    """Parse a command line into `config_type` (a stage without subcommands)."""
    return config_from(parse_namespace(config_parser(config_type, **parser_kwargs), argv), config_type)

"""Every command the README and docs/ show is run, so the docs cannot rot: each `python -m …` and
`python perf/….py` with `--help` (every option it shows must be in that help, every value it shows for an
option with choices must be one of them, every recipe or config file it names must exist), and each `make`
target with `make -n`."""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCED = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`((?:[^`\n]|\n(?!\n))+)`")  # may wrap onto the next line, never past a paragraph
# Where a command starts in a line: the interpreter (maybe the venv's) with a module, accelerate launching a
# module, a perf script, or make.
COMMAND = re.compile(
    r"(?:(?:\.venv/bin/)?python3? |accelerate launch .*?(?=-m ))-m [\w.]+|(?:python3? )?perf/\w+\.py|make \w+"
)
PLACEHOLDER = "…"


def command_in(line: str) -> str | None:
    """The command in a line of a code block or an inline code span, without what follows `→` or `#`."""
    found = COMMAND.search(line)
    if not found:
        return None
    command = line[found.start() :].split("→")[0].split(" #")[0].split("`")[0].rstrip("\\ ")  # \` in a table
    if command.startswith("perf/"):
        return f"python {command}"
    return re.sub(r"^accelerate launch .*?-m ", "python -m ", command)


def documented_commands() -> list[str]:
    commands = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in FENCED.findall(text):
            commands.update(filter(None, map(command_in, block.replace("\\\n", " ").splitlines())))
        spans = (span.replace("\n", " ") for span in INLINE.findall(FENCED.sub("", text)))
        commands.update(filter(None, map(command_in, spans)))
    return sorted(commands)


@functools.cache
def help_text(argv: tuple[str, ...]) -> str:
    result = subprocess.run([*argv, "--help"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(argv)} --help failed:\n{result.stderr[-2000:]}"
    return result.stdout


def tokens_of(command: str) -> list[str]:
    """Shell words, with the optional parts' brackets and the placeholders dropped."""
    words = [word.strip("[]") for word in shlex.split(command)]
    return [word for word in words if word and word != PLACEHOLDER]


def options_with_values(words: list[str]) -> dict[str, list[str]]:
    """{--option: the words after it up to the next option}."""
    options: dict[str, list[str]] = {}
    current = None
    for word in words:
        if word.startswith("--"):
            current, _, value = word.partition("=")
            options.setdefault(current, []).extend([value] if value else [])
        elif current:
            options[current].append(word)
    return options


def choices_in(help_output: str, option: str) -> set[str] | None:
    """The values `--help` lists for `option` (`--mode {a,b}`), or None when it lists none."""
    listed = re.search(rf"(?<![\w-]){re.escape(option)}(?:/[\w-]+)* \{{([^}}]+)\}}", help_output)
    return set(listed.group(1).split(",")) if listed else None


@pytest.mark.parametrize("command", documented_commands(), ids=lambda command: command[:80])
def test_documented_command_runs_with_its_options_and_values(command):
    words = tokens_of(command)
    if words[0] == "make":
        result = subprocess.run(["make", "-n", *words[1:]], cwd=REPO, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        return
    program = [sys.executable, *words[1:3]] if words[1] == "-m" else [sys.executable, words[1]]
    rest = words[len(program) :]
    first_option = next((index for index, word in enumerate(rest) if word.startswith("-")), len(rest))
    help_output = help_text((*program, *rest[:first_option]))  # with the subcommands and positional arguments
    for option, values in options_with_values(rest).items():
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_output), f"{option} is not an option"
        choices = choices_in(help_output, option)
        for shown in (alternative for value in values for alternative in value.split("|")):
            assert choices is None or shown in choices, f"{option} {shown}: not one of {sorted(choices)}"
            assert not shown.endswith((".yaml", ".yml")) or (REPO / shown).is_file(), f"{shown} does not exist"


def test_the_docs_show_commands_of_every_entry_point():
    shown = " ".join(documented_commands())
    for entry_point in ("scraper", "dataset_builder", "train", "benchmark", "space", "pipeline"):
        assert f"-m {entry_point}" in shown

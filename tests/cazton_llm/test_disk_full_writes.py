"""Writes stopped by "file too large" or "no space left" are one line naming the file (cazton_llm.errors and
cazton_llm.atomic), for appended logs of records too (the benchmark's answers.jsonl)."""

import errno
import subprocess
import sys
from pathlib import Path

from cazton_llm.errors import as_user_error
from tests.bad_input import with_file_size_limit

REPO = Path(__file__).resolve().parents[2]
APPEND_PAST_THE_LIMIT = """
import sys
from cazton_llm.atomic import appending
from cazton_llm.errors import exit_on_user_error

@exit_on_user_error
def main():
    with appending(sys.argv[1]) as handle:
        for _ in range(1000):
            handle.write("x" * 99 + "\\n")
            handle.flush()

main()
"""


def test_an_appended_file_past_the_size_limit_is_one_line_naming_it(tmp_path):
    answers = tmp_path / "answers.jsonl"
    result = subprocess.run(
        [sys.executable, "-c", APPEND_PAST_THE_LIMIT, str(answers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=with_file_size_limit(5000),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {answers}: file too large (the file-size limit, `ulimit -f`, is 5000 bytes): raise the limit, or "
        "write the output to a filesystem that takes larger files, and run again"
    ]
    assert answers.stat().st_size == 5000  # the lines written before it are kept, for the rerun to resume from


def test_no_space_left_names_the_file_and_says_to_free_space():
    wrapped = RuntimeError("An error occurred while generating the dataset")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device", "/data/out/dataset")
    message = str(as_user_error(wrapped))
    assert message.startswith("/data/out/dataset: no space left on the device: free space there")

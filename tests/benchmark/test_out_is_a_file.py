"""`python -m benchmark --out` where a file is in the way (the path itself, or a folder above it): one `error:`
line naming --out and the file, exit 2, no traceback, and the file left as it was."""

import pytest

from tests.in_process import run_entry_point


@pytest.mark.parametrize("below", ["", "report"], ids=["the file itself", "a folder under the file"])
def test_out_that_is_a_file_is_one_line(qa_dataset_dir, checkable_model_dir, tmp_path, capfd, below):
    in_the_way = tmp_path / "report.txt"
    in_the_way.write_text("an earlier report\n")
    out = in_the_way / below if below else in_the_way
    argv = ["-m", "benchmark", "--dataset", str(qa_dataset_dir), "--model", f"base={checkable_model_dir}"]
    result = run_entry_point([*argv, "--out", str(out)], capfd)
    assert result.returncode == 2, result.stderr[-3000:]
    assert (
        result.stderr
        == f"error: --out: {str(in_the_way)!r} is a file: give a folder for the report (new or existing)\n"
    )
    assert in_the_way.read_text() == "an earlier report\n"

"""A damaged dataset folder (a shard cut short or overwritten, a card whose YAML is broken, the data files gone)
given to the benchmark, training or the Space: one `error:` line naming the folder and saying to build it again,
exit 2, no traceback. The folders are copies of one built by the offline chain, damaged after the build. Each
damage is given to each entry point's `main` in this process; one damage per entry point also goes to a real
`python -m` process, which shows that nothing printed at import or at exit joins the line."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.in_process import run_entry_point

REPO = Path(__file__).resolve().parents[2]
BUILD_AGAIN = "build it again with `python -m dataset_builder build`"


def train_shard(folder: Path) -> Path:
    return next((folder / "data").glob("train-*.parquet"))


def cut_short(folder: Path) -> None:
    shard = train_shard(folder)
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])


def pages_overwritten(folder: Path) -> None:
    """The rows' pages spoiled, the footer (schema, row count) left as it was: found only when rows are read."""
    shard = train_shard(folder)
    data = bytearray(shard.read_bytes())
    footer_start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    data[4:footer_start] = b"\xff" * (footer_start - 4)
    shard.write_bytes(bytes(data))


def broken_yaml(folder: Path) -> None:
    card = folder / "README.md"
    card.write_text(card.read_text().replace("configs:", "configs: [", 1))


DAMAGES = {
    "shard cut short": (cut_short, "data/train-"),
    "shard overwritten": (lambda folder: train_shard(folder).write_bytes(b"not parquet\n" * 8), "data/train-"),
    "shard's pages overwritten": (pages_overwritten, "a parquet shard is not readable"),
    "card YAML broken": (broken_yaml, "the front matter of its README.md is not valid YAML"),
    "data files gone": (lambda folder: shutil.rmtree(folder / "data"), "is missing"),
}


def commands(dataset: Path, model: Path, tmp_path: Path) -> dict[str, list[str]]:
    recipe = str(REPO / "train/configs/tiny.yaml")
    return {
        "benchmark": ["-m", "benchmark", "--dataset", str(dataset), "--model", f"base={model}", "--out",
                      str(tmp_path / "report")],
        "train": ["-m", "train", "--config", recipe, "--model_name_or_path", str(model), "--dataset_name",
                  str(dataset), "--output_dir", str(tmp_path / "adapter"), "--report_to", "none"],
        "space": ["-m", "space", "--base-model", str(model), "--adapter", "", "--dataset", str(dataset)],
    }  # fmt: skip


def damaged_copy(qa_dataset_dir: Path, tmp_path: Path, damage: str, entry_point: str) -> Path:
    # A name of its own: datasets caches a local folder under its name and data file names, and a damage that
    # only shows when rows are read would otherwise be served the undamaged rows another test cached.
    dataset = Path(shutil.copytree(qa_dataset_dir, tmp_path / f"damaged-{entry_point}-{damage.replace(' ', '-')}"))
    DAMAGES[damage][0](dataset)
    return dataset


def assert_one_line_naming(result: subprocess.CompletedProcess, dataset: Path, damage: str) -> None:
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr[-3000:]
    assert errors[0].isprintable(), errors[0]  # no control characters quoted from the damaged bytes
    assert errors[0].startswith(f"error: dataset folder {str(dataset)!r} is damaged ("), errors[0]
    assert DAMAGES[damage][1] in errors[0] and errors[0].endswith(BUILD_AGAIN), errors[0]


@pytest.mark.parametrize("entry_point", ["benchmark", "train", "space"])
@pytest.mark.parametrize("damage", DAMAGES, ids=str)
def test_a_damaged_dataset_folder_is_one_line(
    qa_dataset_dir, checkable_model_dir, tmp_path, capfd, damage, entry_point
):
    dataset = damaged_copy(qa_dataset_dir, tmp_path, damage, entry_point)
    argv = commands(dataset, checkable_model_dir, tmp_path)[entry_point]
    assert_one_line_naming(run_entry_point(argv, capfd), dataset, damage)


@pytest.mark.parametrize("entry_point", ["benchmark", "train", "space"])
def test_a_damaged_dataset_folder_is_one_line_in_a_real_process(
    qa_dataset_dir, checkable_model_dir, tmp_path, entry_point
):
    dataset = damaged_copy(qa_dataset_dir, tmp_path, "shard's pages overwritten", entry_point)
    argv = commands(dataset, checkable_model_dir, tmp_path)[entry_point]
    result = subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert_one_line_naming(result, dataset, "shard's pages overwritten")

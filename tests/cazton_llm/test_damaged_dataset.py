"""A damaged dataset folder (a shard cut short or overwritten, a card whose YAML is broken, the data files gone)
given to the benchmark, training or the Space: one `error:` line naming the folder and saying to build it again,
exit 2, no traceback. The folders are copies of one built by the offline chain, damaged after the build. Each
damage is given to each entry point's `main` in this process; one damage per entry point also goes to a real
`python -m` process, which shows that nothing printed at import or at exit joins the line."""

import base64
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cazton_llm.entry_points import commands, refusal, refusal_line

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


def schema_width_damaged(folder: Path) -> None:
    """The shard overwritten by a parquet file whose stored Arrow schema has one byte changed: its 64-bit integer
    column reads as 4 bits wide, which pyarrow refuses as not implemented (not as invalid data)."""
    shard = train_shard(folder)
    pq.write_table(pa.table({"rank": pa.array([1, 2, 3], type=pa.int64())}), shard)
    data = bytearray(shard.read_bytes())
    stored = re.search(rb"ARROW:schema\x18.{1,3}?([A-Za-z0-9+/]+=*)", data, re.DOTALL)  # the footer's base64 value
    schema = bytearray(base64.b64decode(stored[1]))
    schema[schema.index((64).to_bytes(4, "little"))] = 4  # the integer's bit width, its only 64 in the schema
    data[stored.start(1) : stored.end(1)] = base64.b64encode(schema)
    shard.write_bytes(bytes(data))


def edited_card(old: bytes, new: bytes):
    """A damage that replaces the first `old` in the card's bytes with `new`."""

    def edit(folder: Path) -> None:
        card = folder / "README.md"
        assert old in card.read_bytes()
        card.write_bytes(card.read_bytes().replace(old, new, 1))

    return edit


DAMAGES = {
    "shard cut short": (cut_short, "data/train-"),
    "shard overwritten": (lambda folder: train_shard(folder).write_bytes(b"not parquet\n" * 8), "data/train-"),
    "shard's pages overwritten": (pages_overwritten, "data/train-"),
    "shard's schema damaged": (schema_width_damaged, "data/train-"),
    "card YAML broken": (
        edited_card(b"configs:", b"configs: ["),
        "the front matter of its README.md is not valid YAML",
    ),
    "card not UTF-8": (edited_card(b"license:", b"license: \xff"), "its README.md is not UTF-8 text"),
    # a YAML anchor where a key was: the key reads as null
    "card key damaged": (edited_card(b"data_files:", b"&ata_files:"), "has a config named 'default' with keys"),
    "card's data files misshapen": (
        edited_card(b"- split: train\n    path:", b"- split: train\n    paths:"),
        "the front matter of its README.md is not a dataset card's: Expected data_files in YAML",
    ),
    "card's splits duplicated": (
        edited_card(b"- split: test", b"- split: train"),
        "its README.md: Some splits are duplicated in data_files",
    ),
    "data files gone": (lambda folder: shutil.rmtree(folder / "data"), "is missing"),
}


def damaged_copy(qa_dataset_dir: Path, tmp_path: Path, damage: str, entry_point: str) -> Path:
    # A name of its own: datasets caches a local folder under its name and data file names, and a damage that
    # only shows when rows are read would otherwise be served the undamaged rows another test cached.
    dataset = Path(shutil.copytree(qa_dataset_dir, tmp_path / f"damaged-{entry_point}-{damage.replace(' ', '-')}"))
    DAMAGES[damage][0](dataset)
    return dataset


def assert_names_the_damage(error: str, dataset: Path, damage: str) -> None:
    assert error.isprintable(), error  # no control characters quoted from the damaged bytes
    assert error.startswith(f"error: dataset folder {str(dataset)!r} is damaged ("), error
    assert DAMAGES[damage][1] in error and error.endswith(BUILD_AGAIN), error


@pytest.mark.parametrize("entry_point", ["benchmark", "train", "space"])
@pytest.mark.parametrize("damage", DAMAGES, ids=str)
def test_a_damaged_dataset_folder_is_one_line(
    qa_dataset_dir, checkable_model_dir, tmp_path, capfd, damage, entry_point
):
    dataset = damaged_copy(qa_dataset_dir, tmp_path, damage, entry_point)
    error = refusal_line(commands(dataset, checkable_model_dir, tmp_path)[entry_point], capfd)
    assert_names_the_damage(error, dataset, damage)
    assert not (tmp_path / "report").exists() and not (tmp_path / "adapter-out").exists()  # nothing half-written


@pytest.mark.parametrize("entry_point", ["benchmark", "train", "space"])
def test_a_damaged_dataset_folder_is_one_line_in_a_real_process(
    qa_dataset_dir, checkable_model_dir, tmp_path, entry_point
):
    damage = "shard's pages overwritten"
    # Not the in-process test's folder name: the session's datasets cache, which this process shares, is keyed by it.
    dataset = damaged_copy(qa_dataset_dir, tmp_path, damage, f"{entry_point}-process")
    refused = refusal(commands(dataset, checkable_model_dir, tmp_path)[entry_point])
    assert_names_the_damage(refused.stderr.splitlines()[-1], dataset, damage)
    # The damage is found before `datasets` reads a row: its reader, left half-read by a damaged page, could abort
    # the process at exit after the error line (exit code 134 instead of 2, seen in CI now and then).
    assert "Generating" not in refused.stderr, refused.stderr[-3000:]

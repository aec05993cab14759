"""Load the QA dataset from a Hub id or a local folder laid out like the Hub repo, with one-line errors.

A folder that `build` wrote loads correctly with a plain `load_dataset(path)`: its card names data files
whose names carry a digest of their content (`dataset_builder.build.write_shards`).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from cazton_llm.errors import UserError
from cazton_llm.hub import is_local


def load_qa_dataset(name_or_dir: str | Path, config: str = "default", split: str | None = None, revision=None):
    """`load_dataset` with a one-line error for a missing dataset or split, or a damaged folder."""
    from datasets import load_dataset
    from datasets.exceptions import DatasetNotFoundError

    if is_local(name_or_dir) and not (Path(name_or_dir) / "README.md").is_file():
        raise UserError(
            f"dataset folder {str(name_or_dir)!r} not found: build it with `python -m dataset_builder build`"
        )
    if is_local(name_or_dir):
        check_shards(Path(name_or_dir))
    try:
        with damage_as_user_error(name_or_dir):
            return load_dataset(str(name_or_dir), config, split=split, revision=revision)
    except DatasetNotFoundError:
        raise UserError(f"dataset {str(name_or_dir)!r} not found on the Hub: check the id and your token") from None
    except ValueError as error:
        if "split" in str(error).lower():
            raise UserError(f"dataset {str(name_or_dir)!r} has no split {split!r}") from None
        raise


def dataset_configs(name_or_dir: str | Path) -> list[str]:
    """The configs a dataset's card declares (`default`, `text`, and `passages` for datasets built with pages)."""
    from datasets import get_dataset_config_names

    with damage_as_user_error(name_or_dir):
        return get_dataset_config_names(str(name_or_dir))


def damaged(folder: str | Path, what: str) -> UserError:
    # pyarrow's and yaml's messages can span lines, and pyarrow's can quote the damaged bytes
    what = " ".join("".join(char if char.isprintable() else " " for char in what).split())
    return UserError(
        f"dataset folder {str(folder)!r} is damaged ({what}): build it again with `python -m dataset_builder build`"
    )


def check_shards(folder: Path) -> None:
    """Each parquet shard reads, footer and rows, or the error names the shard.

    The rows are read here, one row group at a time in this thread, so that `datasets` never meets a damaged
    shard: its reader (a pyarrow dataset scanner) left half-read by the error keeps background work that can abort
    the process at exit, after the `error:` line ("terminate called without an active exception", exit code 134
    instead of 2; apache/arrow#45214, huggingface/datasets#7566). It also names the shard before `datasets` logs
    a line of its own."""
    import pyarrow.parquet as pq
    from pyarrow import ArrowException

    for shard in sorted(folder.rglob("*.parquet")):
        try:
            with pq.ParquetFile(shard) as rows:
                for row_group in range(rows.num_row_groups):
                    rows.read_row_group(row_group, use_threads=False)
        # Damaged bytes can also read as a type pyarrow does not implement (ArrowNotImplementedError, no ValueError).
        except (OSError, ValueError, ArrowException) as error:
            raise damaged(folder, f"{shard.relative_to(folder)} is not a readable parquet file: {error}") from None


@contextlib.contextmanager
def damage_as_user_error(name_or_dir: str | Path):
    """A local folder's broken card, missing data file or unreadable parquet shard, as one line."""
    import yaml
    from datasets.exceptions import DatasetGenerationError
    from pyarrow import ArrowInvalid

    try:
        yield
    except (yaml.YAMLError, FileNotFoundError, ArrowInvalid, DatasetGenerationError) as error:
        if not is_local(name_or_dir):
            raise
        if isinstance(error, DatasetGenerationError) and not isinstance(error.__cause__, (OSError, ArrowInvalid)):
            raise
        raise damaged(name_or_dir, damage(error)) from None


def damage(error: Exception) -> str:
    import yaml

    if isinstance(error, yaml.YAMLError):
        return f"the front matter of its README.md is not valid YAML: {getattr(error, 'problem', None) or error}"
    if isinstance(error, FileNotFoundError):
        missing = re.search(r"Unable to find '([^']+)'", str(error))
        return f"{missing[1] if missing else 'a data file its README.md names'} is missing"
    return f"a parquet shard is not readable: {error.__cause__ or error}"

"""Load the QA dataset from a Hub id or a local folder laid out like the Hub repo, with one-line errors.

A folder that `build` wrote loads correctly with a plain `load_dataset(path)`: its card names data files
whose names carry a digest of their content (`dataset_builder.build.write_shards`).
"""

from __future__ import annotations

from pathlib import Path

from cazton_llm.errors import UserError
from cazton_llm.hub import is_local


def load_qa_dataset(name_or_dir: str | Path, config: str = "default", split: str | None = None, revision=None):
    """`load_dataset` with a one-line error for a missing dataset or split."""
    from datasets import load_dataset
    from datasets.exceptions import DatasetNotFoundError

    if is_local(name_or_dir) and not (Path(name_or_dir) / "README.md").is_file():
        raise UserError(
            f"dataset folder {str(name_or_dir)!r} not found: build it with `python -m dataset_builder build`"
        )
    try:
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

    return get_dataset_config_names(str(name_or_dir))

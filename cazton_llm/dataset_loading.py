"""Load the QA dataset from a Hub id or a local folder laid out like the Hub repo, with one-line errors.

A folder that `build` wrote loads correctly with a plain `load_dataset(path)`: its card names data files
whose names carry a digest of their content (`dataset_builder.build.write_shards`).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from cazton_llm.errors import UserError, first_line
from cazton_llm.hub import is_local

# A path that leaves a dataset's folder or repo: a URL scheme or drive ("https:", "hf:", "C:"), an absolute or home
# path, a `..` part, or a URL or fsspec chain ("::") anywhere in it.
LEAVES = re.compile(r"^(?:[A-Za-z][\w+.-]*:|[/\\~])|(?:^|[/\\])\.\.(?:[/\\]|$)|::|://")
UNKNOWN_SPLIT = ("Unknown split", "Bad split")  # how `datasets`' ValueError for a split a dataset lacks begins


def load_qa_dataset(name_or_dir: str | Path, config: str = "default", split: str | None = None, revision=None):
    """`load_dataset` with a one-line error for a missing dataset or split, or a damaged folder."""
    from datasets import load_dataset
    from datasets.exceptions import DatasetNotFoundError

    if is_local(name_or_dir) and not (Path(name_or_dir) / "README.md").is_file():
        raise UserError(
            f"dataset folder {str(name_or_dir)!r} not found: build it with `python -m dataset_builder build`"
        )
    try:
        with damage_as_user_error(name_or_dir):
            check_card_of(name_or_dir, config, revision)
            if is_local(name_or_dir):
                check_shards(Path(name_or_dir))
            return load_dataset(str(name_or_dir), config, split=split, revision=revision)
    except DatasetNotFoundError:
        raise UserError(f"dataset {str(name_or_dir)!r} not found on the Hub: check the id and your token") from None
    except ValueError as error:
        if str(error).startswith(UNKNOWN_SPLIT):
            raise UserError(f"dataset {str(name_or_dir)!r} has no split {split!r}") from None
        raise


def dataset_configs(name_or_dir: str | Path) -> list[str]:
    """The configs a dataset's card declares (`default`, `text`, and `passages` for datasets built with pages)."""
    from datasets import get_dataset_config_names

    with damage_as_user_error(name_or_dir):
        check_card_of(name_or_dir)
        return get_dataset_config_names(str(name_or_dir))


def check_card_of(name_or_dir: str | Path, config: str | None = None, revision=None) -> None:
    """The card of a local folder (`check_card`) or of a Hub dataset (`check_hub_card`), before `datasets` acts on
    it."""
    if is_local(name_or_dir):
        check_card(Path(name_or_dir), config)
    else:
        check_hub_card(str(name_or_dir), revision)


def damaged(folder: str | Path, what: str) -> UserError:
    # pyarrow's and yaml's messages can span lines, and pyarrow's can quote the damaged bytes
    what = " ".join("".join(char if char.isprintable() else " " for char in what).split())
    return UserError(
        f"dataset folder {str(folder)!r} is damaged ({what}): build it again with `python -m dataset_builder build`"
    )


def check_card(folder: Path, config: str | None = None) -> None:
    """The card is UTF-8 text whose `configs` are what `datasets` reads, name `config` (when given) and keep their
    data files inside the folder.

    A card is input like any other file: `datasets` fetches a data file its card names by URL, reads one named by
    an absolute or `..` path, and fails deep inside on a damaged entry. Broken YAML is `damage_as_user_error`'s."""
    from datasets.naming import INVALID_WINDOWS_CHARACTERS_IN_PATH

    try:
        metadata = card_metadata((folder / "README.md").read_bytes().decode())
    except UnicodeDecodeError as error:
        raise damaged(folder, f"its README.md is not UTF-8 text: {error.reason} at byte {error.start}") from None
    except (ValueError, TypeError, AttributeError) as error:  # no mapping, or `configs` not in datasets' shape
        raise damaged(
            folder, f"the front matter of its README.md is not a dataset card's: {first_line(error)}"
        ) from None
    configs = metadata.get("configs") or []
    names = [entry["config_name"] for entry in configs]
    for entry, name in zip(configs, names, strict=True):
        if not isinstance(name, str) or set(name) & set(INVALID_WINDOWS_CHARACTERS_IN_PATH) or None in entry:
            raise damaged(folder, f"its README.md has a config named {name!r} with keys {list(entry)}")
        if any(not isinstance(path, str) for path in data_file_paths(entry)):
            raise damaged(folder, f"its README.md's config {name!r} names a data file that is no path")
        if outside := paths_outside(entry):
            raise UserError(
                f"dataset folder {str(folder)!r}: its README.md names a data file outside the folder ({outside!r}): "
                "keep every data file inside the folder, as `python -m dataset_builder build` does"
            )
    names = names or ["default"]  # no configs: `datasets` finds the data files by their names, as one config
    if config is not None and config not in names:
        raise UserError(
            f"dataset folder {str(folder)!r} has no config {config!r} (its README.md names {names}): build it again "
            "with `python -m dataset_builder build`"
        )


def card_metadata(card: str) -> dict:
    """A dataset card's front matter, its `configs` checked as `datasets` reads them: a ValueError (YAMLError
    for broken YAML), TypeError or AttributeError when they are not in its shape."""
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    metadata = DatasetCard(card).data.to_dict()
    MetadataConfigs.from_dataset_card_data(DatasetCardData(**metadata))
    return metadata


def data_file_paths(config: dict) -> list:
    """The paths (or patterns) a card's config entry names: its `data_dir` and every `data_files` path."""
    files = config.get("data_files") or []
    files = [files] if isinstance(files, str) else files
    paths = [config.get("data_dir") or ""]
    for item in files:
        named = item.get("path") if isinstance(item, dict) else item
        paths.extend(named if isinstance(named, list) else [named])
    return paths


def paths_outside(config: dict) -> str | None:
    """The first data file path (or `data_dir`) of a card's config entry that leaves its folder or repo; None when
    all stay inside."""
    return next((path for path in data_file_paths(config) if isinstance(path, str) and LEAVES.search(path)), None)


def check_hub_card(repo_id: str, revision=None) -> None:
    """A Hub dataset's card names no data file outside its repo, which `load_dataset` would fetch from wherever it
    says (see `check_card`). A card that cannot be had or read is left to `load_dataset`, which reports it
    (`damage_as_user_error`)."""
    import yaml
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        metadata = card_metadata(
            Path(hf_hub_download(repo_id, "README.md", repo_type="dataset", revision=revision)).read_bytes().decode()
        )
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, yaml.YAMLError, ValueError, TypeError, AttributeError):
        return
    for entry in metadata.get("configs") or []:
        if outside := paths_outside(entry):
            raise UserError(
                f"dataset {repo_id!r} on the Hub: its README.md names a data file outside the repo ({outside!r}): "
                "not loaded; ask its owner to keep every data file in the repo"
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
    except (yaml.YAMLError, FileNotFoundError, ValueError, DatasetGenerationError) as error:
        if str(error).startswith(UNKNOWN_SPLIT):
            raise
        if not is_local(name_or_dir):
            if isinstance(error, ValueError):  # a misshapen card, data files it names twice or in two formats, …
                raise UserError(f"dataset {str(name_or_dir)!r} on the Hub does not load: {first_line(error)}") from None
            raise
        if isinstance(error, DatasetGenerationError) and not isinstance(error.__cause__, (OSError, ArrowInvalid)):
            raise
        raise damaged(name_or_dir, damage(error)) from None


def damage(error: Exception) -> str:
    import yaml
    from datasets.exceptions import DatasetGenerationError
    from pyarrow import ArrowInvalid

    if isinstance(error, yaml.YAMLError):
        return f"the front matter of its README.md is not valid YAML: {getattr(error, 'problem', None) or error}"
    if isinstance(error, FileNotFoundError):
        missing = re.search(r"Unable to find '([^']+)'", str(error))
        return f"{missing[1] if missing else 'a data file its README.md names'} is missing"
    if isinstance(error, (ArrowInvalid, DatasetGenerationError)):
        return f"a parquet shard is not readable: {error.__cause__ or error}"
    return f"its README.md: {first_line(error)}"  # what `datasets` finds wrong in a card: data files, splits, formats

"""Publishing folders to the Hugging Face Hub (datasets, adapters, Spaces) with one token rule:
`HF_TOKEN` or the cached `hf auth login`, never printed, and one rule for Hub errors: a refusal or
an unreachable Hub is one line, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cazton_llm.errors import UserError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def is_local(name_or_dir: str | Path) -> bool:
    """A local path rather than a Hub id: it starts like a path or exists on disk."""
    text = str(name_or_dir)
    return text.startswith((".", "/", "~")) or Path(text).exists()


def check_repo_id(repo_id: str) -> str:
    if not REPO_ID.match(repo_id or "") or ".." in repo_id or repo_id.endswith((".git", "-", ".")):
        raise UserError(f"invalid Hub repo id {repo_id!r}: use owner/name (letters, digits, '-', '_', '.')")
    return repo_id


def hub_token() -> str:
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise UserError("no Hugging Face token: export HF_TOKEN=… or run `hf auth login`")
    return token


def hub_api():
    from huggingface_hub import HfApi

    return HfApi(token=hub_token())


@contextmanager
def hub_errors(action: str) -> Iterator[None]:
    """Turn the Hub refusing `action` (e.g. "the upload to OWNER/NAME"), or not answering, into one line."""
    # huggingface_hub's HTTP library raises its TransportError for refused connections, DNS failures, timeouts.
    from httpx2 import TransportError
    from huggingface_hub import constants
    from huggingface_hub.errors import HfHubHTTPError

    try:
        yield
    except HfHubHTTPError as error:
        raise UserError(f"the Hub refused {action}: {str(error).splitlines()[0]}") from None
    except TransportError as error:
        raise UserError(
            f"cannot reach the Hugging Face Hub at {constants.ENDPOINT} ({error}): check the network and HF_ENDPOINT"
        ) from None


def create_repo(repo_id: str, repo_type: str, private: bool = False, **create_kwargs) -> str:
    """Create the repo unless it exists, which also checks that the token may write there; returns its URL."""
    check_repo_id(repo_id)
    api = hub_api()
    with hub_errors(f"access to {repo_id}"):
        return str(api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, **create_kwargs))


def upload_folder(folder: str | Path, repo_id: str, repo_type: str, private: bool = False, **create_kwargs) -> str:
    """Create the repo if needed and make `folder` its content, in one commit; returns the repo URL.

    Files an earlier upload left that `folder` no longer has are deleted (the Hub keeps `.gitattributes`):
    a dataset's shards are named by their content, and an adapter must not be read with an older one's files.
    """
    check_repo_id(repo_id)
    api = hub_api()
    with hub_errors(f"the upload to {repo_id}"):
        url = api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, **create_kwargs)
        api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type=repo_type,
            commit_message=f"Upload {repo_type} with cazton-llm",
            delete_patterns="*",
        )
    return str(url)

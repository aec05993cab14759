"""Deploy the Space: set the model variables, then lay out a Space repo (app.py at its root, the
`space` and `cazton_llm` packages beside it, README front matter, requirements) and upload it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from huggingface_hub import SpaceCard

from cazton_llm.hub import create_repo, hub_api, hub_errors, upload_folder
from cazton_llm.model_loading import ModelRef
from space.config import SpaceConfig
from space.embed import embed_snippet, space_url

SPACE_DIR = Path(__file__).resolve().parent
PACKAGE_DIRS = (SPACE_DIR, SPACE_DIR.parent / "cazton_llm")
# The Space's own card and requirements go to the repo root, not inside the package.
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "README.md", "requirements.*")


EMBED_SECTION = """
## Put this chat on your website

Paste this where the chat should appear on any page of your site:

```html
{snippet}
```
"""


def space_card(config: SpaceConfig, repo_id: str | None = None) -> str:
    """space/README.md with the front matter naming the Space's own base, adapter and dataset, and the snippet
    that embeds the chat in a web page once the Space has an id."""
    text = (SPACE_DIR / "README.md").read_text()
    if repo_id:
        title = f"{config.company} assistant"
        text += EMBED_SECTION.format(snippet=embed_snippet(space_url(repo_id), title))
    card = SpaceCard(text)
    card.data.title = f"{config.company} Assistant"[:60]
    card.data.short_description = f"Chat about {config.company}, learned from its public website"[:60]
    card.data.models = [ModelRef.parse(spec).name for spec in (config.base_model, config.adapter) if spec]
    card.data.datasets = [ModelRef.parse(config.dataset).name] if config.dataset else []
    return str(card)


def layout_space_repo(repo_dir: Path, config: SpaceConfig, repo_id: str | None = None) -> None:
    """Files of the Space repo: the Hub runs `app.py` from the repo root."""
    for package_dir in PACKAGE_DIRS:
        shutil.copytree(package_dir, repo_dir / package_dir.name, ignore=_SKIP)
    for name in ("requirements.txt", "app.py"):
        shutil.copy2(SPACE_DIR / name, repo_dir / name)
    (repo_dir / "README.md").write_text(space_card(config, repo_id))


def space_variables(config: SpaceConfig) -> dict[str, str]:
    """The Space's variables; DATASET only when one was given (unset, the Space reads the adapter card's)."""
    variables = {"BASE_MODEL": config.base_model, "ADAPTER": config.adapter, "COMPANY": config.company}
    return variables | ({"DATASET": config.dataset} if config.dataset is not None else {})


def prepare_space(repo_id: str, config: SpaceConfig, private: bool = False) -> str:
    """Create the Space if needed and set its variables (BASE_MODEL, ADAPTER, DATASET, COMPANY); returns its URL.

    Done before any upload: a token that may not create the Space or set its variables stops the
    publish before anything went up.
    """
    url = create_repo(repo_id, "space", private=private, space_sdk="gradio")
    api = hub_api()
    with hub_errors(f"setting the variables of {repo_id}"):
        for key, value in space_variables(config).items():
            api.add_space_variable(repo_id, key, value)
    return url


def upload_space(repo_id: str, config: SpaceConfig) -> None:
    with tempfile.TemporaryDirectory(prefix="cazton-space-") as repo_dir:
        layout_space_repo(Path(repo_dir), config, repo_id)
        upload_folder(repo_dir, repo_id, repo_type="space", space_sdk="gradio")


def publish_space(repo_id: str, config: SpaceConfig, private: bool = False) -> str:
    """Create/update the Space `repo_id`: its variables first, then its files; returns its URL."""
    url = prepare_space(repo_id, config, private)
    upload_space(repo_id, config)
    return url

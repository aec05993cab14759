"""The dataset card (README.md): YAML front matter the Hub reads (configs, license, language,
task categories, size) and a body that says what the data is and how it was made."""

from __future__ import annotations

import yaml

# The pairs restate a company's own pages: their terms of use apply, not an open license.
LICENSE = "other"
LANGUAGE = "en"
SIZE_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def size_category(rows: int) -> str:
    return next((label for limit, label in SIZE_BUCKETS if rows < limit), "n>1M")


def config_entries(data_files: dict[str, dict[str, str]]) -> list[dict]:
    """The card's `configs:`, each split naming its file exactly (the names carry a digest of the content);
    the first config is the default."""
    return [
        {
            "config_name": name,
            "data_files": [{"split": split, "path": path} for split, path in files.items()],
            **({"default": True} if index == 0 else {}),
        }
        for index, (name, files) in enumerate(data_files.items())
    ]


def render_card(
    counts: dict,
    data_files: dict[str, dict[str, str]],
    repo_id: str | None,
    pretty_name: str,
) -> str:
    front_matter = {
        "pretty_name": pretty_name,
        "license": LICENSE,
        "language": [LANGUAGE],
        "task_categories": ["question-answering", "text-generation"],
        "size_categories": [size_category(counts["train"] + counts["test"])],
        "tags": ["cazton-llm", "synthetic", "website-qa"],
        "configs": config_entries(data_files),
    }
    repo = repo_id or "OWNER/NAME"
    cleaning = counts.get("cleaning") or {}
    dropped = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in cleaning.get("dropped", {}).items() if n)
    reviews = counts.get("reviews", {})
    lines = [
        "---",
        yaml.safe_dump(front_matter, sort_keys=False).strip(),
        "---",
        "",
        f"# {pretty_name}",
        "",
        "Question/answer pairs about a company, generated from the text of its public website and grounded in it: "
        "every pair keeps the page URL, title and passage it came from. Made with "
        "[cazton-llm](https://github.com/cazton-llm/cazton-llm) to finetune a chat assistant that knows the company.",
        "",
        "## Load it",
        "",
        "```python",
        "from datasets import load_dataset",
        f'dataset = load_dataset("{repo}")  # splits: train, test; config "text" has the question: … answer: … form',
        "```",
        "",
        "## How it was made",
        "",
        f"- Source: {counts['pages']} crawled pages.",
        f"- Generation: `{counts['generator']}` generator, model `{counts['model']}`.",
        f"- Cleaning: {cleaning.get('input_pairs', 'n/a')} generated pairs, {cleaning.get('kept', 'n/a')} kept"
        + (f" (dropped: {dropped})." if dropped else "."),
        "  Cleaning drops empty, too short/long, refusal-style and boilerplate pairs, exact and near-duplicate "
        "questions (MinHash LSH), and answers not supported by their passage.",
        f"- Human review: {reviews.get('drop', 0)} pairs dropped and {reviews.get('edit', 0)} edited by reviewers.",
        f"- Splits by source page (no page in both): train {counts['train']} pairs, test {counts['test']} pairs.",
        "",
        "## Fields",
        "",
        "`id` (stable hash of the question), `question`, `answer`, `source_url`, `source_title`, `passage` "
        "(the page text the answer comes from), `messages` (user/assistant turns, the conversational format TRL "
        "trains on).",
        "",
        "## Limitations",
        "",
        "Pairs are machine-generated from public pages and checked automatically; they can still contain "
        "mistakes, and they only know what the website said when it was crawled.",
        "",
    ]
    return "\n".join(lines)

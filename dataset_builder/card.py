"""The dataset card (README.md), built with huggingface_hub's `DatasetCard`: front matter the Hub reads
(configs, license, language, task categories, size) from `DatasetCardData`, and a body that says what the
data is, how to load it (by its Hub id, or by its folder while it has none) and how it was made.

The counts the body shows are kept in the dataset folder as `build_summary.json`, so `python -m pipeline
publish` can build the card again with the Hub ids it publishes to.
"""

from __future__ import annotations

from huggingface_hub import DatasetCard, DatasetCardData

BUILD_SUMMARY_FILE = "build_summary.json"
# The pairs restate a company's own pages: their terms of use apply, not an open license.
LICENSE = "other"
LANGUAGE = "en"
SIZE_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
TEMPLATE = """---
{{ card_data }}
---

# {{ pretty_name }}

Question/answer pairs about a company, generated from the text of its public website and grounded in it: every \
pair keeps the page URL, title and passage it came from. Made to finetune a chat assistant that knows the company.

## Load it

```python
from datasets import load_dataset
dataset = load_dataset("{{ dataset_ref }}")  # splits: train, test; config "text" has the question: … answer: … form
{% if passages %}passages = load_dataset("{{ dataset_ref }}", "passages", split="train")  # what the chat retrieves from
{% endif %}```

## How it was made

- Source: {{ pages }} crawled pages.
- Generation: `{{ generator }}` generator, model `{{ model }}`.
- Cleaning: {{ cleaning.input_pairs | default("n/a") }} generated pairs, {{ cleaning.kept | default("n/a") }} kept\
{% if dropped %} (dropped: {{ dropped }}){% endif %}.
  Cleaning drops empty, too short/long, refusal-style and boilerplate pairs, answers that end in a question, \
exact and near-duplicate questions \
(MinHash LSH; near ones asked of the same page or with a near answer), and answers not supported by their passage.
- Human review: {{ reviews.drop | default(0) }} pairs dropped and {{ reviews.edit | default(0) }} edited by reviewers.
- Splits by source page (no page in both): train {{ train }} pairs, test {{ test }} pairs.

## Fields

`id` (stable hash of the question), `question`, `answer`, `source_url`, `source_title`, `passage` (the page text \
the answer comes from), `messages` (user/assistant turns, the conversational format TRL trains on).
{% if passages %}
The `passages` config holds every passage of the crawled pages ({{ passages }} passages), whether or not a pair \
was kept from it: the chat searches them to answer. Fields: `url`, `title`, `heading`, `passage`, and `questions` \
(the training split's questions generated from that passage, indexed with it; held-out questions never are). \
Passages that read like instructions to a model are left out.
{% endif %}
{% if adapter_id %}
## Trained on this dataset

- Adapter: [{{ adapter_id }}](https://huggingface.co/{{ adapter_id }})
- Chat with it: [{{ space_id }}](https://huggingface.co/spaces/{{ space_id }})
{% endif %}
## Limitations

Pairs are machine-generated from public pages and checked automatically; they can still contain mistakes, and \
they only know what the website said when it was crawled.
"""


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


def card_data(counts: dict, data_files: dict[str, dict[str, str]], pretty_name: str) -> DatasetCardData:
    return DatasetCardData(
        pretty_name=pretty_name,
        license=LICENSE,
        language=[LANGUAGE],
        task_categories=["question-answering", "text-generation"],
        size_categories=[size_category(counts["train"] + counts["test"])],
        tags=["cazton-llm", "synthetic", "website-qa"],
        configs=config_entries(data_files),
    )


def dataset_card(
    card_data: DatasetCardData,
    counts: dict,
    repo_id: str | None,
    folder: str,
    adapter_id: str | None = None,
    space_id: str | None = None,
) -> DatasetCard:
    """The dataset's card: loaded by its Hub id `repo_id` when it has one, else by its `folder`; with links to
    the adapter trained on it and its Space when they are published."""
    cleaning = counts.get("cleaning") or {}
    dropped = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in cleaning.get("dropped", {}).items() if n)
    return DatasetCard.from_template(
        card_data,
        template_str=TEMPLATE,
        dataset_ref=repo_id or folder,
        dropped=dropped,
        adapter_id=adapter_id,
        space_id=space_id,
        **{**counts, "cleaning": cleaning, "reviews": counts.get("reviews") or {}},
    )

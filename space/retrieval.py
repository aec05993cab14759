"""What the bot knows: BM25 over the dataset's distinct source passages (sources shown under each
answer, and the top passage for grounded prompts) plus example questions for the UI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rank_bm25 import BM25Okapi

from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.grounding import content_words
from cazton_llm.hub import hub_errors
from cazton_llm.model_loading import ModelRef


@dataclass(frozen=True)
class Source:
    """A crawled passage and its page; `space.reply.source_link` shows it as a link."""

    url: str
    title: str
    passage: str


class PassageIndex:
    def __init__(self, sources: list[Source]):
        self.sources = sources
        texts = [content_words(f"{source.title} {source.passage}") for source in sources]
        self._bm25 = BM25Okapi(texts) if sources else None

    def search(self, question: str, limit: int = 3, min_share_of_best: float = 0.5) -> list[Source]:
        """Up to `limit` pages, best first, each by its best passage scoring at least `min_share_of_best` of the
        best (a page with several matching passages is listed once)."""
        query = content_words(question)
        if self._bm25 is None or not query:
            return []
        scores = self._bm25.get_scores(query)
        ranked = sorted(range(len(self.sources)), key=lambda index: scores[index], reverse=True)
        best = scores[ranked[0]]
        if best <= 0:
            return []
        found: dict[str, Source] = {}
        for index in ranked:
            if len(found) == limit or scores[index] < best * min_share_of_best:
                break
            found.setdefault(self.sources[index].url, self.sources[index])
        return list(found.values())


@dataclass(frozen=True)
class Knowledge:
    index: PassageIndex
    example_questions: list[str]
    page_titles: list[str]


def dataset_named_by(adapter: str) -> str | None:
    """The dataset an adapter's model card names under `datasets:` (a published adapter names the one it was
    trained on), or None: no adapter, no card, or a card that names none."""
    from huggingface_hub import ModelCard, hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    if not adapter:
        return None
    ref = ModelRef.parse(adapter)
    card_path = Path(ref.name) / "README.md"
    if not ref.is_local:
        with hub_errors(f"access to the model card of {ref.name}"):
            try:
                card_path = Path(hf_hub_download(ref.name, "README.md", revision=ref.revision))
            except EntryNotFoundError:
                return None
    if not card_path.is_file():
        return None
    named = ModelCard.load(card_path).data.datasets
    if isinstance(named, str):  # one dataset, written without a list
        return named
    return named[0] if named else None


def load_knowledge(dataset: str, examples: int = 4) -> Knowledge:
    """Passages and example questions from the QA dataset (Hub id or local folder)."""
    splits = load_qa_dataset(dataset)
    sources: dict[tuple[str, str], Source] = {}
    questions: list[str] = []
    for split in ("test", "train"):
        if split not in splits:
            continue
        for row in splits[split]:
            key = (row["source_url"], row["passage"])
            sources.setdefault(key, Source(row["source_url"], row["source_title"] or "", row["passage"]))
            if row["question"] not in questions:
                questions.append(row["question"])
    titles = sorted({source.title for source in sources.values() if source.title})
    return Knowledge(PassageIndex(list(sources.values())), questions[:examples], titles)

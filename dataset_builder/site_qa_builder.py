"""Our "loading script": a `datasets.GeneratorBasedBuilder` run in-process (datasets 5 no longer
loads scripts from the Hub). Train/test splits are made by source page, deterministic by seed,
so no page has questions in both splits. The `passages` config holds every crawled passage (what the
chat retrieves from), each with the training split's questions generated from it."""

from __future__ import annotations

import random
from dataclasses import dataclass

import datasets

from cazton_llm.page_schema import read_pages
from cazton_llm.prompt_format import build_messages, legacy_text
from cazton_llm.qa_schema import QARecord, read_qa
from dataset_builder.config import DEFAULT_TEST_FRACTION
from dataset_builder.passages import all_passages
from dataset_builder.prompts import looks_like_injection

MESSAGE = {"role": datasets.Value("string"), "content": datasets.Value("string")}
FEATURES = {
    "default": datasets.Features(
        {
            "id": datasets.Value("string"),
            "question": datasets.Value("string"),
            "answer": datasets.Value("string"),
            "source_url": datasets.Value("string"),
            "source_title": datasets.Value("string"),
            "passage": datasets.Value("string"),
            "messages": datasets.List(MESSAGE),
        }
    ),
    "text": datasets.Features(
        {"id": datasets.Value("string"), "text": datasets.Value("string"), "source_url": datasets.Value("string")}
    ),
    "passages": datasets.Features(
        {
            "url": datasets.Value("string"),
            "title": datasets.Value("string"),
            "heading": datasets.Value("string"),
            "passage": datasets.Value("string"),
            "questions": datasets.List(datasets.Value("string")),
        }
    ),
}


@dataclass
class SiteQAConfig(datasets.BuilderConfig):
    qa_path: str = ""
    pages_path: str = ""  # the crawl's pages.jsonl (the `passages` config)
    seed: int = 0
    test_fraction: float = DEFAULT_TEST_FRACTION


def page_of(record: QARecord) -> str:
    """The unit of splitting: a source page (imported CSV rows without a URL split one by one)."""
    return record.source_url or record.id


def test_pages(records: list[QARecord], seed: int, test_fraction: float) -> set[str]:
    pages = sorted({page_of(record) for record in records})
    if len(pages) < 2 or test_fraction <= 0:
        return set()
    random.Random(seed).shuffle(pages)
    return set(pages[: max(1, round(len(pages) * test_fraction))])


class SiteQA(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIG_CLASS = SiteQAConfig
    BUILDER_CONFIGS = [  # noqa: RUF012  (datasets' documented class attribute)
        SiteQAConfig(name="default"),
        SiteQAConfig(name="text"),
        SiteQAConfig(name="passages"),
    ]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> datasets.DatasetInfo:
        return datasets.DatasetInfo(
            description="Grounded question/answer pairs about a company, from its public website.",
            features=FEATURES[self.config.name],
        )

    def _split_generators(self, dl_manager):
        # In page order, not crawl order: the same pairs build the same splits, row for row, however the crawl ran.
        records = sorted(read_qa(self.config.qa_path), key=lambda r: (page_of(r), r.id))
        held_out = test_pages(records, self.config.seed, self.config.test_fraction)
        if self.config.name == "passages":
            trained_on = [record for record in records if page_of(record) not in held_out]
            return [datasets.SplitGenerator(datasets.Split.TRAIN, gen_kwargs={"records": trained_on})]
        train = datasets.SplitGenerator(
            datasets.Split.TRAIN, gen_kwargs={"records": [r for r in records if page_of(r) not in held_out]}
        )
        test = datasets.SplitGenerator(
            datasets.Split.TEST, gen_kwargs={"records": [r for r in records if page_of(r) in held_out]}
        )
        return [train, test] if held_out else [train]  # datasets cannot prepare a split without rows

    def _generate_examples(self, records: list[QARecord]):
        if self.config.name == "passages":
            yield from self._passages(records)
            return
        for record in records:
            if self.config.name == "text":
                yield (
                    record.id,
                    {
                        "id": record.id,
                        "text": legacy_text(record.question, record.answer),
                        "source_url": record.source_url,
                    },
                )
            else:
                row = record.to_dict()
                yield (
                    record.id,
                    {
                        **{name: row[name] for name in FEATURES["default"] if name != "messages"},
                        "messages": build_messages(record.question, record.answer),
                    },
                )

    def _passages(self, trained_on: list[QARecord]):
        """Every passage of the crawled pages but those that read like instructions to a model, with the
        questions generated from it for training (held-out questions never: they would leak into retrieval)."""
        questions: dict[tuple[str, str], list[str]] = {}
        for record in trained_on:
            questions.setdefault((record.source_url, record.passage), []).append(record.question)
        for number, passage in enumerate(all_passages(read_pages(self.config.pages_path))):
            if looks_like_injection(passage.text):
                continue
            yield (
                number,
                {
                    "url": passage.source_url,
                    "title": passage.source_title,
                    "heading": passage.heading,
                    "passage": passage.text,
                    "questions": questions.get((passage.source_url, passage.text), []),
                },
            )

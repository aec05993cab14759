"""The settings of the dataset builder's three stages, `python -m dataset_builder generate|clean|build`'s
options and the pipeline's `generate`, `clean` and `dataset` sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Le, Lt

from cazton_llm.errors import UserError
from cazton_llm.hub import check_repo_id
from cazton_llm.openai_api import MAX_ATTEMPTS
from cazton_llm.stage_config import AtLeastOne, FieldError, FilePath, NotNegative, Seconds, check_fields

DEFAULT_OPENAI_MODEL = "gpt-5-mini"
# The offline generator's rules (dataset_builder/offline.py), versioned: the version is in the response cache's
# key, so a run folder generated with older rules asks its passages again rather than reusing their pairs.
OFFLINE_MODEL = "offline-rules-v10"
DEFAULT_TEST_FRACTION = 0.15  # the builder's own default too (SiteQAConfig)
Share = Annotated[float, Ge(0), Le(1)]


@dataclass(kw_only=True)
class GenerateConfig:
    pages: FilePath = field(metadata={"help": "scraper output (pages.jsonl)"})
    out: FilePath = field(metadata={"help": "QA JSONL to write"})
    generator: Literal["openai", "offline"] = field(
        default="openai", metadata={"help": "openai (any OpenAI-compatible endpoint) or offline"}
    )
    model: str | None = field(
        default=None, metadata={"help": f"model name; unset: {DEFAULT_OPENAI_MODEL} (openai), {OFFLINE_MODEL}"}
    )
    base_url: str | None = field(
        default=None, metadata={"help": "OpenAI-compatible endpoint; unset: api.openai.com. Key: OPENAI_API_KEY"}
    )
    company: str | None = field(
        default=None,
        metadata={
            "help": "the company's name: the offline generator asks what a page says of it by name about the "
            "page's topic, except on the home page (the pipeline passes its `company`)"
        },
    )
    mode: Literal["pairs", "paragraph"] = field(
        default="pairs",
        metadata={
            "help": "pairs (several grounded questions per passage) or paragraph (the original recipe: one "
            "question per paragraph, the paragraph as answer)"
        },
    )
    concurrency: AtLeastOne = field(default=8, metadata={"help": "parallel calls"})
    timeout_s: Seconds = field(default=60.0, metadata={"aliases": ["--timeout"], "help": "seconds per call"})
    max_attempts: AtLeastOne = field(
        default=MAX_ATTEMPTS,
        metadata={"help": "tries per passage on 429/5xx/timeouts/bad JSON (the openai SDK's backoff between them)"},
    )
    cache_dir: FilePath | None = field(
        default=None, metadata={"help": "response cache; unset: a `cache` folder beside OUT"}
    )
    prices: FilePath | None = field(
        default=None, metadata={"help": "JSON/YAML of model → {input, output} dollars per million tokens"}
    )

    def __post_init__(self):
        check_fields(self)
        self.model = self.model or (DEFAULT_OPENAI_MODEL if self.generator == "openai" else OFFLINE_MODEL)
        self.cache_dir = self.cache_dir or self.out.parent / "cache"


@dataclass(kw_only=True)
class CleanConfig:
    qa: FilePath = field(metadata={"help": "QA JSONL from generate or import-csv"})
    out: FilePath = field(metadata={"help": "cleaned QA JSONL"})
    report: FilePath | None = field(
        default=None, metadata={"help": "drop report JSON; unset: clean_report.json beside OUT"}
    )
    reviews: FilePath | None = field(
        default=None,
        metadata={
            "help": "human review decisions: pairs kept or edited there pass even if their passage reads like "
            "instructions"
        },
    )
    min_question_chars: NotNegative = field(default=10, metadata={"help": "shorter questions are dropped"})
    min_answer_words: NotNegative = field(default=3, metadata={"help": "shorter answers are dropped"})
    max_question_chars: AtLeastOne = field(default=300, metadata={"help": "longer questions are dropped"})
    max_answer_chars: AtLeastOne = field(default=1500, metadata={"help": "longer answers are dropped"})
    near_duplicate_threshold: Annotated[float, Gt(0), Le(1)] = field(
        default=0.7,
        metadata={
            "help": "a question this similar to a kept one of the same page, or with an answer this similar too, "
            "is dropped (estimated Jaccard of word shingles)"
        },
    )
    num_perm: AtLeastOne = field(default=128, metadata={"help": "MinHash permutations"})
    min_grounding: Share = field(
        default=0.6, metadata={"help": "least share of the answer's content words found in its passage"}
    )

    def __post_init__(self):
        check_fields(self)
        self.report = self.report or self.out.with_name("clean_report.json")


@dataclass(kw_only=True)
class BuildConfig:
    qa: FilePath = field(metadata={"help": "cleaned QA JSONL"})
    out: FilePath = field(metadata={"help": "dataset folder (README.md card + parquet)"})
    pages: FilePath | None = field(
        default=None,
        metadata={
            "help": "the crawl's pages.jsonl: every passage goes into the `passages` config the chat retrieves from"
        },
    )
    clean_report: FilePath | None = field(default=None, metadata={"help": "clean's report: its counts go on the card"})
    reviews: FilePath | None = field(default=None, metadata={"help": "human review decisions to apply"})
    seed: int = field(default=0, metadata={"help": "seed of the train/test split by page"})
    test_fraction: Annotated[float, Ge(0), Lt(1)] = field(
        default=DEFAULT_TEST_FRACTION, metadata={"help": "share of pages held out for test"}
    )
    push_to_hub: str | None = field(
        default=None, metadata={"metavar": "OWNER/NAME", "help": "upload to the Hub (token: HF_TOKEN or login)"}
    )
    private: bool = field(default=False, metadata={"help": "create the Hub repo private"})

    def __post_init__(self):
        check_fields(self)
        if self.push_to_hub is not None:
            try:
                check_repo_id(self.push_to_hub)
            except UserError as error:
                raise FieldError("push_to_hub", str(error)) from None

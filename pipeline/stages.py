"""The pipeline's stages: what each reads, writes and depends on, and the stage API it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from cazton_llm.layout import OutputLayout
from cazton_llm.packaged_models import import_packaged, packaged_gguf
from pipeline.config import PipelineConfig, base_model_path
from scraper.config import SAMPLE_SITE
from scraper.sample_site_server import SAMPLE_SITE_DIR


@dataclass
class Stage:
    name: str
    describe: str
    inputs: list[Path]
    outputs: list[Path]
    params: dict
    run: Callable[[], dict]
    # What a finished run left undone, from its summary (None: nothing); an unfinished stage runs again next time.
    left_undone: Callable[[dict], str | None] = lambda summary: None
    # Continues a run of this stage that was stopped with the same inputs (None: it starts again from scratch).
    resume: Callable[[], dict] | None = None


def built_base(config: PipelineConfig, layout: OutputLayout) -> list[Path]:
    """The base folder an earlier stage writes (tiny or imported), as an input of the stages that read it."""
    return [Path(base_model_path(config.base, layout))] if config.offline_base or config.packaged_base else []


def crawl_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    site = config.site
    sample = site.start_url == SAMPLE_SITE

    def run() -> dict:
        from scraper.crawl import run_crawl

        return run_crawl(site)

    def left_undone(summary: dict) -> str | None:
        # RFC 9309: nothing is crawled while robots.txt cannot be read, so the next run asks again.
        unreachable = summary.get("robots_unreachable", {})
        return "; ".join(f"robots.txt of {site} could not be read ({why})" for site, why in unreachable.items()) or None

    where = f"the bundled sample site on 127.0.0.1:{site.sample_port}" if sample else site.start_url
    return Stage(
        name="crawl",
        describe=f"crawl {where} (≤ {site.max_pages} pages) → {site.out}",
        inputs=[SAMPLE_SITE_DIR] if sample else [],
        outputs=[site.out],
        params=asdict(site),
        run=run,
        left_undone=left_undone,
    )


def generate_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    def run() -> dict:
        from dataset_builder.generate import generate_qa

        return generate_qa(config.generate)

    def left_undone(summary: dict) -> str | None:
        return f"{summary['failed']} passages failed" if summary["failed"] else None

    return Stage(
        name="generate",
        describe=f"generate QA pairs with the {config.generate.generator} generator → {config.generate.out}",
        inputs=[config.generate.pages],
        outputs=[config.generate.out],
        params=asdict(config.generate),
        run=run,
        left_undone=left_undone,
    )


def clean_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    clean = config.clean

    def run() -> dict:
        from dataset_builder.clean import clean_qa

        return clean_qa(clean)

    return Stage(
        name="clean",
        describe=f"clean, dedupe and grounding-check → {clean.out}",
        inputs=[clean.qa, *([clean.reviews] if clean.reviews else [])],
        outputs=[clean.out, clean.report],
        params=asdict(clean),
        run=run,
    )


def build_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    build = config.dataset

    def run() -> dict:
        from dataset_builder.build import build_dataset

        return build_dataset(build)

    return Stage(
        name="build",
        describe=f"build the dataset (train/test by page) → {build.out}",
        inputs=[build.qa, build.pages, build.clean_report, *([build.reviews] if build.reviews else [])],
        outputs=[build.out],
        params=asdict(build),
        run=run,
    )


def tiny_base_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    def run() -> dict:
        from train.tiny_base import TinyBaseConfig, build_tiny_base, page_texts

        return build_tiny_base(
            page_texts(layout.pages), layout.tiny_base, TinyBaseConfig(max_minutes=config.base.tiny_max_minutes)
        )

    return Stage(
        name="tiny_base",
        describe=f"pretrain a tiny phi-architecture base on the page text → {layout.tiny_base}",
        inputs=[layout.pages],
        outputs=[layout.tiny_base],
        params=asdict(config.base),
        run=run,
    )


def import_base_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    def run() -> dict:
        return import_packaged(config.base.model, layout.imported_base)

    return Stage(
        name="import_base",
        describe=f"import the packaged {config.base.model} (GGUF from PyPI) → {layout.imported_base}",
        inputs=[packaged_gguf(config.base.model)],
        outputs=[layout.imported_base],
        params={"model": config.base.model},
        run=run,
    )


def train_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    recipe = config.train.recipe
    settings = {
        "model_name_or_path": base_model_path(config.base, layout),
        "dataset_name": str(layout.dataset),
        "output_dir": str(layout.adapter),
        "company": config.company,
    }

    def run(resume: bool = False) -> dict:
        from train.sft import train_adapter

        return train_adapter(*config.train.arguments(**settings, resume=resume))

    return Stage(
        name="train",
        describe=f"LoRA-finetune {settings['model_name_or_path']} with {recipe} → {layout.adapter}",
        inputs=[layout.dataset, recipe, *built_base(config, layout)],
        outputs=[layout.adapter],
        params={"recipe": str(recipe), **config.train.overrides, **settings},
        run=run,
        resume=lambda: run(resume=True),  # from the last checkpoint the stopped run wrote
    )


def benchmark_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    benchmark = config.benchmark

    def run() -> dict:
        from benchmark.run import run_benchmark

        return run_benchmark(benchmark)

    return Stage(
        name="benchmark",
        describe=f"benchmark {', '.join(benchmark.models)} on the {benchmark.split} split → {benchmark.out}",
        inputs=[Path(benchmark.dataset), layout.adapter, *built_base(config, layout)],
        outputs=[benchmark.out],
        # The decoding settings are the Space's (cazton_llm.decoding): a change there reruns the benchmark.
        params={**asdict(benchmark), "decoding": asdict(benchmark.decoding)},
        run=run,
    )


def plan(config: PipelineConfig) -> list[Stage]:
    """Every stage in order (serving is not a stage: it runs after the plan, when asked)."""
    layout = config.layout
    builders = [crawl_stage, generate_stage, clean_stage, build_stage]
    if config.offline_base:
        builders.append(tiny_base_stage)
    if config.packaged_base:
        builders.append(import_base_stage)
    builders += [train_stage, benchmark_stage]
    return [build(config, layout) for build in builders]

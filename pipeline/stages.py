"""The pipeline's stages: what each reads, writes and depends on, and the stage API it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from cazton_llm.decoding import Decoding
from cazton_llm.layout import OutputLayout
from cazton_llm.packaged_models import import_packaged, packaged_gguf
from pipeline.config import SAMPLE_SITE, PipelineConfig
from scraper.sample_site_server import SAMPLE_SITE_DIR, serve_sample_site


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


def base_model_path(config: PipelineConfig, layout: OutputLayout) -> str:
    if config.offline_base:
        return str(layout.tiny_base)
    return str(layout.imported_base) if config.packaged_base else config.base.model


def built_base(config: PipelineConfig, layout: OutputLayout) -> list[Path]:
    """The base folder an earlier stage writes (tiny or imported), as an input of the stages that read it."""
    return [Path(base_model_path(config, layout))] if config.offline_base or config.packaged_base else []


def crawl_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    sample = config.site.start_url == SAMPLE_SITE

    def run() -> dict:
        from scraper.crawl import run_crawl

        crawl_args = {
            "out_path": layout.pages,
            "max_pages": config.site.max_pages,
            "max_depth": config.site.max_depth,
            "resume": True,
            "state_dir": layout.crawl_state,
            "fast": config.site.fast,
            # The stage only runs when forced (--from crawl) or reconfigured: fetch pages afresh.
            "refresh": True,
        }
        if not sample:
            return run_crawl(config.site.start_url, **crawl_args)
        with serve_sample_site(config.site.sample_port) as url:
            return run_crawl(url, **crawl_args)

    where = f"the bundled sample site on 127.0.0.1:{config.site.sample_port}" if sample else config.site.start_url
    return Stage(
        name="crawl",
        describe=f"crawl {where} (≤ {config.site.max_pages} pages) → {layout.pages}",
        inputs=[SAMPLE_SITE_DIR] if sample else [],
        outputs=[layout.pages],
        params=config.section("site"),
        run=run,
    )


def generate_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    def run() -> dict:
        from dataset_builder.generate import GenerateConfig, generate_qa

        options = {key: value for key, value in config.section("generate").items() if value is not None}
        options["cache_dir"] = layout.generation_cache
        return generate_qa(layout.pages, layout.qa_generated, GenerateConfig(**options))

    def left_undone(summary: dict) -> str | None:
        return f"{summary['failed']} passages failed" if summary["failed"] else None

    return Stage(
        name="generate",
        describe=f"generate QA pairs with the {config.generate.generator} generator → {layout.qa_generated}",
        inputs=[layout.pages],
        outputs=[layout.qa_generated],
        params=config.section("generate"),
        run=run,
        left_undone=left_undone,
    )


def review_decisions(config: PipelineConfig) -> Path | None:
    return Path(config.dataset.reviews) if config.dataset.reviews else None


def clean_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    reviews = review_decisions(config)

    def run() -> dict:
        from dataset_builder.clean import CleanConfig, clean_qa

        return clean_qa(layout.qa_generated, layout.qa_clean, layout.clean_report, CleanConfig(), reviews)

    return Stage(
        name="clean",
        describe=f"clean, dedupe and grounding-check → {layout.qa_clean}",
        inputs=[layout.qa_generated, *([reviews] if reviews else [])],
        outputs=[layout.qa_clean, layout.clean_report],
        params={},
        run=run,
    )


def build_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    reviews = review_decisions(config)

    def run() -> dict:
        from dataset_builder.build import build_dataset

        return build_dataset(
            layout.qa_clean,
            layout.dataset,
            reviews_path=reviews,
            seed=config.dataset.seed,
            test_fraction=config.dataset.test_fraction,
        )

    return Stage(
        name="build",
        describe=f"build the dataset (train/test by page) → {layout.dataset}",
        inputs=[layout.qa_clean, *([reviews] if reviews else [])],
        outputs=[layout.dataset],
        params=config.section("dataset"),
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
        params=config.section("base"),
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
    recipe = Path(config.train.recipe)
    overrides = {
        **config.train.overrides,
        "model_name_or_path": base_model_path(config, layout),
        "dataset_name": str(layout.dataset),
        "output_dir": str(layout.adapter),
        "company": config.company,
    }

    def run() -> dict:
        from train.cli import run_training

        return run_training(recipe, overrides)

    return Stage(
        name="train",
        describe=f"LoRA-finetune {overrides['model_name_or_path']} with {recipe} → {layout.adapter}",
        inputs=[layout.dataset, recipe, *built_base(config, layout)],
        outputs=[layout.adapter],
        params={"recipe": str(recipe), **overrides},
        run=run,
    )


def benchmark_models(config: PipelineConfig, layout: OutputLayout) -> dict[str, str]:
    base = base_model_path(config, layout)
    return {"finetuned": f"{base}+{layout.adapter}", "base": base, **config.benchmark.extra_models}


def benchmark_stage(config: PipelineConfig, layout: OutputLayout) -> Stage:
    models = benchmark_models(config, layout)
    decoding = Decoding(max_new_tokens=config.benchmark.max_new_tokens)

    def run() -> dict:
        from benchmark.run import BenchmarkConfig, run_benchmark

        return run_benchmark(
            BenchmarkConfig(
                dataset=str(layout.dataset),
                split=config.benchmark.split,
                models=models,
                modes=tuple(config.benchmark.modes),
                judge=config.benchmark.judge,
                limit=config.benchmark.limit,
                decoding=decoding,
                out_dir=layout.benchmark,
                company=config.company,
            )
        )

    return Stage(
        name="benchmark",
        describe=f"benchmark {', '.join(models)} on the {config.benchmark.split} split → {layout.benchmark}",
        inputs=[layout.dataset, layout.adapter, *built_base(config, layout)],
        outputs=[layout.benchmark],
        # The decoding settings are the Space's (cazton_llm.decoding): a change there reruns the benchmark.
        params={**config.section("benchmark"), "models": models, "decoding": asdict(decoding)},
        run=run,
    )


def plan(config: PipelineConfig) -> list[Stage]:
    """Every stage in order (serving is not a stage: it runs after the plan, when asked)."""
    layout = OutputLayout(Path(config.run_dir))
    builders = [crawl_stage, generate_stage, clean_stage, build_stage]
    if config.offline_base:
        builders.append(tiny_base_stage)
    if config.packaged_base:
        builders.append(import_base_stage)
    builders += [train_stage, benchmark_stage]
    return [build(config, layout) for build in builders]

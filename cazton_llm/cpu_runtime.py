"""Answer generation on a CPU, for the Space and the benchmark: the base with its adapter merged, converted
once to an ONNX model with int8 weights and run by ONNX Runtime GenAI. perf/runtime.py measured it against fp32,
bf16 and int8 transformers, a static cache with torch.compile and CTranslate2 int8 (docs/space.md).

The conversion is cached beside the adapter (or the base) in `cpu_runtime/<key>/`, keyed by the spec, the size
and time of every file of its folders, the precision and the runtime's version; it is written atomically and
never redone while present. Hub models are resolved to their downloaded snapshot first.

`OnnxCausalLM.generate` takes the keyword arguments `Decoding.generate_kwargs` returns and decodes like
transformers' greedy `generate`: the same logits processors (the answer-only no-repeat rule and whatever else
Decoding adds) are applied to the runtime's logits before each token, and EOS, the stop strings, the token
budget, stopping criteria and a streamer are honoured. `stream` yields the tokens as they come, in the calling thread.
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
UNSUPPORTED = "unsupported.txt"  # written instead of a model the runtime cannot run: why


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
    """Where the conversion of local `spec` is kept: beside its adapter (or its base when it has none), or in the
    Hugging Face home for a model downloaded from the Hub."""
    from huggingface_hub import constants

    owner = Path((spec.adapter or spec.base).name)
    downloaded = Path(constants.HF_HUB_CACHE).resolve() in owner.parents
    root = Path(constants.HF_HOME) / "cazton_llm" if downloaded else owner.parent
    return root / RUNTIME_FOLDER / f"{owner.name}-{runtime_key(spec)}"


def convert(spec: ModelSpec, folder: Path) -> None:
    """Merge the adapter into the base (fp32), save it and convert it with the runtime's own builder into `folder`;
    a model the runtime cannot convert or run (an architecture or a shape it lacks) gets UNSUPPORTED instead."""
    model, tokenizer = load_for_inference(spec, device="cpu")  # before any folder is made: it may refuse the spec
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".merged-", dir=folder.parent) as merged:
        model.save_pretrained(merged)
        tokenizer.save_pretrained(merged)
        del model
        with atomic_dir(folder) as converted:
            command = [sys.executable, "-m", BUILDER, "-m", merged, "-i", merged, "-o", str(converted)]
            command += ["-p", PRECISION, "-e", "cpu", "-c", str(Path(merged) / "cache")]
            done = subprocess.run(command, capture_output=True, text=True)
            reason = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] if done.returncode else None
            if not reason:
                shutil.copy(Path(merged) / "config.json", converted)  # the context length, for prompt budgets
                reason = smoke_test(converted, tokenizer)
            if reason:
                shutil.rmtree(converted)
                converted.mkdir()
                (converted / UNSUPPORTED).write_text("\n".join(reason) + "\n", encoding="utf-8")


def smoke_test(folder: Path, tokenizer) -> list[str] | None:
    """None if the converted model answers one token, else why not (ONNX Runtime's own kernels refuse some
    shapes only when they run, e.g. a rotary dimension that is not a multiple of 8)."""
    import torch

    try:
        OnnxCausalLM(folder).generate(
            torch.tensor([[tokenizer.eos_token_id] * 2]),
            max_new_tokens=1,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    except RuntimeError as error:
        return str(error).splitlines()[:1]
    return None


def load_cpu_runtime(spec: ModelSpec | str):
    """(OnnxCausalLM, tokenizer) for `spec`, converting it on first use; transformers (fp32) for a model the runtime
    cannot run, with one line that says why."""
    spec = ModelSpec.parse(spec) if isinstance(spec, str) else spec
    spec.check()
    spec = ModelSpec(local_ref(spec.base), local_ref(spec.adapter) if spec.adapter else None)
    folder = runtime_dir(spec)
    if not (folder / "genai_config.json").is_file() and not (folder / UNSUPPORTED).is_file():
        print(f"Converting {spec} for the CPU runtime (once) into {folder}", flush=True)
        convert(spec, folder)
    if (folder / UNSUPPORTED).is_file():
        reason = (folder / UNSUPPORTED).read_text(encoding="utf-8").strip()
        print(f"The CPU runtime cannot run {spec} ({reason}); answering with transformers (fp32)", flush=True)
        return load_for_inference(spec, device="cpu")
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

    # Prompts are answered one at a time: the runtime reads left padding differently (SmolLM2 answered "What is
    # 2 + 2?" otherwise when padded), and Decoding's rules are built for one prompt's length and history.
    batches = False

    def generate(self, input_ids, attention_mask=None, **decoding):
        """Prompt + answer token ids of one unpadded prompt (shape (1, length)), as transformers' `generate`
        returns them."""
        if input_ids.shape[0] != 1:
            raise ValueError("the CPU runtime answers one prompt at a time: give each prompt its own call")
        *_, answered = self.stream(input_ids, **decoding)
        return answered

    def stream(
        self,
        input_ids,
        attention_mask=None,  # one unpadded prompt: every token is attended to
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
        """Yield the prompt + answer token ids of one prompt (`input_ids` of shape (1, length)) after each new token,
        generated in this thread; closing the iterator stops generating."""
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
        prompt_length = input_ids.shape[1]
        params = onnxruntime_genai.GeneratorParams(self.model)
        params.set_search_options(do_sample=False, max_length=prompt_length + max_new_tokens)
        generator = onnxruntime_genai.Generator(self.model, params)
        generator.append_tokens(input_ids.numpy().astype(np.int32))
        if streamer is not None:
            streamer.put(input_ids)  # as generate does: a streamer skips the prompt by counting this first put
        sequences = input_ids
        for _ in range(max_new_tokens):
            scores = torch.from_numpy(np.array(generator.get_logits(), dtype=np.float32)).reshape(1, -1)
            for processor in processors:
                scores = processor(sequences, scores)
            generator.set_logits(scores.numpy())
            generator.generate_next_token()
            next_token = torch.from_numpy(np.array(generator.get_next_tokens(), dtype=np.int64))
            sequences = torch.cat([sequences, next_token[:, None]], dim=1)
            if streamer is not None:
                streamer.put(next_token)
            finished = int(next_token) == eos_token_id
            stopped = [torch.as_tensor(criterion(sequences, scores)).all() for criterion in stopping_criteria]
            finished |= any(map(bool, stopped))
            if stop_strings:
                tail = tokenizer.decode(sequences[0, prompt_length:][-longest_stop:])
                finished |= find_stop_string(tail, stop_strings) >= 0
            if finished:
                break
            yield sequences
        if streamer is not None:
            streamer.end()
        yield sequences

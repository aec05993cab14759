"""Batched, seeded generation for one model over the benchmark questions. Every answer is
appended to `answers.jsonl` as its batch finishes, so an interrupted run regenerates nothing."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from cazton_llm.decoding import Decoding
from cazton_llm.input_files import drop_unfinished_last_line, read_jsonl
from cazton_llm.model_loading import ModelSpec, load_for_inference
from cazton_llm.prompt_format import render_prompt
from cazton_llm.stopping import finish_answer


@dataclass(frozen=True)
class CachedAnswer:
    """One line of answers.jsonl."""

    model: str
    id: str
    answer: str
    stop_reason: str
    new_tokens: int
    seconds: float
    batch_tokens_per_s: float
    mode: str = ""  # lines written before prompt modes and answers keys existed have neither
    answers_key: str = ""


def answers_key(spec: ModelSpec, mode: str, settings) -> str:
    """Identifies what an answer depends on: the spec, the files of its local folders (so a retrained
    adapter in the same folder is not mistaken for the old one), the prompt mode and the decoding."""
    files = []
    for ref in (spec.base, spec.adapter):
        if ref is not None and ref.is_local:
            files += [
                (str(path), path.stat().st_size, path.stat().st_mtime_ns)
                for path in sorted(Path(ref.name).rglob("*"))
                if path.is_file()
            ]
    prompting = [mode, settings.company, repr(settings.decoding)]
    return hashlib.sha256(json.dumps([str(spec), files, prompting]).encode()).hexdigest()[:16]


def read_cached(answers_path: Path) -> dict[tuple[str, str, str], dict]:
    """The answers generated so far. A last line cut short (the run was killed while writing it) is dropped
    and counted: its question is answered again."""
    unfinished = drop_unfinished_last_line(answers_path)
    if unfinished:
        print(f"{answers_path}:{unfinished}: skipped a half-written answer (the run was stopped); answering it again")
    if not answers_path.is_file():
        return {}
    answers = read_jsonl(answers_path, CachedAnswer, "benchmark answer")
    return {(row.model, row.answers_key, row.id): asdict(row) for row in answers}


def generate_batch(model, tokenizer, prompts: list[str], decoding: Decoding) -> list[tuple[str, bool, int]]:
    """(text, ended_by_eos, new_tokens) per prompt, decoded as the Space decodes."""
    import torch

    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    with torch.no_grad():
        output = model.generate(**encoded, **decoding.generate_kwargs(tokenizer, encoded["input_ids"].shape[1]))
    results = []
    for row in output[:, encoded["input_ids"].shape[1] :]:
        ids = row.tolist()
        ended_by_eos = tokenizer.eos_token_id in ids
        ids = ids[: ids.index(tokenizer.eos_token_id)] if ended_by_eos else ids
        ids = [token for token in ids if token != tokenizer.pad_token_id]
        results.append((tokenizer.decode(ids, skip_special_tokens=True), ended_by_eos, len(ids)))
    return results


def answer_questions(
    name: str, spec: ModelSpec, rows: list[dict], settings, answers_path: Path
) -> dict[str, list[dict]]:
    """Answers of model `name` for every row in every prompt mode, from the cache or freshly generated."""
    import torch

    cached = read_cached(answers_path)
    keys = {mode: answers_key(spec, mode, settings) for mode in settings.modes}
    todo = [(mode, row) for mode in settings.modes for row in rows if (name, keys[mode], row["id"]) not in cached]
    if todo:
        torch.manual_seed(settings.seed)
        model, tokenizer = load_for_inference(spec)
        answers_path.parent.mkdir(parents=True, exist_ok=True)
        with answers_path.open("a", encoding="utf-8") as handle:
            for start in tqdm(range(0, len(todo), settings.batch_size), desc=f"answering ({name})", unit="batch"):
                batch = todo[start : start + settings.batch_size]
                prompts = [
                    render_prompt(
                        tokenizer,
                        row["question"],
                        passage=row["passage"] if mode == "grounded" else None,
                        company=settings.company,
                    )
                    for mode, row in batch
                ]
                started = time.perf_counter()
                generated = generate_batch(model, tokenizer, prompts, settings.decoding)
                seconds = time.perf_counter() - started
                for (mode, row), (text, ended_by_eos, new_tokens) in zip(batch, generated, strict=True):
                    finished = finish_answer(text, ended_by_eos)
                    record = {
                        "model": name,
                        "mode": mode,
                        "answers_key": keys[mode],
                        "id": row["id"],
                        "answer": finished.text,
                        "stop_reason": finished.stop_reason,
                        "new_tokens": new_tokens,
                        "seconds": seconds / len(batch),
                        "batch_tokens_per_s": sum(item[2] for item in generated) / seconds if seconds else 0.0,
                    }
                    handle.write(json.dumps(record) + "\n")
                    cached[(name, keys[mode], row["id"])] = record
                handle.flush()
        del model
    return {mode: [cached[(name, keys[mode], row["id"])] for row in rows] for mode in settings.modes}

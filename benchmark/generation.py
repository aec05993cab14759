"""Batched, seeded generation for one model over the benchmark questions, in each prompt mode, with the
chat's own prompt path (`cazton_llm.chat_prompt`). Every answer is appended to `answers.jsonl` as its batch
finishes, so an interrupted run regenerates nothing."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from cazton_llm.atomic import appending
from cazton_llm.chat_prompt import ChatTurn, chat_prompt, fitted_prompt, prompt_budget
from cazton_llm.cpu_runtime import generation_runtime, load_for_generation
from cazton_llm.decoding import Decoding, earlier_answer_ids
from cazton_llm.input_files import drop_unfinished_last_line, read_jsonl
from cazton_llm.model_loading import ModelSpec
from cazton_llm.retrieval import Knowledge, Source
from cazton_llm.stopping import ABSTAINED, finish_answer

RETRIEVING_MODES = ("retrieved", "follow-up")


@dataclass(frozen=True)
class CachedAnswer:
    """One line of answers.jsonl."""

    model: str
    id: str
    answer: str
    stop_reason: str
    new_tokens: int
    seconds: float
    batch_tokens_per_s: float | None  # None: no generation (the chat said the site does not say)
    mode: str = ""  # lines written before prompt modes and answers keys existed have neither
    answers_key: str = ""
    prompt: str = ""  # exactly what the model was given


def answers_key(spec: ModelSpec, mode: str, settings, knowledge: Knowledge | None) -> str:
    """Identifies what an answer depends on: the spec, the files of its local folders (so a retrained
    adapter in the same folder is not mistaken for the old one), the prompt mode, what retrieval can find,
    the decoding and the runtime that generates."""
    files = []
    for ref in (spec.base, spec.adapter):
        if ref is not None and ref.is_local:
            files += [
                (str(path), path.stat().st_size, path.stat().st_mtime_ns)
                for path in sorted(Path(ref.name).rglob("*"))
                if path.is_file()
            ]
    retrieval = knowledge.fingerprint if knowledge is not None and mode != "closed-book" else None
    prompting = [mode, settings.company, repr(settings.decoding), retrieval]
    return hashlib.sha256(json.dumps([str(spec), files, prompting, generation_runtime()]).encode()).hexdigest()[:16]


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


def generate_batch(
    model, tokenizer, prompts: list[str], decoding: Decoding, turns: list[list[dict]] | None = None
) -> list[tuple[str, bool, int]]:
    """(text, ended_by_eos, new_tokens) per prompt, decoded as the Space decodes (`turns[row]`: the history that
    prompt was built with, whose answers the new one may not repeat)."""
    if not prompts:
        return []
    rows_turns = turns or [[] for _ in prompts]
    if getattr(model, "batches", True):
        return generate_together(model, tokenizer, prompts, decoding, rows_turns)
    return [  # the CPU runtime: one prompt at a time
        result
        for prompt, row_turns in zip(prompts, rows_turns, strict=True)
        for result in generate_together(model, tokenizer, [prompt], decoding, [row_turns])
    ]


def generate_together(
    model, tokenizer, prompts: list[str], decoding: Decoding, turns: list[list[dict]]
) -> list[tuple[str, bool, int]]:
    """`generate_batch` for prompts the model generates in one padded batch."""
    import torch

    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    earlier = [earlier_answer_ids(tokenizer, row_turns) for row_turns in turns]
    kwargs = decoding.generate_kwargs(tokenizer, encoded["input_ids"].shape[1], earlier_answers=earlier)
    with torch.no_grad():
        output = model.generate(**encoded, **kwargs)
    results = []
    for row in output[:, encoded["input_ids"].shape[1] :]:
        ids = row.tolist()
        ended_by_eos = tokenizer.eos_token_id in ids
        ids = ids[: ids.index(tokenizer.eos_token_id)] if ended_by_eos else ids
        ids = [token for token in ids if token != tokenizer.pad_token_id]
        results.append((tokenizer.decode(ids, skip_special_tokens=True), ended_by_eos, len(ids)))
    return results


def previous_exchange(rows: list[dict], index: int, retrieved: dict[str, dict]) -> list[dict]:
    """The turns before question `index` in follow-up mode: the previous question (the first question follows
    the last) and the model's own retrieved answer to it, as the chat would hold them."""
    previous = rows[index - 1]
    return [
        {"role": "user", "content": previous["question"]},
        {"role": "assistant", "content": retrieved[previous["id"]]["answer"]},
    ]


def mode_prompt(tokenizer, mode: str, row: dict, turns: list[dict], knowledge, company, budget: int) -> ChatTurn:
    """What the chat does with the row's question in `mode`; in oracle mode, what it would do had its retrieval
    ranked the question's own passage first (without the site's passages, that passage alone)."""
    if mode == "oracle":
        if knowledge:
            context = knowledge.context_led_by(knowledge.row_source(row), row["question"])
        else:
            context = [Source(row["source_url"], row["source_title"] or "", row["passage"])]
        return ChatTurn(fitted_prompt(tokenizer, row["question"], context, [], budget, company), context)
    return chat_prompt(
        tokenizer,
        knowledge if mode in RETRIEVING_MODES else None,
        row["question"],
        turns,
        company=company,
        max_prompt_tokens=budget,
    )


def answered(
    model, tokenizer, decoding: Decoding, chat_turns: list[ChatTurn], turns: list[list[dict]]
) -> list[tuple[str, str, int, float, float | None]]:
    """(answer, stop reason, new tokens, seconds, batch tokens/s) per chat turn (`turns`: the history each was
    built with): an abstention as it is, with no generation; the other prompts generated as one batch."""
    asked = [(turn.prompt, history) for turn, history in zip(chat_turns, turns, strict=True) if not turn.abstention]
    prompts = [prompt for prompt, _ in asked]
    started = time.perf_counter()
    generated = iter(generate_batch(model, tokenizer, prompts, decoding, [history for _, history in asked]))
    seconds = time.perf_counter() - started
    results = []
    for turn in chat_turns:
        if turn.abstention is not None:
            results.append((turn.abstention, ABSTAINED, 0, 0.0, None))
        else:
            text, ended_by_eos, new_tokens = next(generated)
            finished = finish_answer(text, ended_by_eos, loop_window=decoding.loop_window_words)
            answer = turn.settled(finished.text)
            results.append((answer, finished.stop_reason, new_tokens, seconds / len(prompts), None))
    speed = sum(result[2] for result in results) / seconds if seconds else 0.0
    return [(*result[:4], None if result[1] == ABSTAINED else speed) for result in results]


def answer_questions(
    name: str,
    spec: ModelSpec,
    rows: list[dict],
    settings,
    answers_path: Path,
    knowledge: Knowledge | None = None,
    modes: list[str] | None = None,
) -> dict[str, list[dict]]:
    """Answers of model `name` for every row in every prompt mode (`modes`, else the settings'), from the cache
    or freshly generated. Modes run in the settings' order; follow-up after retrieved, whose answers it uses."""
    import torch

    modes = modes or list(settings.modes)
    cached = read_cached(answers_path)
    keys = {mode: answers_key(spec, mode, settings, knowledge) for mode in modes}
    if all((name, keys[mode], row["id"]) in cached for mode in modes for row in rows):
        return {mode: [cached[(name, keys[mode], row["id"])] for row in rows] for mode in modes}
    torch.manual_seed(settings.seed)
    model, tokenizer = load_for_generation(spec)
    budget = prompt_budget(model, settings.decoding.max_new_tokens)
    answers_path.parent.mkdir(parents=True, exist_ok=True)
    for mode in sorted(modes, key=lambda mode: mode == "follow-up"):
        retrieved = {row["id"]: cached.get((name, keys.get("retrieved"), row["id"])) for row in rows}
        todo = [(index, row) for index, row in enumerate(rows) if (name, keys[mode], row["id"]) not in cached]
        with appending(answers_path) as handle:
            for start in tqdm(range(0, len(todo), settings.batch_size), desc=f"{name}, {mode}", unit="batch"):
                batch = todo[start : start + settings.batch_size]
                turns = [
                    previous_exchange(rows, index, retrieved) if mode == "follow-up" else row.get("turns", [])
                    for index, row in batch
                ]
                chat_turns = [
                    mode_prompt(tokenizer, mode, row, row_turns, knowledge, settings.company, budget)
                    for (_, row), row_turns in zip(batch, turns, strict=True)
                ]
                results = answered(model, tokenizer, settings.decoding, chat_turns, turns)
                for (_, row), turn, (answer, stop_reason, new_tokens, seconds, speed) in zip(
                    batch, chat_turns, results, strict=True
                ):
                    record = {
                        "model": name,
                        "mode": mode,
                        "answers_key": keys[mode],
                        "id": row["id"],
                        "answer": answer,
                        "stop_reason": stop_reason,
                        "new_tokens": new_tokens,
                        "seconds": seconds,
                        "batch_tokens_per_s": speed,
                        "prompt": turn.prompt,
                    }
                    handle.write(json.dumps(record) + "\n")
                    cached[(name, keys[mode], row["id"])] = record
                handle.flush()
    del model
    return {mode: [cached[(name, keys[mode], row["id"])] for row in rows] for mode in modes}

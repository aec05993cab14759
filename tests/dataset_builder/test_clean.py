"""Cleaning rules on crafted pairs, and near-duplicate detection at scale."""

import random

from cazton_llm.qa_schema import QARecord
from dataset_builder.clean import clean_records
from dataset_builder.config import CleanConfig

RULES = CleanConfig(qa="generated.jsonl", out="clean.jsonl")  # clean_records reads the rules, not the files
PASSAGE = "Our Kubernetes course lasts three days. It costs 1,500 dollars per person and runs online."


def row(question: str, answer: str, passage: str = PASSAGE) -> QARecord:
    return QARecord(question, answer, "http://x/k", "K", passage, "test", "m")


def test_every_drop_reason_is_counted_with_examples():
    rows = [
        row("How long is the Kubernetes course?", "Our Kubernetes course lasts three days."),
        row("", "Our Kubernetes course lasts three days."),
        row("Cost?", "It costs 1,500 dollars per person."),
        row("How much does the Kubernetes course cost?", "It costs " + "very " * 400 + "much."),
        row("Where is the Kubernetes course held?", "I don't know, the passage does not say."),
        row("What should I click to learn about the course?", "Learn More"),
        row("How long is the  Kubernetes course exactly", "It lasts three days."),
        row("How long does the Kubernetes course last?", "The Kubernetes course lasts three days."),
        row("Is the Kubernetes course free for veterans?", "Veterans attend free with a government voucher."),
        row("  How much   does it cost?\n", " It costs 1,500\n dollars per person. "),
    ]
    kept, report = clean_records(rows, RULES)
    assert report["dropped"] == {
        "empty": 1,
        "injection": 0,
        "too_short": 2,
        "too_long": 1,
        "refusal": 1,
        "boilerplate": 0,
        "question_as_answer": 0,
        "duplicate": 0,
        "near_duplicate": 1,
        "ungrounded": 1,
    }
    assert [record.question for record in kept] == [
        "How long is the Kubernetes course?",
        "How long does the Kubernetes course last?",
        "How much does it cost?",
    ]
    assert kept[2].answer == "It costs 1,500 dollars per person."
    assert report["examples"]["near_duplicate"][0]["similar_to"] == "How long is the Kubernetes course?"
    assert report["input_pairs"] == 10 and report["kept"] == 3


def test_an_answer_that_is_a_question_is_dropped():
    faq = (
        "Do you work with small companies? Yes. About a third of our clients have fewer than 200 employees. "
        "How do you price projects? After the discovery sprint, at a fixed price. We send a written plan."
    )
    rows = [
        row("What can you tell me about frequently asked questions?", "Do you work with small companies?", faq),
        row(
            "Do you work with small companies?", "Yes. About a third of our clients have fewer than 200 employees.", faq
        ),
        row("How do you price projects?", "After the discovery sprint. Is it a fixed price? Yes, a fixed price. ", faq),
        row("What happens after the sprint?", "We send a written plan. Do you work with small companies? ", faq),
    ]
    kept, report = clean_records(rows, RULES)
    assert report["dropped"]["question_as_answer"] == 2
    assert [record.question for record in kept] == ["Do you work with small companies?", "How do you price projects?"]
    assert report["examples"]["question_as_answer"][0]["answer"] == "Do you work with small companies?"


def test_exact_duplicates_after_normalisation_and_boilerplate():
    rows = [
        row("What does the course cost?", "It costs 1,500 dollars per person."),
        row("what does the COURSE cost", "It costs 1,500 dollars per person, online."),
        row("Do you use cookies on the site?", "We use cookies to improve your experience."),
    ]
    kept, report = clean_records(rows, RULES)
    assert report["dropped"]["duplicate"] == 1 and report["dropped"]["boilerplate"] == 1 and len(kept) == 1


def test_planted_near_duplicates_are_found_with_high_precision_and_recall():
    rng = random.Random(0)
    words = [f"w{n}" for n in range(3000)]
    rows, planted = [], set()
    for n in range(2000):
        question = " ".join(rng.sample(words, 12)) + "?"
        rows.append(row(question, "It costs 1,500 dollars per person."))
        if n % 10 == 0:
            variant = question.replace("?", " please?")
            rows.append(row(variant, "It costs 1,500 dollars per person."))
            planted.add(variant)
    kept, _ = clean_records(rows, RULES)
    kept_questions = {record.question for record in kept}
    dropped = {r.question for r in rows} - kept_questions
    recall = len(planted & dropped) / len(planted)
    precision = len(planted & dropped) / len(dropped)
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)

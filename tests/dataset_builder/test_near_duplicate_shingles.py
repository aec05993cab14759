"""Near-duplicates are found on word order too: the MinHash shingles are words *and* word bigrams, so two
questions with the same words in another order (another question) are both kept, while a reworded one
is still dropped."""

from pathlib import Path

from cazton_llm.qa_schema import QARecord
from dataset_builder.clean import clean_records, question_minhash
from dataset_builder.config import CleanConfig

ANSWER = "We migrate workloads between both clouds every month for our clients."


def clean(questions: list[str]) -> tuple[list[str], dict]:
    config = CleanConfig(qa=Path("qa.jsonl"), out=Path("clean.jsonl"))
    records = [QARecord(question=question, answer=ANSWER) for question in questions]
    kept, report = clean_records(records, config)
    return [record.question for record in kept], report


# Bug: shingles without bigrams (same word set → Jaccard 1.0 → the second question dropped).
def test_same_words_in_another_order_are_not_near_duplicates():
    questions = ["Do you move data from Azure to AWS?", "Do you move data from AWS to Azure?"]
    kept, report = clean(questions)
    assert kept == questions
    assert report["dropped"]["near_duplicate"] == 0


def test_a_one_word_change_is_still_a_near_duplicate():
    kept, report = clean(
        [
            "How many days does the Kubernetes administration course for new engineers last?",
            "How many days does the Kubernetes administration course for new engineers take?",
        ]
    )
    assert len(kept) == 1 and report["dropped"]["near_duplicate"] == 1


def test_estimated_similarity_counts_bigrams():
    # Words shared 8/8, bigrams shared 4 of 10 distinct: true Jaccard (8 + 4) / 18 ≈ 0.67, under 0.7.
    first = question_minhash("Do you move data from Azure to AWS?", 256)
    second = question_minhash("Do you move data from AWS to Azure?", 256)
    assert 0.45 < first.jaccard(second) < 0.85
    assert question_minhash("Do you teach Azure?", 256).jaccard(question_minhash("do you TEACH azure", 256)) == 1.0


def test_near_questions_about_two_pages_with_two_answers_are_both_kept():
    config = CleanConfig(qa=Path("qa.jsonl"), out=Path("clean.jsonl"))
    asked = "What can you tell me about the training courses for your teams in {}?"
    portland = QARecord(asked.format("Portland"), "Portland runs the Azure course.", "http://x/portland")
    lisbon = QARecord(asked.format("Lisbon"), "Lisbon runs the React course.", "http://x/lisbon")
    reworded = QARecord(asked.format("Portland please"), "Classes are small.", "http://x/portland")
    blurb = QARecord(asked.format("Lisbon, Portugal"), "Lisbon runs the React course.", "http://x/about")
    kept, report = clean_records([portland, lisbon, reworded, blurb], config)
    assert question_minhash(portland.question, 128).jaccard(question_minhash(lisbon.question, 128)) >= 0.8
    assert kept == [portland, lisbon]  # one word apart, but they ask about two things
    assert report["dropped"]["near_duplicate"] == 2  # a rewording of the same page's question; a blurb again

"""Training examples are the prompts the chat sends: built with the chat's own retrieval and prompt pieces,
in the drawn mix (alone, retrieved with the question's own passage, distractors only, follow-ups), plus
questions the site does not answer, answered with the pointer to its contact page."""

from __future__ import annotations

from collections import Counter

import pytest
from datasets import load_dataset

from cazton_llm.abstention import OFF_SITE_TEMPLATES, is_abstention
from cazton_llm.chat_prompt import chat_prompt
from cazton_llm.grounding import content_words
from cazton_llm.prompt_format import prepare_tokenizer
from cazton_llm.retrieval import load_knowledge
from train.examples import (
    ExampleMix,
    casual_question,
    earlier_exchanges,
    example_messages,
    off_site_questions,
    unanswerable_examples,
)

MIX = ExampleMix(retrieved=0.4, distractors=0.1, follow_up=0.3, unanswerable=0.2)


@pytest.fixture(scope="module")
def knowledge(qa_dataset_dir):
    return load_knowledge(str(qa_dataset_dir))


@pytest.fixture(scope="module")
def rows(qa_dataset_dir):
    return list(load_dataset(str(qa_dataset_dir), split="train"))


def examples_of(rows, knowledge, kind):
    built = [(row, example_messages(row, MIX, knowledge, rows, None)) for row in rows]
    return [(row, example["messages"]) for row, example in built if example["kind"] == kind]


def test_the_mix_is_a_stable_draw_per_question(rows):
    kinds = Counter(MIX.kind_of(row["id"]) for row in rows)
    assert set(kinds) == {"alone", "retrieved", "distractors", "follow_up"}
    assert 0.25 * len(rows) < kinds["retrieved"] < 0.55 * len(rows)
    assert [MIX.kind_of(row["id"]) for row in rows] == [MIX.kind_of(row["id"]) for row in rows]
    assert ExampleMix().kind_of(rows[0]["id"]) == "alone"


def test_retrieved_examples_are_the_chats_prompt_with_their_own_passage(rows, knowledge, tiny_base_dir):
    from transformers import AutoTokenizer

    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(tiny_base_dir))
    retrieved = examples_of(rows, knowledge, "retrieved")
    assert retrieved
    for row, messages in retrieved:
        assert row["passage"] in messages[-2]["content"] and messages[-1]["content"] == row["answer"]
        served = chat_prompt(tokenizer, knowledge, row["question"], [], company=None, max_prompt_tokens=10_000)
        context = served.context
        if any(source.passage == row["passage"] for source in context):
            shown = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
            assert shown == served.prompt, "the same prompt the Space sends for this question"


def test_distractor_examples_hold_other_passages_and_keep_the_answer(rows, knowledge):
    distractors = examples_of(rows, knowledge, "distractors")
    assert distractors
    for row, messages in distractors:
        assert row["passage"] not in messages[-2]["content"] and "Context: " in messages[-2]["content"]
        assert messages[-1]["content"] == row["answer"]


def test_follow_up_examples_carry_earlier_questions_not_their_answers(rows, knowledge):
    follow_ups = examples_of(rows, knowledge, "follow_up")
    assert follow_ups
    for row, messages in follow_ups:
        assert [message["role"] for message in messages] == ["user", "assistant"]
        prompt = messages[-2]["content"]
        assert prompt.endswith(row["question"]) and row["passage"] in prompt
        earlier = [turn["content"] for turn in earlier_exchanges(row, rows) if turn["role"] == "user"]
        assert 1 <= len(earlier) <= 2 and row["question"] not in earlier, "other questions of the split"
        assert prompt.startswith(f"Earlier questions: {' / '.join(earlier)}\n\nContext: "), "their answers left out"


def test_unanswerable_questions_are_off_the_site_and_point_to_its_contact_page(knowledge):
    site_words = {word for source in knowledge.index.sources for word in content_words(source.passage)}
    questions = off_site_questions(knowledge, 12, seed=0)
    assert len(questions) == 12 and questions == off_site_questions(knowledge, 12, seed=0)
    examples = unanswerable_examples(knowledge, 12, "Northwind Forge", None, seed=0)
    for question, example in zip(questions, examples, strict=True):
        template_words = {word for template in OFF_SITE_TEMPLATES for word in content_words(template.format(topic=""))}
        topic_words = set(content_words(question)) - template_words
        assert topic_words and not topic_words & site_words, question
        answer = example["messages"][-1]["content"]
        assert is_abstention(answer) and answer.endswith("/contact.html")
        assert example["messages"][-2]["content"].endswith(question)


def test_a_casual_share_of_the_questions_is_asked_as_visitors_type(rows, knowledge):
    casual = ExampleMix(retrieved=0.5, casual=0.5)
    asked = [example_messages(row, casual, knowledge, rows, None)["messages"][-2]["content"] for row in rows]
    rewritten = [row for row, prompt in zip(rows, asked, strict=True) if not prompt.endswith(row["question"])]
    assert 0.25 * len(rows) < len(rewritten) < 0.75 * len(rows)
    for row in rewritten:
        typed = casual_question(row["question"], row["id"])
        assert typed == typed.lower() and not typed.endswith("?") and typed != row["question"]
    tidy = [example_messages(row, MIX, knowledge, rows, None)["messages"][-2]["content"] for row in rows]
    assert all(prompt.endswith(row["question"]) for row, prompt in zip(rows, tidy, strict=True)), "off by default"


def test_casual_questions_shorten_whole_words_only():
    typed = {casual_question("What is your price? Are you youthful?", str(key)) for key in range(40)}
    assert "whats ur price? r u youthful" in typed and "what is your price? are you youthful" in typed
    assert all("youthful" in text for text in typed)

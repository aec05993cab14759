"""Saying the site does not say, without asking the model: the relevance threshold is picked from questions the
site answers against questions about topics it never mentions, and the chat's one answer path gives the
abstention (and the contact page) below it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cazton_llm.abstention import (
    OFF_SITE_TOPICS,
    abstention_answer,
    is_abstention,
    off_site_questions,
    relevance_threshold,
)
from cazton_llm.chat_prompt import chat_prompt
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.retrieval import Knowledge, PassageIndex, Source, about_the_company, load_knowledge

SITE = [
    Source("http://site/", "Home", "We build web applications and run cloud migrations for banks and hospitals."),
    Source("http://site/training/kubernetes.html", "Kubernetes", "A three-day Kubernetes course, 12 seats at most."),
    Source("http://site/contact.html", "Contact us", "Write to hello@site.example or call our office."),
]


class PromptTokenizer:
    """Just enough of a tokenizer for `fitted_prompt`: the prompt is the messages' text."""

    chat_template = None

    def __call__(self, text):
        return {"input_ids": text.split()}

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
        return "\n".join(message["content"] for message in messages)


def test_the_threshold_turns_away_off_site_questions_within_the_answerable_budget():
    answerable = [0.5, 0.6, 0.7, 0.8, 0.9] * 4  # 20 questions the site answers
    off_site = [0.1, 0.2, 0.3, 0.55]
    threshold = relevance_threshold(answerable, off_site, max_gated=0.05)
    assert 0.3 < threshold <= 0.5, "all off-site questions but the one that looks answerable, no answerable one"
    one_low = [0.2, *[0.5 + index / 100 for index in range(19)]]
    assert 0.25 < relevance_threshold(one_low, [0.1, 0.25], max_gated=0.05) < 0.5, "gating 1 of 20 is within 5 %"
    assert relevance_threshold(one_low, [0.1, 0.25], max_gated=0.0) < 0.2
    assert relevance_threshold(answerable, [0.6] * 5, 0.05) is None, "only by gating 4 of 20 answerable ones"
    assert relevance_threshold(answerable, []) is None and relevance_threshold([], off_site) is None
    assert relevance_threshold([0.5, 0.6], [0.7, 0.8]) is None, "nothing to turn away without gating the site's own"


def test_off_site_questions_are_about_topics_the_site_never_mentions():
    questions = off_site_questions(SITE, 50, seed=0)
    assert questions == off_site_questions(SITE, 50, seed=0) and len(questions) == 50
    mentioned = [topic for topic in OFF_SITE_TOPICS if "office" in topic]  # the contact page says "office"
    assert mentioned and not any(topic in question for topic in mentioned for question in questions)


def test_knowledge_below_its_threshold_does_not_answer_and_points_to_the_contact_page():
    knowledge = Knowledge(PassageIndex(SITE), min_relevance=0.3)
    assert knowledge.answers("How long is the Kubernetes course?")
    assert not knowledge.answers("Do you sell gift cards for the holidays?")
    assert Knowledge(PassageIndex(SITE)).answers("Do you sell gift cards for the holidays?"), "no threshold: no gate"
    assert knowledge.contact == SITE[2]
    after = [{"role": "user", "content": "Tell me about your Kubernetes course"}, {"role": "assistant", "content": "."}]
    assert knowledge.relevance("how many seats?", after) >= knowledge.relevance("how many seats?")


def test_the_chats_answer_path_abstains_below_the_threshold_and_only_grounded():
    knowledge = Knowledge(PassageIndex(SITE), min_relevance=0.3)
    asked = dict(company="Northwind Forge", max_prompt_tokens=1000)
    gated = chat_prompt(PromptTokenizer(), knowledge, "Do you sell gift cards?", [], **asked)
    assert gated.abstention == abstention_answer("Northwind Forge", "http://site/contact.html")
    assert is_abstention(gated.abstention) and gated.contact == SITE[2]
    answered = chat_prompt(PromptTokenizer(), knowledge, "How long is the Kubernetes course?", [], **asked)
    assert answered.abstention is None and answered.context
    ungrounded = chat_prompt(PromptTokenizer(), knowledge, "Do you sell gift cards?", [], grounded=False, **asked)
    assert ungrounded.abstention is None and ungrounded.context == []


@pytest.fixture(scope="module")
def knowledge(qa_dataset_dir) -> Knowledge:
    return load_knowledge(str(qa_dataset_dir))


def test_loading_a_dataset_picks_its_threshold_from_its_training_questions(knowledge, qa_dataset_dir):
    assert knowledge.min_relevance is not None
    trained = load_qa_dataset(qa_dataset_dir, split="train")["question"]
    gated = [question for question in trained if not knowledge.answers(question)]
    assert len(gated) <= 0.05 * len(trained), "at most 5 % of the questions the site answers"
    off_site = off_site_questions(knowledge.index.sources, 200, seed=0)
    assert sum(not knowledge.answers(question) for question in off_site) > 0.1 * len(off_site)
    held_out = load_qa_dataset(qa_dataset_dir, split="test")["question"]
    assert sum(knowledge.answers(question) for question in held_out) > 0.5 * len(held_out)
    assert replace(knowledge, min_relevance=None).fingerprint != knowledge.fingerprint, "cached answers depend on it"


def test_the_gate_reads_the_visitors_you_as_the_company(knowledge):
    """The shortest questions about the company itself have no words of their own that are close to a passage;
    asked about "the company", the site answers them."""
    for question in ("What do you offer?", "what do u guys do", "Who are you?"):
        assert knowledge.answers(question), question
    assert not knowledge.answers("Do you sell gift cards?"), "a topic the site never mentions is still turned away"
    read = about_the_company("how big is ur team? r u hiring? You're in the U.S.? Your guide's use")
    expected = "how big is the company's team? r the company hiring? the company in the U.S.? the company's guide's use"
    assert read == expected, "'u' and 'ur' as words only, never a letter of 'U.S.' or 'use'"

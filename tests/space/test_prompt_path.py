"""The Space's `respond` sends the model what `cazton_llm.chat_prompt` says the chat sends: the passages
`Knowledge.context_for` picks (the conversation so far taken into account) and the earlier questions, not
their answers; Grounded off, no passage. Read from the token ids the model's `generate` is given (the
untrained model's, in seconds, or the finetuned one's)."""

from __future__ import annotations

import pytest

from cazton_llm.retrieval import Knowledge, PassageIndex, Source, load_knowledge
from space.app import make_respond
from space.config import SpaceConfig

QUESTION = "How much does a discovery sprint cost?"
HISTORY = [
    {"role": "user", "content": "Do you teach Kubernetes?"},
    {"role": "assistant", "content": "Yes, a three-day hands-on course."},
    {"role": "assistant", "content": "- [Kubernetes](http://x/k)", "metadata": {"title": "Sources"}},
]


def recorded_prompts(model, tokenizer, monkeypatch) -> list[str]:
    """The model's `generate`, recording the prompt text of each call."""
    prompts, generate = [], model.generate

    def recording_generate(*args, **kwargs):
        prompts.append(tokenizer.decode(kwargs["input_ids"][0]))
        return generate(*args, **kwargs)

    monkeypatch.setattr(model, "generate", recording_generate)
    return prompts


@pytest.fixture
def sent_prompts(loaded_model, monkeypatch):
    return recorded_prompts(*loaded_model, monkeypatch)


def reply(respond, message, history, grounded=True):
    *_, last = respond(message, history, grounded)
    return last


def test_any_models_prompt_holds_the_passage_retrieval_picks(untrained_model, monkeypatch):
    kubernetes = Source("http://site/training/kubernetes.html", "Kubernetes", "A three-day Kubernetes course.")
    others = [Source("http://site/about.html", "About", "Founded in 2009."), Source("http://site/", "Home", "Hi.")]
    knowledge = Knowledge(PassageIndex([kubernetes, *others], dense=False), context_passages=1, context_chars=0)
    config = SpaceConfig(base_model="unused", adapter="", dataset="", company="Northwind Forge", max_new_tokens=4)
    prompts = recorded_prompts(*untrained_model, monkeypatch)
    reply(make_respond(config, *untrained_model, knowledge), "How long is the Kubernetes course?", [])
    (prompt,) = prompts
    assert (
        "Context: Kubernetes\nA three-day Kubernetes course." in prompt
        and "How long is the Kubernetes course?" in prompt
    )


def test_the_prompt_holds_the_retrieved_passages_and_the_conversation(space_config, loaded_model, sent_prompts):
    knowledge = load_knowledge(space_config.dataset)
    respond = make_respond(space_config, *loaded_model, knowledge)
    messages = reply(respond, QUESTION, HISTORY)
    (prompt,) = sent_prompts
    turns = [{"role": turn["role"], "content": turn["content"]} for turn in HISTORY[:2]]
    context = knowledge.context_for(QUESTION, turns)
    assert context and "18,000 dollars" in context[0].passage
    assert context[0].passage in prompt
    assert prompt.index(f"Earlier questions: {HISTORY[0]['content']}") < prompt.index(context[0].passage)
    assert prompt.index(context[0].passage) < prompt.index(QUESTION)
    assert HISTORY[1]["content"] not in prompt, "the earlier answer stays out of the prompt"
    assert "[Kubernetes]" not in prompt, "the sources shown under an answer are not part of it"
    sources = messages[-1].content
    assert sources.startswith(f"- [{context[0].title}]"), "the prompt's pages are listed first"


def test_grounded_off_sends_no_passage(space_config, loaded_model, sent_prompts):
    knowledge = load_knowledge(space_config.dataset)
    reply(make_respond(space_config, *loaded_model, knowledge), QUESTION, [], grounded=False)
    (prompt,) = sent_prompts
    assert "Context:" not in prompt and not any(source.passage in prompt for source in knowledge.index.sources)


def test_a_question_the_site_does_not_answer_gets_the_abstention_and_the_contact_page(
    space_config, loaded_model, sent_prompts
):
    """Below the knowledge's relevance threshold the chat says the site does not say, shows the contact page as
    the source and never asks the model."""
    from dataclasses import replace

    from cazton_llm.abstention import abstention_answer

    knowledge = load_knowledge(space_config.dataset)
    assert knowledge.min_relevance is not None, "loading the dataset picks the threshold"
    gated = replace(knowledge, min_relevance=1.01)  # no passage comes that close to any question
    messages = reply(make_respond(space_config, *loaded_model, gated), QUESTION, HISTORY)
    assert messages[0].content == abstention_answer(space_config.company, knowledge.contact.url)
    assert messages[-1].metadata["title"] == "Sources" and "contact" in messages[-1].content.lower()
    assert sent_prompts == [], "no generation"


def test_a_model_that_says_the_website_does_not_say_gets_the_chats_own_answer_and_the_contact_page(
    space_config, loaded_model, monkeypatch
):
    """The model's own refusal, cut short or with a link it made up, reaches the visitor as the gate's answer: the
    contact page the crawl found, as its text's one link and as the source."""
    from cazton_llm.abstention import abstention_answer
    from tests.forced_answer import make_say

    knowledge = load_knowledge(space_config.dataset)
    assert knowledge.answers(QUESTION, HISTORY), "not the gate's: the model answers it"
    make_say(*loaded_model, "The website does not say. Ask at http://elsewhere.example/form", monkeypatch)
    messages = reply(make_respond(space_config, *loaded_model, knowledge), QUESTION, HISTORY)
    assert messages[0].content == abstention_answer(space_config.company, knowledge.contact.url)
    assert messages[-1].metadata["title"] == "Sources" and knowledge.contact.url in messages[-1].content
    assert not any("elsewhere" in message.content for message in messages)
    make_say(*loaded_model, "A three-day course.", monkeypatch)
    assert reply(make_respond(space_config, *loaded_model, knowledge), QUESTION, HISTORY)[0].content == (
        "A three-day course."
    ), "any other answer as the model wrote it"

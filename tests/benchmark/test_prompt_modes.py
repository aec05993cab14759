"""What each benchmark mode puts into the prompt, built in-process without a model: oracle the chat's prompt with
the question's own passage ranked first, retrieved the passages the chat's retrieval picks (the chat's own prompt),
follow-up those after the earlier question, closed-book none; each passage under its page's title and heading."""

from __future__ import annotations

from types import SimpleNamespace

from benchmark.generation import answers_key, mode_prompt
from cazton_llm.chat_prompt import chat_prompt
from cazton_llm.model_loading import ModelSpec
from cazton_llm.retrieval import Knowledge, PassageIndex, Source
from tests.cazton_llm.test_abstention import PromptTokenizer

KUBERNETES = Source("http://site/training/kubernetes.html", "Kubernetes", "A three-day Kubernetes course.")
CLASSES = Source("http://site/training/", "Training", "Classes run online, 12 seats at most.")
ABOUT = Source("http://site/about.html", "About us", "Founded in 2009 in Portland, Oregon.")
KNOWLEDGE = Knowledge(PassageIndex([KUBERNETES, CLASSES, ABOUT], dense=False), context_passages=1, context_chars=0)
# The held-out row's own passage is not among the indexed ones: only the oracle mode can put it in.
ROW = {
    "question": "How long is the Kubernetes course?",
    "source_url": "http://site/faq.html",
    "source_title": "FAQ",
    "passage": "The Kubernetes course takes three days.",
}
EARLIER = [{"role": "user", "content": "Do you teach Kubernetes?"}, {"role": "assistant", "content": "Yes."}]


def prompt_in(mode: str, turns: list[dict] = (), row: dict = ROW):
    return mode_prompt(PromptTokenizer(), mode, row, list(turns), KNOWLEDGE, "Northwind Forge", 1000)


def test_oracle_puts_the_questions_own_passage_where_retrieval_puts_its_best():
    turn = prompt_in("oracle")  # the chat sends one passage: the own one takes the retrieved one's place
    assert turn.prompt == f"Context: FAQ\n{ROW['passage']}\n\nQuestion: {ROW['question']}"
    assert turn.context == [Source("http://site/faq.html", "FAQ", ROW["passage"])]


def test_oracle_keeps_what_retrieval_adds_after_the_own_passage():
    knowledge = Knowledge(PassageIndex([KUBERNETES, CLASSES, ABOUT], dense=False), context_passages=2, context_chars=0)
    turn = mode_prompt(PromptTokenizer(), "oracle", ROW, [], knowledge, "Northwind Forge", 1000)
    own = Source("http://site/faq.html", "FAQ", ROW["passage"])
    assert turn.context == [own, knowledge.context_for(ROW["question"])[0]] and turn.abstention is None
    assert turn.prompt.index(ROW["passage"]) < turn.prompt.index(KUBERNETES.passage)


def test_oracle_moves_a_retrieved_own_passage_first_without_repeating_it():
    row = {**ROW, "question": "Where are classes run?", "source_url": KUBERNETES.url, "passage": KUBERNETES.passage}
    knowledge = Knowledge(PassageIndex([KUBERNETES, CLASSES, ABOUT], dense=False), context_passages=2, context_chars=0)
    assert knowledge.context_for(row["question"])[0] == CLASSES
    turn = mode_prompt(PromptTokenizer(), "oracle", row, [], knowledge, "Northwind Forge", 1000)
    assert turn.context[0] == KUBERNETES and turn.context.count(KUBERNETES) == 1 and len(turn.context) == 2


def test_oracle_gives_an_indexed_passage_the_heading_retrieval_would_show():
    row = {**ROW, "source_url": KUBERNETES.url, "source_title": "Kubernetes", "passage": KUBERNETES.passage}
    sectioned = Source(KUBERNETES.url, "Kubernetes", KUBERNETES.passage, "Course length")
    knowledge = Knowledge(PassageIndex([sectioned, ABOUT], dense=False), context_passages=1, context_chars=0)
    turn = mode_prompt(PromptTokenizer(), "oracle", row, [], knowledge, "Northwind Forge", 1000)
    assert turn.context == [sectioned]
    assert turn.prompt.startswith(f"Context: Kubernetes - Course length\n{KUBERNETES.passage}")


def test_retrieved_sends_the_chats_own_prompt_with_the_retrieved_passage():
    turn = prompt_in("retrieved")
    assert turn.context == [KUBERNETES] and KUBERNETES.passage in turn.prompt
    chat = chat_prompt(
        PromptTokenizer(), KNOWLEDGE, ROW["question"], [], company="Northwind Forge", max_prompt_tokens=1000
    )
    assert turn == chat


def test_follow_up_puts_the_earlier_question_before_the_retrieved_passage_and_question():
    prompt = prompt_in("follow-up", EARLIER).prompt
    assert prompt.index("Do you teach Kubernetes?") < prompt.index(KUBERNETES.passage) < prompt.index(ROW["question"])
    assert "Yes." not in prompt, "the earlier answer stays out of the prompt"


def test_closed_book_sends_the_question_alone():
    turn = prompt_in("closed-book")
    assert (turn.prompt, turn.context) == (ROW["question"], [])


def test_every_mode_with_passages_is_cached_against_what_retrieval_can_find():
    """An oracle answer depends on the index as a retrieved one does (the rest of its prompt is retrieved):
    a rebuilt index must not serve the old answers; a closed-book answer does not depend on it."""
    settings = SimpleNamespace(company="Northwind Forge", decoding="greedy")
    spec = ModelSpec.parse("owner/model")
    other = Knowledge(PassageIndex([KUBERNETES, ABOUT], dense=False), context_passages=1, context_chars=0)
    for mode in ("retrieved", "oracle", "follow-up"):
        assert answers_key(spec, mode, settings, KNOWLEDGE) != answers_key(spec, mode, settings, other), mode
    assert answers_key(spec, "closed-book", settings, KNOWLEDGE) == answers_key(spec, "closed-book", settings, other)

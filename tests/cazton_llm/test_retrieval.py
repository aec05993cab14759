"""What the chat knows and puts into the prompt: every crawled passage, the conversation used to find a
follow-up's page, the prompt's pages listed first under the answer, an older dataset's fallback, and the
retrieval scores the benchmark reports."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import pytest

from benchmark.retrieval_scores import RetrievalCase, score_retrieval
from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.retrieval import (
    CONTEXT_CHARS,
    CONTEXT_PASSAGES,
    FALLBACK_NOTICE,
    Knowledge,
    PassageIndex,
    Source,
    calibrated_threshold,
    fused,
    load_knowledge,
    path_words,
    qa_passages,
    retrieval_query,
)
from dataset_builder.passages import MAX_PASSAGE_CHARS


@pytest.fixture(scope="module")
def knowledge(qa_dataset_dir) -> Knowledge:
    return load_knowledge(str(qa_dataset_dir))


def paths(sources: list[Source]) -> list[str]:
    return [urlsplit(source.url).path for source in sources]


def test_every_crawled_passage_is_indexed_with_training_questions_only(knowledge, qa_dataset_dir):
    passages = load_qa_dataset(qa_dataset_dir, "passages", split="train")
    assert [source.passage for source in knowledge.index.sources] == passages["passage"]
    test_questions = set(load_qa_dataset(qa_dataset_dir, split="test")["question"])
    assert not test_questions & {question for source in knowledge.index.sources for question in source.questions}
    assert knowledge.notice is None and len(knowledge.example_questions) == 4, "4 example questions for the UI"


def test_loading_keeps_each_passages_page_title_heading_and_questions(knowledge, qa_dataset_dir):
    rows = load_qa_dataset(qa_dataset_dir, "passages", split="train")
    assert knowledge.index.sources == [
        Source(row["url"], row["title"] or "", row["passage"], row["heading"] or "", tuple(row["questions"]))
        for row in rows
    ]
    assert knowledge.page_titles == sorted({row["title"] for row in rows if row["title"]})
    held_out, trained = (load_qa_dataset(qa_dataset_dir, split=split)["question"] for split in ("test", "train"))
    assert knowledge.example_questions == list(dict.fromkeys([*held_out, *trained]))[:4], "held-out ones first"
    assert knowledge.context_passages == CONTEXT_PASSAGES == 2


def test_the_answer_passage_is_found_in_visitor_words(knowledge):
    question = "How much does a discovery sprint cost?"
    chosen = knowledge.chosen_passages(question)
    assert len(chosen) == knowledge.context_passages == 2
    context = knowledge.context_for(question)
    assert context[:2] == chosen and "18,000 dollars" in context[0].passage, "the FAQ, not the home page's"
    room = max(knowledge.context_chars, sum(len(source.passage) for source in chosen))
    assert sum(len(source.passage) for source in context) <= room


def test_a_follow_up_gets_its_own_best_passage_and_the_conversations():
    kubernetes = Source(
        "http://site/training/kubernetes.html", "Kubernetes", "A three-day Kubernetes course, 12 seats."
    )
    classes = Source("http://site/training/", "Training", "Classes run online or at your office.")
    about = Source("http://site/about.html", "About us", "Founded in 2009 in Portland, Oregon.")
    knowledge = Knowledge(PassageIndex([kubernetes, classes, about], dense=False), context_passages=2)
    question = "how big are the classes?"
    assert knowledge.context_for(question) == [classes]
    after = knowledge.context_for(question, [{"role": "user", "content": "Do you teach Kubernetes?"}])
    assert after == [classes, kubernetes], "its own best passage first, then the one the conversation finds"
    new_topic = knowledge.context_for("When were you founded?", [{"role": "user", "content": "Kubernetes?"}])
    assert new_topic[0] == about, "a new topic keeps its own passage first"
    assistant_only = [{"role": "assistant", "content": "Kubernetes Kubernetes"}]
    assert knowledge.context_for(question, assistant_only) == [classes], "the model's words never steer retrieval"


def test_the_prompts_pages_are_listed_first_under_the_answer(knowledge):
    question = "and how long is it?"
    context = knowledge.context_for(question, [{"role": "user", "content": "do you run a react course"}])
    sources = knowledge.sources_for(question, context, limit=3)
    prompt_pages = list(dict.fromkeys(paths(context)))[:3]
    assert paths(sources)[: len(prompt_pages)] == prompt_pages
    assert len(paths(sources)) == len(set(paths(sources))) <= 3


def test_a_dataset_built_without_pages_falls_back_to_its_pairs_passages(tmp_path, capsys):
    from dataset_builder.build import build_dataset
    from dataset_builder.config import BuildConfig, GenerateConfig
    from dataset_builder.generate import generate_qa
    from tests.conftest import FIXTURE_PAGES

    generate_qa(GenerateConfig(pages=FIXTURE_PAGES, out=tmp_path / "qa.jsonl", generator="offline"))
    build_dataset(BuildConfig(qa=tmp_path / "qa.jsonl", out=tmp_path / "older"))
    capsys.readouterr()
    knowledge = load_knowledge(str(tmp_path / "older"))
    assert capsys.readouterr().out.strip() == knowledge.notice == FALLBACK_NOTICE.format(dataset=tmp_path / "older")
    qa = load_qa_dataset(tmp_path / "older")
    pairs_passages = {(row["source_url"], row["passage"]) for split in qa.values() for row in split}
    assert {(source.url, source.passage) for source in knowledge.index.sources} == pairs_passages


def test_retrieval_scores_count_what_the_prompt_gets():
    sources = [
        Source("http://site/a.html", "Alpha", "Alpha costs 10 dollars."),
        Source("http://site/b.html", "Beta", "Beta takes three days."),
        Source("http://site/c.html", "Gamma", "Gamma has a beta mode."),
    ]
    knowledge = Knowledge(PassageIndex(sources, dense=False), context_passages=1, context_chars=0)
    cases = [
        RetrievalCase("alpha price", ("/a.html",), "Alpha costs 10 dollars."),  # found first, supported
        RetrievalCase("beta mode", ("/b.html",), "Beta takes three days."),  # found second: no support
        RetrievalCase("nothing here", ("/a.html",), "Alpha costs 10 dollars."),  # not found
    ]
    scores = score_retrieval(knowledge, cases)
    assert scores["questions"] == 3
    assert scores["hit@1"] == pytest.approx(1 / 3) and scores["hit@3"] == pytest.approx(2 / 3)
    assert scores["mrr@10"] == pytest.approx((1 + 1 / 2) / 3)
    assert scores["support"] == pytest.approx(1 / 3)


def test_the_embeddings_meaning_outweighs_a_shared_word():
    """The fusion weighs MiniLM's ranking twice BM25's (chosen on the held-out questions): a passage the
    embeddings rank first and BM25 second beats the one BM25 ranks first and the embeddings second."""
    services = Source("http://site/services/ai.html", "AI services", "We build AI models and forecasting tools.")
    team = Source("http://site/team.html", "Our team", "Priya Raman heads the AI practice; Daniel leads engineering.")
    careers = Source("http://site/careers.html", "Careers", "Join the firm: we hire engineers every spring.")
    index = PassageIndex([services, team, careers])
    assert index.passages("who runs the AI group", 1) == [team]


CAREERS = Source("http://site/careers.html", "Careers", "We are hiring engineers in Portland and Lisbon.", "Careers")
BENEFITS = Source("http://site/careers.html", "Careers", "Staff get a learning budget and four weeks off.", "Perks")
OTHER_PAGES = [
    Source("http://site/about.html", "About us", "Founded in 2009 by two engineers."),
    Source("http://site/contact.html", "Contact", "Write to us: hello@site.example."),
    Source("http://site/training.html", "Training", "Courses in Kubernetes and React."),
    Source("http://site/jobs.html", "Jobs", "Openings: see below."),
]


def test_the_rest_of_a_chosen_passages_page_comes_along_while_it_fits():
    """A page cut into short passages: the one that matches ("hiring") brings its neighbour ("Perks"), which
    shares no word with the question, then the next best passage, as long as the passages fit the room."""
    question = "are you hiring engineers?"
    about = OTHER_PAGES[0]
    knowledge = Knowledge(PassageIndex([CAREERS, *OTHER_PAGES, BENEFITS], dense=False), context_passages=1)
    assert knowledge.chosen_passages(question) == [CAREERS]
    assert knowledge.context_for(question) == [CAREERS, BENEFITS, about], "its page first, then the next best"
    assert dataclasses.replace(knowledge, context_chars=0).context_for(question) == [CAREERS]
    assert dataclasses.replace(knowledge, fills_with_pages=False).context_for(question) == [CAREERS, about]
    room = len(CAREERS.passage) + len(BENEFITS.passage)
    assert dataclasses.replace(knowledge, context_chars=room).context_for(question) == [CAREERS, BENEFITS]


def test_the_chosen_passages_are_always_in_the_prompt_and_the_room_is_one_of_the_longest():
    long_ones = [Source(f"http://site/{n}.html", n, f"Vacancies {n}: " + "vacancies words " * 100) for n in "ab"]
    short_one = Source("http://site/vacancies.html", "Vacancies", "Vacancies: none this month.")
    knowledge = Knowledge(PassageIndex([*long_ones, short_one, *OTHER_PAGES], dense=False), context_chars=1000)
    chosen = knowledge.chosen_passages("vacancies")
    assert len(chosen) == 2 and sum(len(source.passage) for source in chosen) > 1000
    assert knowledge.context_for("vacancies") == chosen, "longer than the room together: kept, nothing more"
    assert len(dataclasses.replace(knowledge, context_chars=5000).context_for("vacancies")) == 3
    assert CONTEXT_CHARS == MAX_PASSAGE_CHARS, "a site of long passages gets its chosen ones alone, as before"


UNRELATED = [Source(f"http://site/other-{n}.html", "Other", f"Unrelated words number {n}.") for n in range(8)]
# The same passage on four pages (and twice on the first): equal scores, indexed by their text alone.
COURSES = [
    Source(f"http://site/{page}.html", page, "Kubernetes course in three days.") for page in ("a", "a", "b", "c", "d")
]


def test_the_pages_under_an_answer_are_listed_once_each_up_to_the_limit():
    index = PassageIndex([*COURSES, *UNRELATED], fields=("passage",), dense=False)
    assert paths(index.search("kubernetes course")) == ["/a.html", "/b.html", "/c.html"]
    assert paths(index.search("kubernetes course", min_share_of_best=1.0)) == ["/a.html", "/b.html", "/c.html"]
    knowledge = Knowledge(index)
    assert paths(knowledge.sources_for("kubernetes course", [], 4)) == ["/a.html", "/b.html", "/c.html", "/d.html"]


def test_a_page_far_below_the_best_is_not_listed():
    strong = Source("http://site/k.html", "K", "Kubernetes Kubernetes course, the Kubernetes course.")
    weak = Source("http://site/w.html", "W", "A course.")
    index = PassageIndex([strong, weak, *UNRELATED], fields=("passage",), dense=False)
    (_, best_score), (_, weak_score) = index.ranked("kubernetes course")
    assert weak_score < best_score / 2
    assert index.search("kubernetes course") == [strong]


def test_fusion_adds_each_rankings_reciprocal_rank_the_embeddings_weighted():
    """Reciprocal rank fusion (k = 60, ranks from 1): BM25 ranks passage 0 first, the embeddings passage 1, and
    passage 2 shares no word with the question but the embeddings still rank it."""
    bm25, embeddings = [(0, 9.0), (1, 3.0)], [1, 0, 2]
    assert fused(bm25, embeddings) == [
        (0, pytest.approx(1 / 61 + 1 / 62)),
        (1, pytest.approx(1 / 62 + 1 / 61)),
        (2, pytest.approx(1 / 63)),
    ], "equal weights: a tie, the lower passage number first"
    assert [index for index, _ in fused([(1, 9.0), (0, 3.0)], [0, 1])] == [0, 1], "whichever ranking had it first"
    assert fused(bm25, embeddings, dense_weight=2.0) == [
        (1, pytest.approx(1 / 62 + 2 / 61)),
        (0, pytest.approx(1 / 61 + 2 / 62)),
        (2, pytest.approx(2 / 63)),
    ]


def test_a_url_path_is_searched_by_its_words():
    assert path_words("https://site.example/Training/Kubernetes-Course_2.html") == "training kubernetes course 2"
    pages = ("index.htm", "index.php", "default.aspx", "about.html")
    assert [path_words(f"http://site/{page}") for page in pages] == ["", "", "default", "about"], "no file types"


def test_a_follow_up_is_searched_with_the_latest_earlier_question_only():
    turns = [
        {"role": "user", "content": "Do you teach React?"},
        {"role": "assistant", "content": "Yes, a two-day course."},
        {"role": "user", "content": "And Kubernetes?"},
        {"role": "assistant", "content": "Yes."},
    ]
    assert retrieval_query("how long is it?", turns) == "how long is it? And Kubernetes?"
    assert retrieval_query("how long is it?", turns[1:2]) == retrieval_query("how long is it?") == "how long is it?"


def test_the_passages_for_the_prompt_leave_out_those_far_below_the_best():
    strong = Source("http://site/k.html", "K", "Kubernetes Kubernetes course, the Kubernetes course.")
    weak = Source("http://site/w.html", "W", "A course.")
    index = PassageIndex([strong, weak, *UNRELATED], fields=("passage",), dense=False)
    assert index.passages("kubernetes course", 5) == [strong]
    assert index.passages("kubernetes course", 5, min_share_of_best=0.0) == [strong, weak]


@pytest.fixture(scope="module")
def site() -> Knowledge:
    from tests.cazton_llm.test_abstention import SITE

    return Knowledge(PassageIndex(SITE))


def test_a_question_exactly_as_close_as_the_threshold_is_answered(site):
    relevance = site.relevance("How long is the Kubernetes course?")
    assert dataclasses.replace(site, min_relevance=relevance).answers("How long is the Kubernetes course?")
    assert not dataclasses.replace(site, min_relevance=relevance + 1e-6).answers("How long is the Kubernetes course?")


def test_without_passages_or_embeddings_every_question_is_answered():
    assert Knowledge(PassageIndex([]), min_relevance=0.9).answers("Do you sell gift cards?")
    sparse = Knowledge(PassageIndex(COURSES, dense=False), min_relevance=0.9)
    assert sparse.relevance("Do you sell gift cards?") is None and sparse.answers("Do you sell gift cards?")


def test_relevance_is_the_closer_of_the_question_alone_and_with_the_conversation(site):
    after = [{"role": "user", "content": "Tell me about your Kubernetes course"}, {"role": "assistant", "content": "."}]
    alone, followed = (
        site.index.relevance("how many seats?"),
        site.index.relevance(retrieval_query("how many seats?", after)),
    )
    assert alone != followed and site.relevance("how many seats?", after) == max(alone, followed)
    on_its_own = dataclasses.replace(site, searches_with_history=False)
    assert on_its_own.relevance("how many seats?", after) == alone, "without searching with the conversation"


def test_a_follow_up_keeps_its_own_best_passage_then_the_conversations_before_its_own_second():
    kubernetes = Source("http://site/training/kubernetes.html", "Kubernetes", "A three-day Kubernetes course.")
    classes = Source("http://site/training/", "Training", "Our classes run online, classes of 12 at most.")
    evening = Source("http://site/evening.html", "Evening", "Evening classes for teams.")
    about = Source("http://site/about.html", "About us", "Founded in 2009 in Portland, Oregon.")
    knowledge = Knowledge(PassageIndex([kubernetes, classes, evening, about, *UNRELATED], dense=False), context_chars=0)
    question, earlier = "how big are the classes?", [{"role": "user", "content": "Do you teach Kubernetes?"}]
    assert knowledge.context_for(question) == [classes, evening]
    assert knowledge.context_for(question, earlier) == [classes, kubernetes]
    on_its_own = dataclasses.replace(knowledge, searches_with_history=False)
    assert on_its_own.context_for(question, earlier) == [classes, evening], "the conversation not searched"


def test_passages_scoring_the_same_as_the_best_all_go_in():
    index = PassageIndex([*COURSES, *UNRELATED], fields=("passage",), dense=False)
    assert index.passages("kubernetes course", 3, min_share_of_best=1.0) == COURSES[:3]


def test_an_unstemmed_index_matches_the_words_as_written():
    pricing = Source("http://site/pricing.html", "Pricing", "Our pricing is per project.")
    index = PassageIndex([pricing, *UNRELATED], fields=("passage",), stemmed=False, dense=False)
    assert index.passages("pricing", 1) == [pricing]
    assert index.passages("price", 1) == [], "stemmed, the two would match"


def test_a_question_with_nothing_to_search_for_gets_the_home_page(site):
    """A question such as "what do you do" has no word to search for: it is about the company, as its home page."""
    home, kubernetes = site.index.sources[0], site.index.sources[1]
    assert site.index.passages("what do you do", 2) == [] and site.context_for("what do you do") == [home]
    assert site.context_for("what do u guys actually do") == [home], "chat words name no topic either"
    assert site.context_for("tell me what you do") == site.context_for("what should I know about you") == [home]
    earlier = [{"role": "user", "content": "Tell me about the Kubernetes course"}]
    assert site.context_for("What is it?", earlier)[0] == kubernetes, "the conversation's words come first"
    without_home = Knowledge(PassageIndex(site.index.sources[1:]))
    assert without_home.context_for("what do you do") == [], "no root page crawled: nothing to put in"
    assert PassageIndex([], dense=False).ranked("Kubernetes course") == []


def test_a_question_naming_only_the_company_gets_the_home_page():
    """The company's name is on many pages ("About Acme Cloud", "Acme Cloud has offices in …"): a question with no
    other word to search for asks about the company itself, as "what do you do" does."""
    home = Source("http://site/", "Home", "We build web applications for banks and hospitals.")
    about = Source(
        "http://site/about.html", "About Acme Cloud", "Acme Cloud is a firm, a company with offices in Oslo."
    )
    kubernetes = Source("http://site/training/kubernetes.html", "Kubernetes", "Acme Cloud teaches a Kubernetes course.")
    sources = [home, about, kubernetes, *UNRELATED]
    unnamed = Knowledge(PassageIndex(sources, dense=False), context_chars=0)
    named = dataclasses.replace(unnamed, name_words=frozenset({"acm", "cloud"}))
    for question in ("What is Acme Cloud?", "what does acme cloud do", "tell me about Acme Cloud", "Acme Cloud?"):
        assert unnamed.context_for(question)[0] == about, question
        assert named.context_for(question) == [home], question
    assert named.context_for("Acme Cloud kubernetes course")[0] == kubernetes, "other words still decide"
    earlier = [{"role": "user", "content": "Where are your offices?"}, {"role": "assistant", "content": "In Oslo."}]
    assert named.context_for("What is Acme Cloud?", earlier) == [home], "it names its subject: no follow-up"
    assert named.context_for("What is it?", earlier) == [about], "a pronoun follows the conversation"
    assert unnamed.context_for("tell me about your company") == unnamed.context_for("what firm is it") == [home]
    assert named.context_for("where are Acme Cloud's offices?")[0] == about
    assert named.context_for("cloud?")[0] != home, "part of the name is searched: it may be a topic of its own"
    assert dataclasses.replace(named, context_chars=900).context_for("What is Acme Cloud?") == [home], (
        "no next best passages by the name either"
    )
    assert named.fingerprint != unnamed.fingerprint


def test_loading_knowledge_for_a_company_reads_its_name_as_no_topic(qa_dataset_dir):
    knowledge = load_knowledge(str(qa_dataset_dir), company="Northwind Forge")
    home = knowledge.home_page_passages
    assert knowledge.context_for("What is Northwind Forge?")[: len(home)] == home, "the home page, whole"
    assert load_knowledge(str(qa_dataset_dir)).context_for("What is Northwind Forge?")[0] not in home


def test_a_passage_is_found_by_its_heading_and_a_heading_repeating_the_title_counts_once():
    perks = Source("http://site/careers.html", "Careers", "Four weeks off a year.", "Perks")
    index = PassageIndex([perks, *UNRELATED], fields=("title", "heading", "passage"), dense=False)
    assert index.passages("what perks do staff get?", 1) == [perks]
    plain = Source("http://site/a.html", "Kubernetes", "A course.")
    repeated = Source("http://site/b.html", "Kubernetes", "A course.", "Kubernetes")
    index = PassageIndex([plain, repeated, *UNRELATED], fields=("title", "heading", "passage"), dense=False)
    assert index.passages("kubernetes", 2) == [plain, repeated], "the same words: a tie, in passage order"


def test_passages_are_found_by_the_stems_of_their_words():
    pricing = Source("http://site/pricing.html", "Rates", "Our pricing is per project.")
    assert PassageIndex([pricing, *UNRELATED], dense=False).passages("what are your prices?", 1) == [pricing]


def test_a_dataset_without_training_questions_gets_no_threshold(site):
    assert calibrated_threshold(site.index, []) is None


def test_an_older_datasets_passages_carry_their_training_questions_and_titles():
    """The fallback of a dataset without passages: each distinct passage once, with the questions of the training
    split asked about it (never a held-out one) and its page's title ("" when the pair had none)."""

    def pair(question: str, passage: str, title: str | None = "Training") -> dict:
        return {"question": question, "source_url": "http://site/t.html", "source_title": title, "passage": passage}

    splits = {
        "train": [pair("How long?", "Three days."), pair("How many days?", "Three days."), pair("Price?", "Ask.", None)]
    }
    assert list(qa_passages(splits).values()) == [
        Source("http://site/t.html", "Training", "Three days.", questions=("How long?", "How many days?")),
        Source("http://site/t.html", "", "Ask.", questions=("Price?",)),
    ]
    held_out = qa_passages({**splits, "test": [pair("Is it long?", "Three days.")]})
    assert held_out[("http://site/t.html", "Three days.")].questions == ("How long?", "How many days?")


def test_the_threshold_is_drawn_the_same_on_every_load_and_needs_embeddings(knowledge, qa_dataset_dir):
    trained = list(load_qa_dataset(qa_dataset_dir, split="train")["question"])
    assert calibrated_threshold(knowledge.index, trained, seed=0) == knowledge.min_relevance is not None
    assert calibrated_threshold(knowledge.index, trained) == knowledge.min_relevance
    assert calibrated_threshold(PassageIndex(COURSES, dense=False), trained) is None

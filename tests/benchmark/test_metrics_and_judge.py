"""Metrics on known strings, bootstrap intervals, and the order-swapped pairwise judge."""

import json

import pytest

from benchmark.judge import Judge, length_controlled_win_rate, pairwise_results
from benchmark.metrics import (
    answerable_scores,
    bootstrap_ci,
    copies_previous,
    copies_previous_wrongly,
    per_answer_metrics,
    rouge_l,
    rouge_l_to_previous,
    semantic_similarities,
)

ROW = {
    "question": "How long is the course?",
    "answer": "The course lasts three days.",
    "passage": "The Kubernetes course lasts three days and costs 1,500 dollars.",
}


def answer(text: str, stop_reason: str = "eos") -> dict:
    return {"answer": text, "stop_reason": stop_reason, "seconds": 0.5, "batch_tokens_per_s": 40.0}


def test_rouge_l_by_hand():
    # LCS of "the course lasts three days" and "the course takes three days" is 4 of 5 words each way.
    assert rouge_l("The course lasts three days.", "The course takes three days.") == pytest.approx(0.8)
    assert rouge_l("a b c", "x y z") == 0.0


def test_per_answer_metrics_by_hand():
    values = per_answer_metrics(
        [ROW, ROW],
        [
            answer("The course lasts three days."),
            answer("It costs 1,500 dollars in Paris and runs for a week", "max_tokens"),
        ],
    )
    assert values["rouge_l"][0] == pytest.approx(1.0)
    assert values["clean_stop"] == [1.0, 0.0]
    assert values["words_after_reference"] == [0.0, 6.0]  # 11 words against a 5-word reference
    assert values["answer_words"] == [5.0, 11.0]
    assert values["faithfulness"][0] == 1.0
    # content words of answer 2: costs 1,500 dollars paris runs week -> 3 of 6 in the passage
    assert values["faithfulness"][1] == pytest.approx(0.5)


def test_a_follow_up_that_gives_its_own_answer_is_no_wrong_copy():
    pipelines = "Our engineers set up delivery pipelines with GitHub Actions."
    platform = "We build an internal developer platform with self-service environments."
    rows = [
        {"answer": "We introduce infrastructure as code with Terraform."},
        {"answer": pipelines},  # a second question on the page, whose answer the model gave the first
        {"answer": platform},
        {"answer": "Three days."},
    ]
    retrieved = [{"answer": answer} for answer in (pipelines, pipelines, "Our platform teams.", "Three days.")]
    follow_ups = [{"answer": answer} for answer in ("Terraform.", pipelines, "Our platform teams.", "Three days.")]

    def to_previous_and_reference():
        to_reference = [rouge_l(row["answer"], given["answer"]) for row, given in zip(rows, follow_ups, strict=True)]
        return rouge_l_to_previous(retrieved, follow_ups), to_reference

    to_previous, to_reference = to_previous_and_reference()
    assert copies_previous(to_previous) == [0.0, 1.0, 0.0, 0.0]
    assert copies_previous_wrongly(to_previous, to_reference) == [0.0, 0.0, 0.0, 0.0], "its own answer"
    follow_ups[2] = {"answer": pipelines}  # the previous answer again, not the platform's
    to_previous, to_reference = to_previous_and_reference()
    assert copies_previous(to_previous) == [0.0, 1.0, 1.0, 0.0]
    assert copies_previous_wrongly(to_previous, to_reference) == [0.0, 0.0, 1.0, 0.0]


def test_visitor_answers_are_scored_on_the_questions_the_site_answers_abstentions_included():
    rows = [
        {**ROW, "passage": "", "answerable": True},
        {**ROW, "passage": "", "answerable": True},
        {**ROW, "passage": "", "answerable": False, "answer": ""},  # no reference: never scored
    ]
    answers = [
        answer("The course lasts three days."),
        answer("The website does not say. You can ask Northwind Forge directly: http://site/contact"),
        answer("The course lasts three days."),
    ]
    scores = answerable_scores(rows, answers, seed=0)
    assert set(scores) == {"rouge_l", "semantic_similarity"}
    assert scores["rouge_l"]["mean"] == pytest.approx((1.0 + rouge_l(ROW["answer"], answers[1]["answer"])) / 2)
    assert scores["rouge_l"]["low"] < scores["rouge_l"]["mean"] < scores["rouge_l"]["high"] == pytest.approx(1.0)
    assert 0 < scores["semantic_similarity"]["mean"] < 1


def test_semantic_similarity_ranks_paraphrases_above_unrelated_text():
    same, paraphrase, unrelated = semantic_similarities(
        ["The course lasts three days."] * 3,
        ["The course lasts three days.", "It is a three-day training.", "Our office is in Lisbon."],
    )
    assert same == pytest.approx(1.0, abs=1e-4) and paraphrase > unrelated


def test_bootstrap_interval_contains_the_mean_and_is_deterministic():
    values = [0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.05]
    mean, low, high = bootstrap_ci(values, seed=3)
    assert low < mean < high and mean == pytest.approx(sum(values) / len(values))
    assert bootstrap_ci(values, seed=3) == (mean, low, high)
    assert bootstrap_ci([0.5] * 5) == (0.5, 0.5, 0.5)


def test_length_controlled_win_rate_discounts_length():
    # x wins exactly when it is longer: at equal length it should be about a coin flip
    differences = [10, 12, 8, 9, -10, -12, -8, -9] * 3
    outcomes = [1.0 if difference > 0 else 0.0 for difference in differences]
    outcomes[0] = 0.0  # one long loss keeps the classes from separating perfectly
    assert 0.3 < length_controlled_win_rate(outcomes, differences) < 0.7
    assert length_controlled_win_rate([1.0, 1.0], [0, 0]) == 1.0


@pytest.fixture
def judge(openai_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-judge")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url)
    return Judge("openai:judge-model", tmp_path / "judge-cache")


def prefers(word: str):
    """A judge that prefers the answer containing `word`, wherever it is shown."""

    def responder(body: dict) -> str:
        prompt = body["messages"][0]["content"]
        first = prompt.split("Answer A: ")[1].split("\n\nAnswer B: ")[0]
        second = prompt.split("Answer B: ")[1].split("\n\nWhich")[0]
        winner = "A" if word in first and word not in second else "B" if word in second and word not in first else "tie"
        return json.dumps({"winner": winner})

    return responder


def test_order_swapped_judge_counts_wins_losses_and_ties(judge, openai_server):
    openai_server.responder = prefers("three")
    answers = {
        "tuned": [answer("It lasts three days."), answer("Not sure at all."), answer("Three is... three days.")],
        "base": [answer("No idea."), answer("It runs three days."), answer("Also three days.")],
    }
    result = pairwise_results(judge, [ROW] * 3, answers)["tuned vs base"]
    assert (result["wins"], result["losses"], result["ties"]) == (1, 1, 1)
    assert result["win_rate"] == pytest.approx(0.5)
    assert openai_server.calls == 6  # each pair judged twice, orders swapped
    pairwise_results(judge, [ROW] * 3, answers)
    assert openai_server.calls == 6  # verdicts are cached


def test_a_position_biased_judge_only_produces_ties(judge, openai_server):
    openai_server.responder = lambda body: json.dumps({"winner": "A"})
    answers = {"x": [answer("It lasts three days.")] * 2, "y": [answer("No idea.")] * 2}
    result = pairwise_results(judge, [ROW] * 2, answers)["x vs y"]
    assert (result["wins"], result["losses"], result["ties"]) == (0, 0, 2)


def test_judge_faithfulness_and_spec_errors(judge, openai_server):
    openai_server.responder = lambda body: json.dumps({"supported": 0.75})
    assert judge.faithfulness(ROW["passage"], "It lasts three days.") == 0.75
    from cazton_llm.errors import UserError

    with pytest.raises(UserError, match="openai:MODEL"):
        Judge("anthropic", judge.cache.folder)

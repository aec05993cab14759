"""The benchmark run with tiny local models standing in for finetuned, base and Zephyr."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from benchmark.config import BenchmarkConfig
from benchmark.model_card import update_model_card
from benchmark.report import ceilings_not_held
from benchmark.run import run_benchmark
from cazton_llm.abstention import is_abstention
from tests.in_process import run_entry_point

REPO = Path(__file__).resolve().parents[2]
VISITORS = REPO / "tests" / "fixtures" / "data" / "visitor_questions.jsonl"
ZEPHYR_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@pytest.fixture(scope="module")
def chat_model_dir(tiny_base_dir, tmp_path_factory):
    """A tiny model with its own (Zephyr-style) chat template, standing in for zephyr-7b-beta."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = tmp_path_factory.mktemp("zephyr-stand-in")
    tokenizer = AutoTokenizer.from_pretrained(tiny_base_dir)
    tokenizer.chat_template = ZEPHYR_TEMPLATE
    tokenizer.save_pretrained(folder)
    AutoModelForCausalLM.from_pretrained(tiny_base_dir).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def report(tiny_base_dir, tiny_adapter_dir, chat_model_dir, qa_dataset_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("benchmark")
    models = {
        "finetuned": f"{tiny_base_dir}+{tiny_adapter_dir}",
        "base": str(tiny_base_dir),
        "zephyr": str(chat_model_dir),
    }
    config = BenchmarkConfig(
        dataset=str(qa_dataset_dir),
        out=out,
        models=models,
        modes=["closed-book", "retrieved", "oracle", "follow-up"],
        other_models_modes=["closed-book", "retrieved"],
        visitor_questions=VISITORS,
        limit=8,
        max_new_tokens=48,
        company="Northwind Forge",
    )
    return out, config, run_benchmark(config)


MODES = ["closed-book", "retrieved", "oracle", "follow-up"]


def test_report_files_are_complete(report):
    out, _, results = report
    assert list(results["metrics"]) == MODES
    for mode, by_model in results["metrics"].items():
        assert set(by_model) == ({"finetuned", "base", "zephyr"} if mode in MODES[:2] else {"finetuned"})
        for stats in by_model.values():
            for name, value in stats.items():
                assert value["low"] <= value["mean"] <= value["high"], name
    assert set(results["metrics"]["follow-up"]["finetuned"]) > {"copies_previous", "copies_previous_wrongly", "rouge_l"}
    markdown = (out / "report.md").read_text()
    assert all(markdown.count(f"## {mode}\n") == 1 for mode in MODES)
    assert "`oracle` is a ceiling" in markdown and "## Retrieval" in markdown and "| held-out | 8 |" in markdown
    assert markdown.count("| finetuned |") == 4 + 3, "a metric row per mode, 3 examples"
    assert all(markdown.count(f"| {model} |") == 2 + 3 for model in ("base", "zephyr")), "2 modes, 3 examples"
    assert markdown.count("**Q: ") == 3 and "| model | closed-book | retrieved | oracle | follow-up |" in markdown
    for plot in ("metrics.png", "length_vs_score.png"):
        with Image.open(out / plot) as image:
            assert image.size[0] >= 2 * 700 and image.size[1] >= 500, "one panel per mode"
            assert len(set(image.convert("L").getdata())) > 20  # drawn, not blank
    answers = [json.loads(line) for line in (out / "answers.jsonl").read_text().splitlines()]
    assert len(answers) == (4 + 2 + 2) * 8 + 80, "and the first model's answers to the 80 visitor questions"
    assert {answer["mode"] for answer in answers} == set(MODES)
    retrieval = results["retrieval"]["held-out"]
    assert retrieval["questions"] == 8 and 0 <= retrieval["hit@1"] <= retrieval["hit@3"] <= 1
    assert results["retrieval"]["visitor"]["questions"] == 67
    visitor = results["visitor"]
    assert visitor["model"] == "finetuned" and visitor["questions"] == 80 and visitor["not_answered_by_the_site"] == 13
    assert 0 <= visitor["abstention"] <= 1 and 0 <= visitor["false_abstention"] <= 1
    assert visitor["abstention_threshold"] == results["abstention_threshold"] is not None
    assert set(visitor["answerable_scores"]) == {"rouge_l", "semantic_similarity"}
    assert all(0 <= s["low"] <= s["mean"] <= s["high"] <= 1 for s in visitor["answerable_scores"].values())
    gated = [answer for answer in answers if answer["stop_reason"] == "abstained"]
    assert len(gated) == visitor["abstained_without_generation"], "only the visitor questions met the gate here"
    assert all(is_abstention(answer["answer"]) and answer["new_tokens"] == 0 for answer in gated)
    assert "## Visitor questions" in markdown and "Its answers to the 67 questions the site answers" in markdown
    saved = json.loads((out / "results.json").read_text())
    assert saved["questions"] == 8 and saved["decoding"] == {
        "max_new_tokens": 48,
        "repetition_penalty": 1.0,
        "answer_no_repeat_ngram_size": 6,
        "history_no_repeat_ngram_size": 6,
        "loop_window_words": 18,
    }


def test_each_mode_puts_into_the_prompt_what_the_chat_would(report, qa_dataset_dir):
    """retrieved: the passages the chat's retrieval picks; oracle: the question's own passage first; follow-up: the
    previous question (its answer stays in the history, out of the prompt), then the chat's passages; closed-book:
    none."""
    from cazton_llm.dataset_loading import load_qa_dataset
    from cazton_llm.retrieval import load_knowledge

    out, _, _ = report
    rows = list(load_qa_dataset(qa_dataset_dir, split="test"))[:8]
    knowledge = load_knowledge(str(qa_dataset_dir))
    answers = [json.loads(line) for line in (out / "answers.jsonl").read_text().splitlines()]
    prompts = {(a["mode"], a["id"]): a["prompt"] for a in answers if a["model"] == "finetuned"}
    for index, row in enumerate(rows):
        previous = rows[index - 1]
        turns = [{"role": "user", "content": previous["question"]}]
        assert "Context:" not in prompts["closed-book", row["id"]]
        assert knowledge.context_for(row["question"])[0].passage in prompts["retrieved", row["id"]]
        oracle = prompts["oracle", row["id"]]
        assert oracle.index(row["passage"]) <= oracle.index(knowledge.context_for(row["question"])[0].passage)
        follow_up = prompts["follow-up", row["id"]]
        assert knowledge.context_for(row["question"], turns)[0].passage in follow_up
        earlier_line = f"Earlier questions: {previous['question']}\n\nContext: "
        assert earlier_line in follow_up, "the previous question, not its answer, then the passages"
        assert follow_up.index(earlier_line) < follow_up.rindex(row["question"])
    visitor_prompts = {a["id"]: a["prompt"] for a in answers if a["id"].startswith("visitor/")}
    follow_up = visitor_prompts["visitor/v03"]  # "are they still running it?" after "who started the company …"
    assert follow_up.index("who started the company and when") < follow_up.index("are they still running it?")


def test_each_model_is_prompted_in_its_own_format(report, chat_model_dir, tiny_base_dir):
    from transformers import AutoTokenizer

    from cazton_llm.prompt_format import prepare_tokenizer, render_prompt

    chat = prepare_tokenizer(AutoTokenizer.from_pretrained(chat_model_dir))
    ours = prepare_tokenizer(AutoTokenizer.from_pretrained(tiny_base_dir))
    assert render_prompt(chat, "Q?", company="Northwind Forge").startswith("<|system|>\nYou are the assistant of North")
    assert render_prompt(ours, "Q?", company="Northwind Forge") == "User: Q?\nAssistant:"
    assert render_prompt(ours, "Q?", "P.", "Northwind Forge") == "User: Context: P.\n\nQuestion: Q?\nAssistant:"


def test_rerun_regenerates_nothing_and_new_models_or_settings_generate_only_their_answers(report, tmp_path):
    # On a copy of the first run: the other tests read the module's report as that run left it.
    first_out, first_config, results = report
    out = Path(shutil.copytree(first_out, tmp_path / "benchmark"))
    config = dataclasses.replace(first_config, out=out)
    lines_before = (out / "answers.jsonl").read_text().count("\n")
    assert run_benchmark(config)["metrics"] == results["metrics"]
    assert (out / "answers.jsonl").read_text().count("\n") == lines_before
    config.models = {**config.models, "base-again": config.models["base"]}
    run_benchmark(config)
    assert (out / "answers.jsonl").read_text().count("\n") == lines_before + 2 * 8, "closed-book and retrieved"
    longer = dataclasses.replace(config, models={"base": config.models["base"]}, modes=["oracle"], max_new_tokens=49)
    assert run_benchmark(longer)["modes"] == ["oracle"]
    new = 3 * 8 + 80  # new decoding, new answers; base is the first model now, so it answers the visitor set too
    assert (out / "answers.jsonl").read_text().count("\n") == lines_before + new


def test_model_card_gets_a_model_index(report, tiny_adapter_dir, tmp_path):
    from huggingface_hub import RepoCard

    _, _, results = report
    card_dir = tmp_path / "adapter"
    shutil.copytree(tiny_adapter_dir, card_dir)
    update_model_card(card_dir, "finetuned", results)
    text = (card_dir / "README.md").read_text()
    front = RepoCard(text).data.to_dict()
    (result,) = front["model-index"][0]["results"]
    assert result["dataset"]["name"] == results["dataset"] and result["dataset"]["split"] == results["split"]
    metrics = {(metric["config"], metric["type"]) for metric in result["metrics"]}
    assert {config for config, _ in metrics} == set(MODES)
    assert {name for config, name in metrics if config == "retrieved"} == {
        "rouge_l",
        "semantic_similarity",
        "faithfulness",
        "clean_stop",
    }
    retrieved = [metric for metric in result["metrics"] if metric["config"] == "retrieved"]
    rouge = next(metric for metric in retrieved if metric["type"] == "rouge_l")
    assert rouge["value"] == round(results["metrics"]["retrieved"]["finetuned"]["rouge_l"]["mean"], 4)
    assert front["library_name"] == "peft" and "PeftModel.from_pretrained" in text


@pytest.mark.parametrize("spec", ["finetuned", "finetuned=/no/such/base", "finetuned=base+"])
def test_wrong_model_spec_is_a_one_line_error(qa_dataset_dir, tmp_path, capfd, spec):
    argv = ["-m", "benchmark", "--dataset", str(qa_dataset_dir), "--model", spec, "--out", str(tmp_path / "out")]
    result = run_entry_point(argv, capfd)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_an_abstention_is_recorded_as_the_answer_without_generating():
    """A question the chat's relevance gate turns away costs no generation; the others of its batch are generated."""
    from benchmark.generation import answered
    from cazton_llm.chat_prompt import ChatTurn
    from cazton_llm.decoding import Decoding

    abstention = "The Northwind Forge website does not say. You can ask Northwind Forge directly: http://x/contact"
    results = answered(None, None, Decoding(), [ChatTurn("the prompt", [], abstention)], [[]])
    assert results == [(abstention, "abstained", 0, 0.0, None)]


def test_a_models_own_refusal_is_recorded_as_the_chat_gives_it(tiny_base_dir, qa_dataset_dir, monkeypatch):
    """The benchmark records what the visitor gets: a model that says the website does not say (here cut short,
    with a link of its own) is recorded with the chat's answer and the crawled contact page, as generated."""
    from benchmark.generation import answered
    from cazton_llm.chat_prompt import chat_prompt
    from cazton_llm.decoding import Decoding
    from cazton_llm.model_loading import load_for_inference
    from cazton_llm.retrieval import load_knowledge
    from tests.forced_answer import make_say

    model, tokenizer = load_for_inference(str(tiny_base_dir), device="cpu")
    knowledge = load_knowledge(str(qa_dataset_dir))
    question = "How much does a discovery sprint cost?"
    turn = chat_prompt(tokenizer, knowledge, question, [], company="Northwind Forge", max_prompt_tokens=1000)
    assert turn.abstention is None, "not the gate's: the model answers it"
    make_say(model, tokenizer, "The website does not say. Ask at http://elsewhere.example/form", monkeypatch)
    ((answer, stop_reason, new_tokens, _, _),) = answered(model, tokenizer, Decoding(), [turn], [[]])
    assert answer == turn.refusal and knowledge.contact.url in answer and "elsewhere" not in answer
    assert stop_reason == "eos" and new_tokens > 0


def test_the_report_says_when_oracle_is_no_ceiling_for_a_model():
    def rouge(mean):
        return {"rouge_l": {"mean": mean, "low": mean, "high": mean}}

    metrics = {
        "retrieved": {"finetuned": rouge(0.479), "base": rouge(0.19)},
        "oracle": {"finetuned": rouge(0.357), "base": rouge(0.25)},
    }
    assert ceilings_not_held(metrics) == {
        "finetuned": "`oracle` ROUGE-L 0.357 is below `retrieved` 0.479: for this model it is no ceiling"
    }
    assert ceilings_not_held({"retrieved": metrics["retrieved"]}) == {}

"""Offline chain to a dataset folder, legacy CSV import, human review, and bad input."""

import csv
import json
import random
import re
from dataclasses import replace

import pytest
from datasets import load_dataset
from huggingface_hub import DatasetCard

from cazton_llm.dataset_loading import load_qa_dataset
from cazton_llm.qa_schema import normalize_question
from dataset_builder.build import build_dataset
from dataset_builder.clean import clean_qa
from dataset_builder.config import BuildConfig, CleanConfig, GenerateConfig
from dataset_builder.generate import generate_qa
from dataset_builder.import_csv import import_csv
from dataset_builder.offline import sentences


def test_folder_is_laid_out_like_the_hub_repo_and_loads_both_splits(qa_dataset_dir):
    files = sorted(str(p.relative_to(qa_dataset_dir)) for p in qa_dataset_dir.rglob("*") if p.is_file())
    shard = r"(data|text|passages)/(test|train)-00000-of-00001-[0-9a-f]{16}\.parquet"  # named by a content digest
    assert files[:2] == ["README.md", "build_summary.json"] and len(files) == 7
    assert all(re.fullmatch(shard, name) for name in files[2:])
    dataset = load_dataset(str(qa_dataset_dir))
    train, test = dataset["train"], dataset["test"]
    assert train.num_rows >= 50 and test.num_rows >= 8
    assert not {row["source_url"] for row in train} & {row["source_url"] for row in test}
    row = train[0]
    assert row["messages"] == [
        {"role": "user", "content": row["question"]},
        {"role": "assistant", "content": row["answer"]},
    ]
    text = load_dataset(str(qa_dataset_dir), "text")["train"][0]["text"]
    assert text.startswith("question: ") and "\nanswer: " in text
    card = DatasetCard.load(qa_dataset_dir / "README.md")
    assert card.data.pretty_name == "Website QA" and card.text.lstrip().startswith("# Website QA\n")
    assert [config["config_name"] for config in card.data.configs] == ["default", "text", "passages"]
    assert card.data.license == "other" and card.data.size_categories == ["n<1K"]
    assert f"train {train.num_rows} pairs, test {test.num_rows} pairs" in card.text
    # No Hub id yet: the snippet loads the folder, and links only what exists.
    assert f'load_dataset("{qa_dataset_dir}")' in card.text and "http" not in card.text
    cleaning = json.loads((qa_dataset_dir.parent / "clean_report.json").read_text())  # given as --clean-report
    assert f"Cleaning: {cleaning['input_pairs']} generated pairs, {cleaning['kept']} kept" in card.text


def test_passages_config_holds_every_crawled_passage_with_training_questions_only(qa_dataset_dir, pages_path, tmp_path):
    from cazton_llm.page_schema import read_pages
    from dataset_builder.passages import all_passages
    from dataset_builder.prompts import looks_like_injection

    passages = load_dataset(str(qa_dataset_dir), "passages", split="train")
    crawled = [passage for passage in all_passages(read_pages(pages_path)) if not looks_like_injection(passage.text)]
    assert len(crawled) < len(all_passages(read_pages(pages_path))), "the fixture's injected page is left out"
    assert [(row["url"], row["passage"]) for row in passages] == [(p.source_url, p.text) for p in crawled]
    qa = load_dataset(str(qa_dataset_dir))
    indexed = {question for row in passages for question in row["questions"]}
    assert indexed == set(qa["train"]["question"]), "every training question, and no held-out one"
    left_out = "http://127.0.0.1:8765/faq.html"  # built again without this page's pairs
    all_rows = [row for split in qa.values() for row in split]
    assert left_out in {row["source_url"] for row in all_rows}, "the page had pairs to leave out"
    rows = [row for row in all_rows if row["source_url"] != left_out]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    build_dataset(BuildConfig(qa=tmp_path / "qa.jsonl", pages=pages_path, out=tmp_path / "built"))
    rebuilt = load_dataset(str(tmp_path / "built"), "passages", split="train")
    assert left_out in rebuilt["url"], "passages that kept no pair are knowledge too"
    card = DatasetCard.load(qa_dataset_dir / "README.md")
    assert f'load_dataset("{qa_dataset_dir}", "passages", split="train")' in card.text
    assert f"({len(passages)} passages)" in card.text


def test_offline_generation_is_deterministic_and_grounded(pages_path, tmp_path):
    first = generate_qa(GenerateConfig(pages=pages_path, out=tmp_path / "a.jsonl", generator="offline"))
    second = generate_qa(
        GenerateConfig(pages=pages_path, out=tmp_path / "b.jsonl", generator="offline", cache_dir=tmp_path / "c")
    )
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    assert first["pairs"] > 60 and first["tokens_in"] == 0
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert all(sentence in row["passage"] for row in rows for sentence in sentences(row["answer"]))  # quoted
    assert second["flagged_injection"] == ["http://127.0.0.1:8765/security-notice.html"]


def test_offline_pairs_made_for_another_company_are_not_reused_from_the_cache(pages_path, tmp_path):
    """The company's name changes the offline generator's questions, so it is part of each passage's cache key."""

    def questions(company: str | None) -> set[str]:
        config = GenerateConfig(pages=pages_path, out=tmp_path / "qa.jsonl", generator="offline", company=company)
        generate_qa(replace(config, cache_dir=tmp_path / "cache"))
        return {json.loads(line)["question"] for line in (tmp_path / "qa.jsonl").read_text().splitlines()}

    unnamed, named = questions(None), questions("Northwind Forge")
    assert "What is Northwind Forge?" in unnamed - named, "the partners page, asked about its topic"
    assert questions(None) == unnamed


def test_split_is_deterministic_by_seed(qa_dataset_dir, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(row) + "\n" for row in load_dataset(str(qa_dataset_dir))["train"]))
    build_dataset(BuildConfig(qa=qa, out=tmp_path / "one", seed=1))
    build_dataset(BuildConfig(qa=qa, out=tmp_path / "two", seed=1))
    build_dataset(BuildConfig(qa=qa, out=tmp_path / "three", seed=2))
    tests = [load_qa_dataset(tmp_path / name)["test"]["id"] for name in ("one", "two", "three")]
    assert tests[0] == tests[1] != tests[2]


def test_rows_come_in_the_same_order_whatever_order_the_crawl_wrote_them(qa_dataset_dir, tmp_path):
    """Training shuffles with its seed, so a reproducible run needs the same row order from the same pairs."""
    rows = [json.dumps(row) + "\n" for row in load_dataset(str(qa_dataset_dir))["train"]]
    for name, order in (("crawled", rows), ("reversed", rows[::-1])):
        (tmp_path / f"{name}.jsonl").write_text("".join(order))
        build_dataset(BuildConfig(qa=tmp_path / f"{name}.jsonl", out=tmp_path / name))
    crawled, reversed_ = (load_qa_dataset(tmp_path / name) for name in ("crawled", "reversed"))
    assert crawled["train"]["id"] == reversed_["train"]["id"] and crawled["test"]["id"] == reversed_["test"]["id"]


def write_legacy_csv(path, rows, header):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_legacy_csv_with_1300_pairs_imports_cleans_and_builds(tmp_path):
    rng = random.Random(1)
    services = ["Azure", "Kubernetes", "React", "Python", "Security"]
    vocabulary = [f"term{n}" for n in range(5000)]
    pairs = []
    for n in range(1300):
        service = services[n % 5]
        question = f"How does {service} handle {' '.join(rng.sample(vocabulary, 5))}?"
        pairs.append((f" {question}", f" Lesson {n} covers {service} topic {n}\nwith hands-on labs.", service))
    duplicates = [pairs[n] for n in range(0, 1300, 13)]
    write_legacy_csv(
        tmp_path / "a.csv", [(n, *p) for n, p in enumerate(pairs[:700])], ["", "questions", "answers", "service"]
    )
    write_legacy_csv(tmp_path / "b.csv", [p[:2] for p in pairs[700:] + duplicates], ["question", "answer"])
    assert import_csv([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "qa.jsonl") == 1300 + len(duplicates)
    report = clean_qa(CleanConfig(qa=tmp_path / "qa.jsonl", out=tmp_path / "clean.jsonl"))
    assert report["dropped"]["duplicate"] + report["dropped"]["near_duplicate"] >= len(duplicates)
    build_dataset(BuildConfig(qa=tmp_path / "clean.jsonl", out=tmp_path / "legacy-dataset"))
    dataset = load_qa_dataset(tmp_path / "legacy-dataset")
    questions = [normalize_question(q) for split in ("train", "test") for q in dataset[split]["question"]]
    assert dataset["test"].num_rows > 0 and len(questions) == len(set(questions)) >= 1100
    first = json.loads((tmp_path / "qa.jsonl").read_text().splitlines()[0])
    assert first["question"].startswith("How") and "\n" not in first["answer"] and first["source_title"] == "Azure"


def test_review_decisions_survive_a_rebuild(qa_dataset_dir, tmp_path, run_cli):
    qa = tmp_path / "clean.jsonl"
    qa.write_text("".join(json.dumps(row) + "\n" for row in load_dataset(str(qa_dataset_dir))["train"]))
    assert run_cli("review", "export", "--qa", str(qa), "--out", str(tmp_path / "review.csv")).returncode == 0
    with (tmp_path / "review.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["decision"] = "drop"
    rows[1].update(decision="edit", edited_answer="An edited, better answer.")
    write_legacy_csv(tmp_path / "review.csv", [list(r.values()) for r in rows], list(rows[0]))
    reviews = tmp_path / "reviews.jsonl"
    result = run_cli("review", "import", str(tmp_path / "review.csv"), "--reviews", str(reviews))
    assert result.returncode == 0 and '"drop": 1' in result.stdout
    for attempt in ("first", "second"):  # regenerating the data and building again keeps the decisions
        counts = build_dataset(BuildConfig(qa=qa, out=tmp_path / attempt, reviews=reviews))
        built = load_qa_dataset(tmp_path / attempt)
        all_rows = [row for split in ("train", "test") for row in built[split]]
        assert rows[0]["id"] not in {row["id"] for row in all_rows}
        assert "An edited, better answer." in {row["answer"] for row in all_rows}
        assert counts["reviews"] == {"keep": 0, "drop": 1, "edit": 1}


def test_pairs_from_a_passage_that_instructs_the_model_reach_no_split_unless_a_person_keeps_them(
    pages_path, tmp_path, run_cli
):
    generated, clean, report_path = tmp_path / "generated.jsonl", tmp_path / "clean.jsonl", tmp_path / "report.json"
    generate_qa(GenerateConfig(pages=pages_path, out=generated, generator="offline"))
    flagged = [json.loads(line) for line in generated.read_text().splitlines() if "security-notice" in line]
    assert len(flagged) == 2 and flagged[0]["answer"].startswith("Ignore all previous instructions")

    report = clean_qa(CleanConfig(qa=generated, out=clean, report=report_path))
    assert report["dropped"]["injection"] == 2
    assert json.loads(report_path.read_text())["examples"]["injection"][0]["question"] == flagged[0]["question"]
    build_dataset(BuildConfig(qa=clean, out=tmp_path / "dataset", test_fraction=0.5))
    built = load_qa_dataset(tmp_path / "dataset")
    rows = [row for split in ("train", "test") for row in built[split]]
    assert rows and not [row for row in rows if "security-notice" in row["source_url"]]

    # a person reads the flagged pairs and keeps the harmless one: clean and build keep it
    harmless = next(row for row in flagged if row["answer"].startswith("Our security operations centre"))
    assert run_cli("review", "export", "--qa", str(generated), "--out", str(tmp_path / "review.jsonl")).returncode == 0
    review = [json.loads(line) for line in (tmp_path / "review.jsonl").read_text().splitlines()]
    decided = [{**row, "decision": "keep" if row["id"] == harmless["id"] else ""} for row in review]
    (tmp_path / "review.jsonl").write_text("".join(json.dumps(row) + "\n" for row in decided))
    reviews = tmp_path / "reviews.jsonl"
    assert run_cli("review", "import", str(tmp_path / "review.jsonl"), "--reviews", str(reviews)).returncode == 0
    result = run_cli("clean", "--qa", str(generated), "--out", str(clean), "--reviews", str(reviews))
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "clean_report.json").read_text())["dropped"]["injection"] == 1
    build_dataset(BuildConfig(qa=clean, out=tmp_path / "reviewed", reviews=reviews, test_fraction=0.5))
    built = load_qa_dataset(tmp_path / "reviewed")
    kept = [row for split in ("train", "test") for row in built[split] if "security-notice" in row["source_url"]]
    assert [row["id"] for row in kept] == [harmless["id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "--pages", "{tmp}/missing.jsonl", "--out", "{tmp}/qa.jsonl", "--generator", "offline"],
         "pages file '{tmp}/missing.jsonl' not found"),
        (["generate", "--pages", "{tmp}/empty.jsonl", "--out", "{tmp}/qa.jsonl", "--generator", "offline"],
         "is empty"),
        (["generate", "--pages", "{tmp}/wrong.csv", "--out", "{tmp}/qa.jsonl", "--generator", "offline"],
         "wrong.csv:1: field 'title' is missing (expected a scraper page)"),
        (["import-csv", "{tmp}/wrong.csv", "--out", "{tmp}/qa.jsonl"], "needs question(s) and answer(s) columns"),
        (["clean", "--qa", "{tmp}/missing.jsonl", "--out", "{tmp}/clean.jsonl"], "not found"),
        (["build", "--qa", "{tmp}/empty.jsonl", "--out", "{tmp}/ds"], "has no pairs"),
        (["build", "--qa", "{tmp}/empty.jsonl", "--out", "{tmp}/ds", "--clean-report", "{tmp}/report.json"],
         "clean report '{tmp}/report.json' not found: run `python -m dataset_builder clean` first"),
        (["build", "--qa", "{tmp}/empty.jsonl", "--out", "{tmp}/ds", "--push-to-hub", "not a repo"],
         "invalid Hub repo id"),
        (["generate", "--pages", "{tmp}/empty.jsonl", "--out", "{tmp}/qa.jsonl", "--generator", "llama"],
         "argument --generator: invalid choice: 'llama' (choose from 'openai', 'offline')"),
    ],
)  # fmt: off
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message, run_cli):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "wrong.csv").write_text('{"url": "x", "text": "t"}\n')
    before = set(tmp_path.iterdir())
    result = run_cli(*[arg.format(tmp=tmp_path) for arg in args])
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message.format(tmp=tmp_path) in result.stderr
    assert set(tmp_path.iterdir()) == before


@pytest.mark.parametrize("case", ["one page", "--test-fraction 0"])
def test_without_pages_to_hold_out_every_pair_goes_to_train_with_a_notice(qa_dataset_dir, tmp_path, capsys, case):
    from dataset_builder.cli import main

    rows = list(load_dataset(str(qa_dataset_dir))["train"])
    if case == "one page":
        rows = [row for row in rows if row["source_url"] == rows[0]["source_url"]]
    (tmp_path / "qa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    fraction = ["--test-fraction", "0"] if case == "--test-fraction 0" else []
    main(["build", "--qa", str(tmp_path / "qa.jsonl"), "--out", str(tmp_path / "dataset"), *fraction])
    out = capsys.readouterr().out
    assert "notice: no test split" in out
    built = load_qa_dataset(tmp_path / "dataset")
    assert list(built) == ["train"] and sorted(built["train"]["id"]) == sorted(row["id"] for row in rows)
    assert load_qa_dataset(tmp_path / "dataset", "text")["train"].num_rows == len(rows)

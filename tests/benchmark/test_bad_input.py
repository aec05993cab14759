"""The benchmark given bad options, model folders or answers: one `error:` line naming the option or file, exit 2,
nothing written; an answers file cut short by a kill is resumed; a metric without its data is n/a."""

import json
import shutil
from pathlib import Path

import pytest

from benchmark.cli import main
from dataset_builder.build import build_dataset
from dataset_builder.config import BuildConfig
from dataset_builder.import_csv import import_csv
from tests.bad_input import assert_refused

ANSWER = {
    "model": "base",
    "mode": "closed-book",
    "answers_key": "0123456789abcdef",
    "id": "0123456789abcdef",
    "answer": "We build software.",
    "stop_reason": "eos",
    "new_tokens": 4,
    "seconds": 0.1,
    "batch_tokens_per_s": 40.0,
}


@pytest.fixture(scope="module")
def lora_dir(tiny_base_dir, tmp_path_factory) -> Path:
    """An untrained rank-4 LoRA adapter of the tiny base, as `save_pretrained` writes it."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    folder = tmp_path_factory.mktemp("lora") / "adapter"
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_base_dir), config).save_pretrained(folder)
    return folder


class Models:
    """Copies of the tiny base and adapter under the test's folder, to damage."""

    def __init__(self, folder: Path, base: Path, adapter: Path):
        self.folder, self.base, self.adapter = folder, base, adapter

    def copy(self, source: Path, name: str) -> Path:
        return Path(shutil.copytree(source, self.folder / name))

    def base_with(self, damage) -> str:
        base = self.copy(self.base, "base")
        damage(base / "model.safetensors")
        return str(base)

    def adapter_with(self, damage) -> str:
        adapter = self.copy(self.adapter, "adapter")
        damage(adapter)
        return f"{self.base}+{adapter}"


def half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def rank_8(adapter: Path) -> None:
    config = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps({**config, "r": 8}))


@pytest.mark.parametrize(
    ("spec_and_options", "message"),
    [
        (lambda m: ["--model", f"base={m.base}", "--max-new-tokens", "0"],
         "--max-new-tokens: input should be greater than or equal to 1, got 0"),
        (lambda m: ["--model", f"base={m.base}", "--batch-size", "0"],
         "--batch-size: input should be greater than or equal to 1, got 0"),
        (lambda m: ["--model", f"base={m.base}", "--limit", "0"],
         "--limit: input should be greater than or equal to 1, got 0"),
        (lambda m: ["--model", f"base={m.base}", "--model", f"base={m.base}+{m.adapter}"],
         "--model base is given twice: give each model its own name"),
        (lambda m: ["--model", f"base={m.base}@@"],
         "@@': '@' must be followed by one revision (a branch, tag or commit)"),
        (lambda m: ["--model", f"base={m.base_with(half)}"],
         "model.safetensors is not a readable safetensors file (Error while deserializing header: incomplete metadata"),
        (lambda m: ["--model", f"base={m.base_with(lambda path: path.write_bytes(b'not safetensors'))}"],
         "model.safetensors is not a readable safetensors file"),
        (lambda m: ["--model", f"base={m.base_with(lambda path: path.unlink())}"],
         "has no model weights (*.safetensors): give the folder save_pretrained wrote"),
        (lambda m: ["--model", f"tuned={m.adapter_with(lambda a: (a / 'adapter_model.safetensors').unlink())}"],
         "has no adapter weights (adapter_model.safetensors): give the folder save_pretrained wrote"),
        (lambda m: ["--model", f"tuned={m.adapter_with(lambda a: half(a / 'adapter_model.safetensors'))}"],
         "adapter_model.safetensors is not a readable safetensors file"),
        (lambda m: ["--model", f"tuned={m.adapter_with(rank_8)}"],
         "its weights do not fit its adapter_config.json or this base (size mismatch for "),
    ],
)  # fmt: off
def test_bad_options_and_model_folders_are_one_line(
    qa_dataset_dir, tiny_base_dir, lora_dir, tmp_path, capsys, spec_and_options, message
):
    options = spec_and_options(Models(tmp_path, tiny_base_dir, lora_dir))
    argv = ["--dataset", str(qa_dataset_dir), "--out", str(tmp_path / "report"), *options]
    assert_refused(main, argv, tmp_path, capsys, message)


def test_a_bad_line_in_the_answers_file_is_named(qa_dataset_dir, tiny_base_dir, tmp_path, capsys):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "answers.jsonl").write_text(json.dumps({**ANSWER, "new_tokens": "four"}) + "\n")
    argv = ["--dataset", str(qa_dataset_dir), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path / "report")]
    assert_refused(main, argv, tmp_path, capsys, "answers.jsonl:1: field 'new_tokens' should be a valid integer")


def test_an_answer_cut_short_by_a_kill_is_skipped_and_answered_again(qa_dataset_dir, tiny_base_dir, tmp_path, capsys):
    argv = ["--dataset", str(qa_dataset_dir), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path)]
    argv += ["--limit", "3", "--max-new-tokens", "8"]
    main(argv)
    answers = tmp_path / "answers.jsonl"
    complete = answers.read_text().splitlines()
    answers.write_text("\n".join(complete[:2]) + "\n" + complete[2][:40])  # killed while writing the third
    capsys.readouterr()
    main(argv)
    assert f"{answers}:3: skipped a half-written answer" in capsys.readouterr().out
    assert [json.loads(line)["id"] for line in answers.read_text().splitlines()] == [
        json.loads(line)["id"] for line in complete
    ]


@pytest.fixture(scope="module")
def dataset_without_passages(tmp_path_factory) -> Path:
    """A dataset built from the original project's CSV: questions and answers, no source passage."""
    folder = tmp_path_factory.mktemp("csv-dataset")
    rows = [f"What does course {n} cover?,Course {n} covers topic {n} with labs." for n in range(20)]
    (folder / "qa.csv").write_text("question,answer\n" + "\n".join(rows) + "\n")
    import_csv([folder / "qa.csv"], folder / "qa.jsonl")
    build_dataset(BuildConfig(qa=folder / "qa.jsonl", out=folder / "dataset"))
    return folder / "dataset"


def test_faithfulness_without_passages_is_na_and_the_report_says_why(dataset_without_passages, tiny_base_dir, tmp_path):
    argv = ["--dataset", str(dataset_without_passages), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path)]
    main([*argv, "--max-new-tokens", "8"])
    results = json.loads((tmp_path / "results.json").read_text())
    faithfulness = results["metrics"]["closed-book"]["base"]["faithfulness"]
    assert faithfulness == {"mean": None, "low": None, "high": None}
    assert results["metrics"]["closed-book"]["base"]["rouge_l"]["mean"] is not None
    report = (tmp_path / "report.md").read_text()
    assert "| n/a |" in report
    assert "faithfulness is n/a: no question of this dataset has a source passage" in report


def test_oracle_mode_without_passages_is_refused(dataset_without_passages, tiny_base_dir, tmp_path, capsys):
    argv = ["--dataset", str(dataset_without_passages), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path)]
    assert_refused(
        main,
        [*argv, "--modes", "closed-book", "oracle"],
        tmp_path,
        capsys,
        "--modes oracle puts each question's source passage in the prompt, and no question of",
    )


VISITOR = {"id": "v01", "question": "what do u guys do", "pages": ["/"], "answer": "Software.", "answerable": True}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps(VISITOR) + '\n{"id": "v02", "question": "who sta',
         "visitors.jsonl:2: not valid JSON (EOF while parsing a string at column 34): the line is cut short"),
        (json.dumps({**VISITOR, "pages": "/"}) + "\n",
         "visitors.jsonl:1: field 'pages' should be a valid array, got \"/\""),
        (json.dumps({key: value for key, value in VISITOR.items() if key != "question"}) + "\n",
         "visitors.jsonl:1: field 'question' is missing (expected a visitor question)"),
        (json.dumps(VISITOR) + "\nv02: who started the company?\n",
         "visitors.jsonl:2: not valid JSON (expected value at column 1)"),
    ],
    ids=["cut-line", "wrong-type", "missing-field", "not-json"],
)  # fmt: off
def test_a_bad_visitor_questions_file_is_named_by_file_and_line(
    qa_dataset_dir, tiny_base_dir, tmp_path, capsys, content, message
):
    (tmp_path / "visitors.jsonl").write_text(content)
    argv = ["--dataset", str(qa_dataset_dir), "--model", f"base={tiny_base_dir}", "--out", str(tmp_path / "report")]
    assert_refused(main, [*argv, "--visitor-questions", str(tmp_path / "visitors.jsonl")], tmp_path, capsys, message)

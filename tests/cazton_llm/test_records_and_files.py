"""QA record identity, atomic writes and model specs."""

import pytest

from cazton_llm.atomic import atomic_dir, write_jsonl
from cazton_llm.errors import UserError
from cazton_llm.input_files import read_jsonl
from cazton_llm.model_loading import ModelRef, ModelSpec
from cazton_llm.qa_schema import QA_FIELDS, QARecord, normalize_question, question_key


def test_question_key_is_stable_across_case_space_and_punctuation():
    assert question_key("What does Northwind  offer?") == question_key(" what does northwind offer ")
    assert question_key("What does Northwind offer?") != question_key("Where is Northwind?")
    assert normalize_question("What's  NEW?\n") == "what s new"


def test_record_round_trip_keeps_provenance_and_ignores_unknown_columns():
    record = QARecord(question="Q?", answer="A.", source_url="http://x/a", passage="A.", generator="offline")
    row = record.to_dict()
    assert tuple(row) == QA_FIELDS
    assert QARecord.from_dict({**row, "extra": 1}) == record


def test_failed_jsonl_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "qa.jsonl"
    write_jsonl(path, [{"n": 1}])

    def broken_records():
        yield {"n": 2}
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_jsonl(path, broken_records())
    assert list(read_jsonl(path)) == [{"n": 1}]
    assert [item.name for item in tmp_path.iterdir()] == ["qa.jsonl"]


def test_atomic_dir_appears_only_complete(tmp_path):
    target = tmp_path / "adapter"
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "half.bin").write_bytes(b"x")
        raise RuntimeError("killed")
    assert not target.exists()
    with atomic_dir(target) as tmp:
        (tmp / "done.bin").write_bytes(b"x")
        (tmp / "done.bin").chmod(0o600)  # as safetensors writes its files
    assert [item.name for item in target.iterdir()] == ["done.bin"]
    assert (target / "done.bin").stat().st_mode & 0o777 == 0o644, "readable like any other output"
    assert [item.name for item in tmp_path.iterdir()] == ["adapter"]


def test_model_specs_parse_bases_adapters_and_revisions():
    spec = ModelSpec.parse("microsoft/phi-1_5@abc123+me/cazton-lora@v2")
    assert spec.base == ModelRef("microsoft/phi-1_5", "abc123")
    assert spec.adapter == ModelRef("me/cazton-lora", "v2")
    assert str(spec) == "microsoft/phi-1_5@abc123+me/cazton-lora@v2"
    assert ModelSpec.parse("HuggingFaceH4/zephyr-7b-beta").adapter is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base+", "ends with"),
        ("+adapter", "empty model name"),
        ("base@@", "'@' must be followed by one revision"),
        ("base@main+adapter@", "'@' must be followed by one revision"),
    ],
)
def test_bad_model_specs_are_user_errors(text, message):
    with pytest.raises(UserError, match=message):
        ModelSpec.parse(text)


def test_missing_local_model_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        ModelRef.parse(str(tmp_path / "nothing")).check()

"""A damaged base model or adapter folder (a config, adapter config or tokenizer file cut short or overwritten, the
weights cut short) given to the benchmark, training or the Space: one `error:` line naming the file and saying to
copy the folder again, exit 2, no traceback, before any model or dataset loads. The folders are copies of the
tiny base (and of an untrained LoRA adapter of it, saved with its tokenizer, as training saves one). Each case runs
the entry point's `main` in this process; tests/cazton_llm/test_damaged_dataset.py and tests/test_quiet_commands.py
run the real processes."""

import json
import shutil
from pathlib import Path

import pytest

from tests.cazton_llm.entry_points import commands, refusal_line


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def overwritten(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


# folder, file, damage, what the error line says after the file's path
DAMAGES = {
    "base config.json cut short": ("base", "config.json", cut_short, ": not valid JSON ("),
    "base config.json a list": ("base", "config.json", lambda path: path.write_text("[]"), ": expected a JSON object"),
    "base tokenizer.json cut short": ("base", "tokenizer.json", cut_short, ": not valid JSON ("),
    "base tokenizer_config.json overwritten": ("base", "tokenizer_config.json", overwritten, ":1: not UTF-8 text"),
    "base model.safetensors cut short": ("base", "model.safetensors", cut_short, " is not a readable safetensors"),
    "adapter_config.json cut short": ("adapter", "adapter_config.json", cut_short, ": not valid JSON ("),
    "adapter tokenizer_config.json cut short": ("adapter", "tokenizer_config.json", cut_short, ": not valid JSON ("),
}


@pytest.fixture(scope="module")
def adapter_dir(tiny_base_dir, tmp_path_factory) -> Path:
    """An untrained rank-4 LoRA adapter of the tiny base, with the base's tokenizer, as `save_pretrained` writes it."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = tmp_path_factory.mktemp("lora") / "adapter"
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
    get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_base_dir), config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_base_dir).save_pretrained(folder)
    return folder


CASES = [
    (damage, entry_point)
    for damage, (folder, *_) in DAMAGES.items()
    for entry_point in ("benchmark", "train", "space")
    if folder == "base" or entry_point != "train"  # training takes no adapter
]


@pytest.mark.parametrize(("damage", "entry_point"), CASES, ids=[f"{e}-{d.replace(' ', '-')}" for d, e in CASES])
def test_a_damaged_model_folder_is_one_line(
    qa_dataset_dir, tiny_base_dir, adapter_dir, tmp_path, capfd, damage, entry_point
):
    which, name, spoil, says = DAMAGES[damage]
    base = Path(shutil.copytree(tiny_base_dir, tmp_path / "base")) if which == "base" else tiny_base_dir
    adapter = Path(shutil.copytree(adapter_dir, tmp_path / "adapter")) if which == "adapter" else None
    spoil((base if which == "base" else adapter) / name)
    error = refusal_line(commands(qa_dataset_dir, base, tmp_path, adapter)[entry_point], capfd)
    damaged = (base if which == "base" else adapter) / name
    assert error.startswith(f"error: {damaged}"), error
    assert says in error and "copy " in error, error
    assert not (tmp_path / "report").exists() and not (tmp_path / "adapter-out").exists()


def broken_front_matter(card: Path) -> None:
    card.write_text(card.read_text().replace("---\n", "---\ndatasets: [\n", 1))


@pytest.mark.parametrize("entry_point", ["benchmark", "space"])
def test_a_damaged_adapter_card_is_one_line(qa_dataset_dir, tiny_base_dir, adapter_dir, tmp_path, capfd, entry_point):
    """The Space reads the adapter's card for its dataset when none is given; the benchmark's --update-model-card
    reads it before any answer is made."""
    adapter = Path(shutil.copytree(adapter_dir, tmp_path / "adapter"))
    broken_front_matter(adapter / "README.md")
    argv = commands(qa_dataset_dir, tiny_base_dir, tmp_path, adapter)[entry_point]
    if entry_point == "space":
        argv = argv[: argv.index("--dataset")]  # no dataset given: the card names it
    else:
        argv += ["--update-model-card", str(adapter), "--card-model", "base"]
    error = refusal_line(argv, capfd)
    assert error.startswith(f"error: {adapter / 'README.md'} is cut short or damaged ("), error
    assert "copy the adapter folder again" in error, error
    assert not (tmp_path / "report").exists()


# adapter_config.json edits that read as JSON and pass the checks before loading, and what the error line says
EDITED_CONFIGS = {
    "fewer target_modules": (
        {"target_modules": ["q_proj"]},
        "of its saved weights are not used with its adapter_config",
    ),
    "more target_modules": ({"target_modules": ["q_proj", "v_proj", "k_proj"]}, "adds layers it has no weights for"),
    "bias a boolean": ({"bias": True}, "peft cannot use a value in its adapter_config.json (AttributeError: "),
    "rank_pattern a string": (
        {"rank_pattern": "x"},
        "peft cannot use a value in its adapter_config.json (AttributeError: ",
    ),
}


@pytest.mark.parametrize("edit", EDITED_CONFIGS)
def test_an_edited_adapter_config_is_one_line(qa_dataset_dir, tiny_base_dir, adapter_dir, tmp_path, capfd, edit):
    """peft loads an adapter whose config names fewer or more modules than its weights without an error, and the
    model would answer as the base does; other edited values fail deep inside peft."""
    changes, says = EDITED_CONFIGS[edit]
    adapter = Path(shutil.copytree(adapter_dir, tmp_path / "adapter"))
    config = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps(config | changes))
    error = refusal_line(commands(qa_dataset_dir, tiny_base_dir, tmp_path, adapter)["benchmark"], capfd)
    assert error.startswith(f"error: cannot load adapter {str(adapter)!r}: "), error
    assert says in error and ("copy the adapter folder again" in error or "another base" in error), error
    assert not (tmp_path / "report").exists()

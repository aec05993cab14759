"""The model card names a local base, adapter or dataset as a path and a Hub one as a link, and its title and
snippet name the adapter by its Hub id when it has one, else by its folder."""

from huggingface_hub import ModelCard

from train.card import adapter_card, card_data, link

SUMMARY = {
    "hyperparameters": {"learning_rate": 0.01},
    "target_modules": ["q_proj", "v_proj"],
    "metrics": {"train_loss": 1.5, "eval_loss": None},
    "prompt_format": "chat",
    "system": None,
}


def test_a_relative_local_base_is_not_linked_to_the_hub(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs" / "demo" / "tiny_base").mkdir(parents=True)
    assert link("outputs/demo/tiny_base") == "`outputs/demo/tiny_base`"
    assert link("microsoft/phi-1_5") == "[microsoft/phi-1_5](https://huggingface.co/microsoft/phi-1_5)"


def test_the_card_names_the_adapter_by_its_folder_until_it_has_a_hub_id():
    local = ModelCard(str(adapter_card(card_data("org/base", None, "mit"), SUMMARY, None, "outputs/demo/adapter")))
    assert local.text.lstrip().startswith("# LoRA adapter in outputs/demo/adapter\n")
    assert 'PeftModel.from_pretrained(model, "outputs/demo/adapter")' in local.text
    assert local.data.base_model == "org/base" and local.data.library_name == "peft" and local.data.datasets is None
    assert "github.com" not in str(local) and "- No eval split." in local.text

    published = ModelCard(str(adapter_card(card_data("org/base", "me/qa", "mit"), SUMMARY, "me/lora", "x", "me/chat")))
    assert published.text.lstrip().startswith("# lora\n") and published.data.datasets == ["me/qa"]
    assert 'PeftModel.from_pretrained(model, "me/lora")' in published.text
    assert "https://huggingface.co/datasets/me/qa" in published.text
    assert "https://huggingface.co/spaces/me/chat" in published.text

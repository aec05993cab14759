"""The model card names a local base as a path and a Hub base as a link."""

from train.card import base_link


def test_a_relative_local_base_is_not_linked_to_the_hub(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs" / "demo" / "tiny_base").mkdir(parents=True)
    assert base_link("outputs/demo/tiny_base") == "`outputs/demo/tiny_base`"
    assert base_link("microsoft/phi-1_5") == "[microsoft/phi-1_5](https://huggingface.co/microsoft/phi-1_5)"

"""The Hub stand-in speaks the protocol the real huggingface_hub, datasets and peft clients expect."""

import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError


def write_folder(folder, files: dict) -> None:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def test_create_upload_download_round_trip(hub, tmp_path):
    api = HfApi()
    repo_id = hub.new_repo_id("round-trip")
    url = api.create_repo(repo_id)
    assert url.repo_id == repo_id and url.startswith(hub.url)
    with pytest.raises(HfHubHTTPError) as conflict:
        api.create_repo(repo_id)
    assert conflict.value.response.status_code == 409
    assert api.create_repo(repo_id, exist_ok=True).repo_id == repo_id

    files = {"config.json": b'{"hidden": 32}', "weights/model.safetensors": bytes(range(256)) * 40}
    write_folder(tmp_path, files)
    commit = api.upload_folder(folder_path=tmp_path, repo_id=repo_id)
    api.upload_file(path_or_fileobj=b"# notes\n", path_in_repo="NOTES.md", repo_id=repo_id)

    assert set(api.list_repo_files(repo_id)) == {".gitattributes", "NOTES.md", *files}
    for name, content in files.items():
        with open(hf_hub_download(repo_id, name, revision=commit.oid), "rb") as handle:
            assert handle.read() == content
    snapshot = snapshot_download(repo_id)
    with open(f"{snapshot}/weights/model.safetensors", "rb") as handle:
        assert handle.read() == files["weights/model.safetensors"]
    with open(f"{snapshot}/NOTES.md") as handle:
        assert handle.read() == "# notes\n"
    assert api.repo_info(repo_id).sha in snapshot
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo_id, "missing.txt")

    uploads = [r for r in hub.requests if r["method"] == "PUT"]
    assert any(r["path"].startswith("/lfs-upload/") for r in uploads)  # the weights went through LFS
    assert all(r["auth"] for r in hub.requests if r["method"] == "POST" and repo_id in r["path"])


def test_space_with_variables_and_whoami(hub, tmp_path):
    api = HfApi()
    assert api.whoami()["name"] == hub.user
    space_id = hub.new_repo_id("space")
    api.create_repo(space_id, repo_type="space", space_sdk="gradio")
    write_folder(tmp_path, {"app.py": b"import gradio\n", "requirements.txt": b"gradio\n"})
    api.upload_folder(folder_path=tmp_path, repo_id=space_id, repo_type="space")
    variables = api.add_space_variable(space_id, "ADAPTER", "owner/adapter")
    assert variables["ADAPTER"].value == "owner/adapter"
    assert api.repo_info(space_id, repo_type="space").sdk == "gradio"
    assert hub.file_content(space_id, "app.py", repo_type="space") == b"import gradio\n"


def test_dataset_folder_loads_by_repo_id(hub, tmp_path):
    from datasets import Dataset, load_dataset

    rows = {
        "train": {"question": ["Where is Cazton?", "What does it do?"], "answer": ["Houston.", "Consulting."]},
        "test": {"question": ["Who founded it?"], "answer": ["Chander Dhall."]},
    }
    for split, columns in rows.items():
        (tmp_path / "data").mkdir(exist_ok=True)
        Dataset.from_dict(columns).to_parquet(tmp_path / "data" / f"{split}-00000-of-00001.parquet")
    (tmp_path / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n"
        "  - split: train\n    path: data/train-*\n  - split: test\n    path: data/test-*\n---\n# QA\n"
    )
    repo_id = hub.new_repo_id("qa")
    HfApi().create_repo(repo_id, repo_type="dataset")
    HfApi().upload_folder(folder_path=tmp_path, repo_id=repo_id, repo_type="dataset")

    loaded = load_dataset(repo_id)
    assert {split: loaded[split].to_dict() for split in loaded} == rows
    assert any(r["path"].startswith(f"/datasets/{repo_id}/resolve/") for r in hub.requests)


def test_peft_adapter_loads_by_repo_id_with_same_logits(hub, tmp_path):
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoModelForCausalLM, AutoTokenizer, PhiConfig, PreTrainedTokenizerFast

    torch.manual_seed(0)
    config = PhiConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
    AutoModelForCausalLM.from_config(config).save_pretrained(tmp_path / "base")
    vocabulary = {word: index for index, word in enumerate(["<unk>", "where", "is", "cazton", "?"])}
    backend = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")

    lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    local_model = get_peft_model(AutoModelForCausalLM.from_pretrained(tmp_path / "base"), lora)
    local_model.save_pretrained(tmp_path / "adapter")
    tokenizer.save_pretrained(tmp_path / "adapter")
    repo_id = hub.new_repo_id("adapter")
    HfApi().create_repo(repo_id)
    HfApi().upload_folder(folder_path=tmp_path / "adapter", repo_id=repo_id)

    hub_tokenizer = AutoTokenizer.from_pretrained(repo_id)
    input_ids = hub_tokenizer("where is cazton ?", return_tensors="pt").input_ids
    assert input_ids.tolist() == [[1, 2, 3, 4]]
    base = AutoModelForCausalLM.from_pretrained(tmp_path / "base")
    with torch.no_grad():
        base_logits = base(input_ids).logits
        hub_logits = PeftModel.from_pretrained(base, repo_id).eval()(input_ids).logits
        local_logits = local_model.eval()(input_ids).logits
    assert torch.allclose(hub_logits, local_logits, atol=1e-6)
    assert not torch.allclose(hub_logits, base_logits, atol=1e-3)  # the adapter really took part


def test_writes_without_a_valid_token_are_refused(hub, tmp_path):
    repo_id = hub.new_repo_id("guarded")
    with pytest.raises(HfHubHTTPError) as no_token:
        HfApi(token=False).create_repo(repo_id)
    assert no_token.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as wrong_token:
        HfApi(token="hf_wrong").create_repo(repo_id)
    assert wrong_token.value.response.status_code == 401
    assert not HfApi().repo_exists(repo_id)

    HfApi().create_repo(repo_id)
    with pytest.raises(HfHubHTTPError):
        HfApi(token=False).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    assert HfApi().list_repo_files(repo_id) == [".gitattributes"]
    refused = [r for r in hub.requests if repo_id in r["path"] and not r["auth"]]
    assert refused and all(r["method"] == "POST" for r in refused)


def test_project_upload_of_a_private_repo_is_hidden_without_a_token(hub, tmp_path, monkeypatch):
    from huggingface_hub.errors import RepositoryNotFoundError

    from cazton_llm.errors import UserError
    from cazton_llm.hub import upload_folder

    write_folder(tmp_path, {"README.md": b"---\nlicense: other\n---\n# private\n"})
    repo_id = hub.new_repo_id("private")
    assert upload_folder(tmp_path, repo_id, "dataset", private=True) == f"{hub.url}/datasets/{repo_id}"
    assert HfApi().repo_info(repo_id, repo_type="dataset").private
    with pytest.raises(RepositoryNotFoundError):
        HfApi(token=False).repo_info(repo_id, repo_type="dataset")

    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(UserError, match="no Hugging Face token"):
        upload_folder(tmp_path, hub.new_repo_id("untokened"), "model")

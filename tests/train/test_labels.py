"""A real collated batch from the real trainer: prompt tokens are masked, the answer and the
EOS that ends it are labelled — the root fix for answers that never stop."""

import pytest

from tests.train.tiny_recipe import tiny_training_argv
from train.cli import parse_training_args
from train.sft import prepare_run


@pytest.mark.parametrize(
    ("prompt_format", "retrieved_fraction", "prompt_start"),
    [("chat", "0", "User: "), ("legacy", "0", "question: "), ("chat", "1", "User: Context: ")],
)
def test_collated_batch_labels_answers_and_their_eos_only(
    tiny_base_dir, qa_dataset_dir, tmp_path, prompt_format, retrieved_fraction, prompt_start
):
    args = parse_training_args(
        tiny_training_argv(
            tiny_base_dir,
            qa_dataset_dir,
            tmp_path / "adapter",
            "--prompt_format",
            prompt_format,
            "--retrieved_fraction",
            retrieved_fraction,
        )
    )
    run = prepare_run(*args)
    tokenizer = run.tokenizer
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    batch = next(iter(run.trainer.get_train_dataloader()))
    for input_ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
        labelled = [position for position, label in enumerate(labels) if label != -100]
        assert labelled, "every row must have answer tokens in the loss"
        first, last = labelled[0], labelled[-1]
        assert labelled == list(range(first, last + 1)), "the answer is one contiguous labelled span"
        assert labels[last] == tokenizer.eos_token_id == input_ids[last], "the EOS ending the answer is labelled"
        prompt = tokenizer.decode(input_ids[:first])
        assert prompt_start in prompt and all(label == -100 for label in labels[:first])
        assert all(label == -100 for label in labels[last + 1 :]), "padding after the answer is not trained on"


def own_template_run(recipe: str, model_dir, dataset_dir, tmp_path):
    args = [
        "--config",
        recipe,
        "--model_name_or_path",
        str(model_dir),
        "--dataset_name",
        str(dataset_dir),
        "--output_dir",
        str(tmp_path / "adapter"),
        "--company",
        "Northwind Forge",
        "--follow_up_fraction",
        "0.5",
        "--unanswerable_fraction",
        "0.2",
        "--report_to",
        "none",
    ]
    return prepare_run(*parse_training_args(args))


@pytest.mark.parametrize(
    ("recipe", "model_fixture"),
    [
        ("train/configs/smollm2-135m-instruct.yaml", "smollm2_dir"),
        ("train/configs/qwen2.5-0.5b-instruct.yaml", "tiny_qwen2_dir"),
    ],
)
def test_own_chatml_template_labels_the_answer_and_its_im_end_only(
    request, qa_dataset_dir, tmp_path, recipe, model_fixture
):
    model_dir = request.getfixturevalue(model_fixture)
    run = own_template_run(recipe, model_dir, qa_dataset_dir, tmp_path)
    tokenizer = run.tokenizer
    assert tokenizer.chat_template == (model_dir / "chat_template.jinja").read_text(), "the model's own template"
    assert tokenizer.pad_token == "<|endoftext|>" != tokenizer.eos_token == "<|im_end|>"
    assert len(tokenizer) == run.trainer.model.get_input_embeddings().weight.shape[0], "no new token, no resize"
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    batch = next(iter(run.trainer.get_train_dataloader()))
    for input_ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
        labelled = [position for position, label in enumerate(labels) if label != -100]
        first, last = labelled[0], labelled[-1]
        assert labelled == list(range(first, last + 1)), "the answer is one contiguous labelled span"
        prompt = tokenizer.decode(input_ids[:first])
        assert prompt.endswith("<|im_start|>assistant\n") and all(label == -100 for label in labels[:first])
        assert "<|im_start|>system\nYou are the assistant of Northwind Forge's website." in prompt
        answer_end = input_ids.index(im_end, first)
        assert labels[answer_end] == im_end, "the <|im_end|> ending the answer is labelled"
        assert tokenizer.decode(input_ids[first:answer_end]).strip(), "the answer itself is labelled"
        assert not tokenizer.decode(input_ids[answer_end + 1 : last + 1]).strip(), "after <|im_end|>: a newline at most"

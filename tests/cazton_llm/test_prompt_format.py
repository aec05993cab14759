"""The shared prompt format: what the model sees, and which tokens carry the loss."""

import pytest
from tokenizers import ByteLevelBPETokenizer
from transformers import PreTrainedTokenizerFast

from cazton_llm.prompt_format import (
    CHAT_TEMPLATE,
    PAD_TOKEN,
    build_messages,
    has_own_chat_template,
    legacy_text,
    prepare_tokenizer,
    render_prompt,
)

CORPUS = ["We build cloud software for banks. Our trainers teach Azure and Python courses."] * 20


@pytest.fixture
def bare_tokenizer():
    """A tokenizer like phi-1_5's: no chat template, no pad token, EOS only."""
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([*CORPUS, "User: Assistant: question: answer:"], vocab_size=300, special_tokens=["<|e|>"])
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|e|>", bos_token="<|e|>")


def test_bare_tokenizer_gets_template_and_a_pad_token_distinct_from_eos(bare_tokenizer):
    prepare_tokenizer(bare_tokenizer)
    assert bare_tokenizer.chat_template == CHAT_TEMPLATE
    assert bare_tokenizer.pad_token == PAD_TOKEN
    assert bare_tokenizer.pad_token_id != bare_tokenizer.eos_token_id


def test_a_models_own_template_is_kept_unless_forced(bare_tokenizer):
    bare_tokenizer.chat_template = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
    prepare_tokenizer(bare_tokenizer)
    assert has_own_chat_template(bare_tokenizer)
    prepare_tokenizer(bare_tokenizer, force=True)
    assert bare_tokenizer.chat_template == CHAT_TEMPLATE


def test_unknown_format_is_refused(bare_tokenizer):
    with pytest.raises(ValueError, match="prompt_format must be one of"):
        prepare_tokenizer(bare_tokenizer, "alpaca")


@pytest.mark.parametrize(
    ("prompt_format", "expected_text", "expected_prompt"),
    [
        ("chat", "User: What?\nAssistant: Software.<|e|>\n", "User: What?\nAssistant:"),
        ("legacy", "question: What?\nanswer: Software.<|e|>\n", "question: What?\nanswer:"),
    ],
)
def test_rendered_conversation_and_prompt(bare_tokenizer, prompt_format, expected_text, expected_prompt):
    prepare_tokenizer(bare_tokenizer, prompt_format, force=True)
    conversation = build_messages("What?", answer="Software.")
    assert bare_tokenizer.apply_chat_template(conversation, tokenize=False) == expected_text
    assert render_prompt(bare_tokenizer, "What?") == expected_prompt
    assert bare_tokenizer.apply_chat_template(conversation, tokenize=False).startswith(expected_prompt)


def test_loss_mask_covers_the_answer_and_its_eos_only(bare_tokenizer):
    prepare_tokenizer(bare_tokenizer)
    encoded = bare_tokenizer.apply_chat_template(
        build_messages("Which courses?", answer="Azure and Python."),
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    ids, mask = encoded["input_ids"], encoded["assistant_masks"]
    answer_ids = [token for token, masked in zip(ids, mask, strict=True) if masked]
    prompt_ids = [token for token, masked in zip(ids, mask, strict=True) if not masked]
    assert bare_tokenizer.decode(answer_ids) == " Azure and Python.<|e|>"
    assert answer_ids[-1] == bare_tokenizer.eos_token_id
    assert "Which courses?" in bare_tokenizer.decode(prompt_ids)


def test_grounded_prompt_carries_the_passage_before_the_question(bare_tokenizer):
    prepare_tokenizer(bare_tokenizer)
    prompt = render_prompt(bare_tokenizer, "Which courses?", passage="We teach Azure.")
    assert prompt == "User: Context: We teach Azure.\n\nQuestion: Which courses?\nAssistant:"


def test_legacy_text_is_the_original_format():
    assert legacy_text("  What? ", "Software. ") == "question: What?\nanswer: Software."


CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def test_a_spare_special_token_pads_instead_of_a_new_one(bare_tokenizer):
    """SmolLM2: pad == EOS == <|im_end|>; <|endoftext|> is a special token its template never writes."""
    bare_tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]})
    bare_tokenizer.eos_token = bare_tokenizer.pad_token = "<|im_end|>"
    bare_tokenizer.bos_token = "<|im_start|>"
    bare_tokenizer.chat_template = CHATML
    size = len(bare_tokenizer)
    prepare_tokenizer(bare_tokenizer)
    assert bare_tokenizer.pad_token == "<|endoftext|>" and len(bare_tokenizer) == size, "no new token to embed"
    assert bare_tokenizer.chat_template == CHATML


def test_models_with_their_own_template_get_the_company_system_line(bare_tokenizer):
    prepare_tokenizer(bare_tokenizer)
    assert render_prompt(bare_tokenizer, "Q?", company="Acme") == "User: Q?\nAssistant:", "our template: no system"
    bare_tokenizer.chat_template = CHATML
    assert render_prompt(bare_tokenizer, "Q?", company="Acme") == (
        "<|im_start|>system\nYou are the assistant of Acme's website. Answer visitors' questions about Acme briefly."
        "<|im_end|>\n<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n"
    )

"""The one prompt format shared by training, serving and benchmarking.

Bases without a chat template (microsoft/phi-1_5) get ours. The assistant turn ends with EOS
inside `{% generation %}` markers, so TRL's `assistant_only_loss` trains on answers and on the
EOS that ends them: the model learns to stop. The original "question: … answer: …" text
format is kept as the `legacy` format.
"""

from __future__ import annotations

from collections.abc import Sequence

PROMPT_FORMATS = ("chat", "legacy")
PAD_TOKEN = "<|pad|>"

CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{{ message['content'] }}{{ '\\n\\n' }}"
    "{%- elif message['role'] == 'user' -%}User: {{ message['content'] }}{{ '\\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "Assistant:{% generation %} {{ message['content'] }}{{ eos_token }}{% endgeneration %}{{ '\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}Assistant:{%- endif -%}"
)

LEGACY_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}question: {{ message['content'] }}{{ '\\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "answer:{% generation %} {{ message['content'] }}{{ eos_token }}{% endgeneration %}{{ '\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}answer:{%- endif -%}"
)

TEMPLATES = {"chat": CHAT_TEMPLATE, "legacy": LEGACY_TEMPLATE}

# Text that means the model started a new turn instead of stopping: cut it there.
STOP_STRINGS = (
    "\nUser:",
    "\nuser:",
    "\nAssistant:",
    "\nSystem:",
    "\nquestion:",
    "\nQuestion:",
    "\nanswer:",
    "\nQ:",
    "<|im_end|>",
    "</s>",
    "<|endoftext|>",
)


def user_content(question: str, passage: str | None = None) -> str:
    """The user turn: the question, optionally preceded by a source passage (grounded mode)."""
    if passage:
        return f"Context: {passage.strip()}\n\nQuestion: {question.strip()}"
    return question.strip()


def build_messages(
    question: str,
    answer: str | None = None,
    passage: str | None = None,
    system: str | None = None,
    history: Sequence[dict] = (),
) -> list[dict]:
    """Conversation in the user/assistant format TRL expects; `history` holds earlier turns."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.extend({"role": turn["role"], "content": turn["content"]} for turn in history)
    messages.append({"role": "user", "content": user_content(question, passage)})
    if answer is not None:
        messages.append({"role": "assistant", "content": answer.strip()})
    return messages


def legacy_text(question: str, answer: str) -> str:
    """The original project's training text (without EOS: the tokenizer's template adds it)."""
    return f"question: {question.strip()}\nanswer: {answer.strip()}"


def has_own_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None)) and tokenizer.chat_template not in TEMPLATES.values()


def prepare_tokenizer(tokenizer, prompt_format: str = "chat", force: bool = False):
    """Give the tokenizer our template (when it has none, or `force`) and a pad token != EOS.

    Returns the tokenizer; check `len(tokenizer)` against the model's embeddings afterwards
    because a new pad token may need `model.resize_token_embeddings`.
    """
    if prompt_format not in TEMPLATES:
        raise ValueError(f"prompt_format must be one of {PROMPT_FORMATS}, got {prompt_format!r}")
    if force or not has_own_chat_template(tokenizer):
        tokenizer.chat_template = TEMPLATES[prompt_format]
    if tokenizer.pad_token is None or tokenizer.pad_token_id == tokenizer.eos_token_id:
        tokenizer.add_special_tokens({"pad_token": PAD_TOKEN})
    return tokenizer


def render_prompt(
    tokenizer, question: str, passage: str | None = None, system: str | None = None, history: Sequence[dict] = ()
) -> str:
    """The exact text a model sees before it answers."""
    return tokenizer.apply_chat_template(
        build_messages(question, passage=passage, system=system, history=history),
        tokenize=False,
        add_generation_prompt=True,
    )

"""The one prompt format shared by training, serving and benchmarking.

Bases without a chat template (microsoft/phi-1_5) get ours. The assistant turn ends with EOS
inside `{% generation %}` markers, so TRL's `assistant_only_loss` trains on answers and on the
EOS that ends them: the model learns to stop. The original "question: … answer: …" text
format is kept as the `legacy` format. Instruct models keep their own template (ChatML for
SmolLM2 and Qwen2.5) and get a system line naming the company, in training as in serving.
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

SYSTEM_PROMPT = "You are the assistant of {company}'s website. Answer visitors' questions about {company} briefly."

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


def user_content(question: str, passage: str | None = None, earlier_questions: Sequence[str] = ()) -> str:
    """The user turn: the question, optionally preceded by the conversation's earlier questions and a source
    passage (grounded mode)."""
    parts = [f"Earlier questions: {' / '.join(q.strip() for q in earlier_questions)}"] if earlier_questions else []
    if passage:
        parts.append(f"Context: {passage.strip()}")
    return "\n\n".join([*parts, f"Question: {question.strip()}"]) if parts else question.strip()


def build_messages(
    question: str,
    answer: str | None = None,
    passage: str | None = None,
    system: str | None = None,
    history: Sequence[dict] = (),
) -> list[dict]:
    """Conversation in the user/assistant format TRL expects. `history` holds the earlier turns: their questions
    go into the user turn, their answers do not (shown its earlier answers, the model repeats them instead of
    answering: docs/train.md#the-conversation-in-the-prompt)."""
    messages = [{"role": "system", "content": system}] if system else []
    earlier = [turn["content"] for turn in history if turn["role"] == "user"]
    messages.append({"role": "user", "content": user_content(question, passage, earlier)})
    if answer is not None:
        messages.append({"role": "assistant", "content": answer.strip()})
    return messages


def legacy_text(question: str, answer: str) -> str:
    """The original project's training text (without EOS: the tokenizer's template adds it)."""
    return f"question: {question.strip()}\nanswer: {answer.strip()}"


def has_own_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None)) and tokenizer.chat_template not in TEMPLATES.values()


def system_prompt(tokenizer, company: str) -> str | None:
    """The system line for a model with its own chat template (None for ours, which has no system turn).

    Training, the Space and the benchmark all use it, so a finetuned model sees the prompt it was trained on.
    """
    return SYSTEM_PROMPT.format(company=company) if has_own_chat_template(tokenizer) else None


def spare_pad_token(tokenizer) -> str | None:
    """A special token the vocabulary already has that can pad: not EOS or BOS, and never written by the chat
    template (SmolLM2: `<|endoftext|>`). Padding with it needs no new embedding row, so the adapter stays small."""
    template = tokenizer.chat_template or ""
    taken = {tokenizer.eos_token, tokenizer.bos_token}
    for token in tokenizer.all_special_tokens:
        if token not in taken and token not in template:
            return token
    return None


def prepare_tokenizer(tokenizer, prompt_format: str = "chat", force: bool = False):
    """Give the tokenizer our template (when it has none, or `force`) and a pad token != EOS.

    The pad token is one the tokenizer already has when it can be (see `spare_pad_token`), else a new
    `<|pad|>`: check `len(tokenizer)` against the model's embeddings afterwards, because a new token needs
    `model.resize_token_embeddings`.
    """
    if prompt_format not in TEMPLATES:
        raise ValueError(f"prompt_format must be one of {PROMPT_FORMATS}, got {prompt_format!r}")
    if force or not has_own_chat_template(tokenizer):
        tokenizer.chat_template = TEMPLATES[prompt_format]
    if tokenizer.pad_token is None or tokenizer.pad_token_id == tokenizer.eos_token_id:
        spare = spare_pad_token(tokenizer)
        if spare:
            tokenizer.pad_token = spare
        else:
            tokenizer.add_special_tokens({"pad_token": PAD_TOKEN})
    return tokenizer


def render_prompt(
    tokenizer, question: str, passage: str | None = None, company: str | None = None, history: Sequence[dict] = ()
) -> str:
    """The exact text a model sees before it answers (with the company's system line for instruct models)."""
    system = system_prompt(tokenizer, company) if company else None
    return tokenizer.apply_chat_template(
        build_messages(question, passage=passage, system=system, history=history),
        tokenize=False,
        add_generation_prompt=True,
    )

"""One path from a visitor's question, and the conversation so far, to the model's prompt: the passages
`Knowledge.context_for` picks, the earlier turns (the oldest dropped first until the prompt fits) and the
shared prompt format. The Space, the benchmark and the training examples all build their prompts here, so
what is measured and taught is what the chat sends."""

from __future__ import annotations

from collections.abc import Sequence

from cazton_llm.prompt_format import render_prompt
from cazton_llm.retrieval import Knowledge, Source


def context_text(context: Sequence[Source]) -> str | None:
    """The passages as the prompt's context (None without any)."""
    return "\n\n".join(source.passage.strip() for source in context) or None


def prompt_budget(model, max_new_tokens: int) -> int:
    """Prompt tokens that leave room for the answer in the model's context window."""
    return model.config.max_position_embeddings - max_new_tokens


def fitted_prompt(
    tokenizer, question: str, context: Sequence[Source], turns: list[dict], max_prompt_tokens: int, company: str | None
) -> str:
    """The prompt with the context and as many of the latest turns as fit the model."""
    passage = context_text(context)
    while True:
        prompt = render_prompt(tokenizer, question, passage=passage, company=company, history=turns)
        if not turns or len(tokenizer(prompt)["input_ids"]) <= max_prompt_tokens:
            return prompt
        turns = turns[2:]


def chat_prompt(
    tokenizer,
    knowledge: Knowledge | None,
    question: str,
    turns: list[dict],
    *,
    company: str | None,
    max_prompt_tokens: int,
    grounded: bool = True,
) -> tuple[str, list[Source]]:
    """(the prompt the chat sends for `question` after `turns`, the passages in it); ungrounded or without
    knowledge, the question and the turns alone."""
    context = knowledge.context_for(question, turns) if grounded and knowledge is not None else []
    return fitted_prompt(tokenizer, question, context, turns, max_prompt_tokens, company), context

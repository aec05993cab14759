"""One path from a visitor's question, and the conversation so far, to the model's prompt: the passages
`Knowledge.context_for` picks, the earlier turns (the oldest dropped first until the prompt fits) and the
shared prompt format. The Space, the benchmark and the training examples all build their prompts here, so
what is measured and taught is what the chat sends.

On the same path, a question no passage of the site comes close to (`Knowledge.answers`) is answered with
`cazton_llm.abstention`'s answer and the contact page, without asking the model; a model that says the website does
not say by itself gets that same answer in place of its own (`ChatTurn.settled`), so the only link in it is the
contact page the crawl found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cazton_llm.abstention import abstention_answer, opens_with_refusal
from cazton_llm.prompt_format import render_prompt
from cazton_llm.retrieval import Knowledge, Source


def passage_label(source: Source) -> str:
    """What a passage is about, as its page titles it: the page's title and the passage's section heading, on
    one line whatever they hold (a title with line breaks cannot pose as the prompt's own lines)."""
    names = (" ".join(name.split()) for name in (source.title, source.heading))
    return " - ".join(dict.fromkeys(name for name in names if name))


def context_text(context: Sequence[Source]) -> str | None:
    """The passages as the prompt's context, each under its `passage_label` (a question names what the page
    heads, "the leadership team", more often than the passage's own words do); None without any."""
    blocks = [f"{passage_label(s)}\n{s.passage.strip()}" if passage_label(s) else s.passage.strip() for s in context]
    return "\n\n".join(blocks) or None


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


@dataclass(frozen=True)
class ChatTurn:
    """What the chat does with a question: the prompt it sends and the passages in it, or, when the site does
    not answer the question, the answer it gives without generating (`abstention`) and the page to ask on.
    Grounded on a site, `refusal` is that answer whether or not the question was turned away."""

    prompt: str
    context: list[Source]
    abstention: str | None = None
    contact: Source | None = None
    refusal: str | None = None

    def settled(self, answer: str) -> str:
        """The model's finished answer as the visitor gets it: one that opens by saying the site does not say
        (`opens_with_refusal`) is the chat's `refusal` instead, with the crawled contact page (the model's own
        text may end too soon, or hold a link it made up); any other answer as it is, one that says so of a
        detail after answering too."""
        return self.refusal if self.refusal is not None and opens_with_refusal(answer) else answer


def chat_prompt(
    tokenizer,
    knowledge: Knowledge | None,
    question: str,
    turns: list[dict],
    *,
    company: str | None,
    max_prompt_tokens: int,
    grounded: bool = True,
) -> ChatTurn:
    """The prompt the chat sends for `question` after `turns` and the passages in it (ungrounded or without
    knowledge, the question and the turns alone); grounded, the abstention instead when the site's closest
    passage is too far from the question (the prompt is still built, for the record)."""
    context = knowledge.context_for(question, turns) if grounded and knowledge is not None else []
    prompt = fitted_prompt(tokenizer, question, context, turns, max_prompt_tokens, company)
    if not grounded or knowledge is None:
        return ChatTurn(prompt, context)
    contact = knowledge.contact
    refusal = abstention_answer(company, contact.url if contact else "")
    gated = not knowledge.answers(question, turns)
    return ChatTurn(prompt, context, refusal if gated else None, contact, refusal)

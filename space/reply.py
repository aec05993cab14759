"""Turning a chat message into a prompt and an answer into the reply shown: input limits, earlier
turns kept, sources and notices under the answer. Model text is shown as text, never as HTML."""

from __future__ import annotations

import html

import gradio as gr
from gradio.components.chatbot import TextMessage

from cazton_llm.prompt_format import render_prompt
from space.retrieval import Source

SOURCES_HEADING = "**Sources**"


def check_message(message: str, max_chars: int) -> str:
    """The question to answer, or a gr.Error whose text the user sees."""
    question = (message or "").strip()
    if not question:
        raise gr.Error("Please type a question.", print_exception=False)
    if len(question) > max_chars:
        raise gr.Error(
            f"Your message has {len(question):,} characters; the limit is {max_chars:,}. Please shorten it.",
            print_exception=False,
        )
    return question


def message_text(content) -> str:
    """Text of a Gradio history message, whose content is a string or a list of parts."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in parts)


def prior_turns(history: list[dict], max_turns: int) -> list[dict]:
    """The last `max_turns` question/answer pairs, answers without their sources and notices."""
    turns = []
    for message in history:
        text = message_text(message.get("content", ""))
        if message.get("role") == "assistant":
            text = text.split(f"\n\n{SOURCES_HEADING}")[0].split("\n\n> ")[0]
        text = html.unescape(text)
        if message.get("role") in ("user", "assistant") and text.strip():
            turns.append({"role": message["role"], "content": text.strip()})
    return turns[-2 * max_turns :] if max_turns > 0 else []


def build_prompt(
    tokenizer, question: str, passage: str | None, turns: list[dict], max_prompt_tokens: int, company: str | None
) -> str:
    """The training prompt format; the oldest turns are dropped until it fits the model."""
    while True:
        prompt = render_prompt(tokenizer, question, passage=passage, company=company, history=turns)
        if not turns or len(tokenizer(prompt)["input_ids"]) <= max_prompt_tokens:
            return prompt
        turns = turns[2:]


def as_text(text: str) -> str:
    """Escape markup so it is displayed, not rendered. Only `<` and `>` are replaced, so escaping
    again (the chat sends its messages back and forth) changes nothing."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def user_text_as_text(chatbot: gr.Chatbot) -> gr.Chatbot:
    """Make `chatbot` show what users type as text: markup in a message is never rendered.

    Gradio has no option for this; a Chatbot subclass would make Gradio write a .pyi stub beside
    this file at import, so the instance's postprocess is wrapped instead.
    """
    postprocess = chatbot.postprocess

    def postprocess_user_text(value):
        messages = postprocess(value)
        for message in messages.root:
            if message.role == "user":
                for part in message.content:
                    if isinstance(part, TextMessage):
                        part.text = as_text(part.text)
        return messages

    chatbot.postprocess = postprocess_user_text
    return chatbot


def format_reply(answer: str, sources: list[Source], notice: str | None = None) -> str:
    reply = as_text(answer) or "_(The model gave no answer; try rephrasing the question.)_"
    if notice:
        reply += f"\n\n> {notice}"
    if sources:
        reply += f"\n\n{SOURCES_HEADING}\n" + "\n".join(f"- {source.markdown_link}" for source in sources)
    return reply

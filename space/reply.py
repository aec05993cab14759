"""Turning a chat message into a prompt and an answer into the reply shown: input limits, earlier
turns kept (and bounded), sources and notices as titled messages under the answer, never read back as
part of it. Model and user text is shown as text,
never as HTML, images or diagrams, and source links can only point to http(s) pages."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import gradio as gr
from gradio.components.chatbot import TextMessage

from cazton_llm.retrieval import Source

SOURCES_TITLE = "Sources"
NOTICE_TITLE = "Notice"
# Markup in a message that a browser would render, or that would make it fetch a URL by itself: HTML tags
# (<img>, <video>…), markdown images (`![…](url)`, also by reference) and code fences (``` or ~~~, which
# Gradio draws as mermaid diagrams, whose image nodes load URLs). Links stay: they load only when clicked.
NO_MARKUP_ENTITIES = {"<": "&lt;", ">": "&gt;", "![": "&#33;[", "`": "&#96;", "~": "&#126;"}
NO_MARKUP = re.compile("|".join(map(re.escape, NO_MARKUP_ENTITIES)))
# Characters a source URL keeps; every other one is percent-encoded (among them `(`, `)`, `[`, `]`, `!`, `<`,
# `>`, spaces and quotes).
URL_SAFE_CHARACTERS = ":/?#@&=+,;%"


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


def message_text(content, max_chars: int) -> str:
    """At most `max_chars` of a Gradio history message, whose content is a string or a list of parts."""
    parts = content if isinstance(content, list) else [content]
    texts, length = [], 0
    for part in parts:
        texts.append((part.get("text", "") if isinstance(part, dict) else str(part))[:max_chars])
        length += len(texts[-1]) + 1
        if length > max_chars:
            break
    return " ".join(texts)[:max_chars]


def shown_text(message: dict, max_chars: int) -> str:
    """What a history message said, at most `max_chars`, as written (the escaping `as_text` added undone)."""
    # Room for the entities that as_text adds, so they can be taken off.
    return html.unescape(message_text(message.get("content", ""), 2 * max_chars))[:max_chars].strip()


def is_turn(message: dict) -> bool:
    """A question or an answer: not a titled message (the sources or a notice shown under an answer)."""
    return message.get("role") in ("user", "assistant") and not (message.get("metadata") or {}).get("title")


def prior_turns(history: list[dict], max_turns: int, max_chars: int) -> list[dict]:
    """The last `max_turns` question/answer pairs, each message cut to `max_chars`.

    The history is whatever the client sent (Gradio keeps it in the browser), so only the messages
    used are read, and no more than about twice `max_chars` of any of them.
    """
    turns: list[dict] = []
    for message in reversed(history if max_turns > 0 else []):
        if len(turns) == 2 * max_turns:
            break
        text = shown_text(message, max_chars) if is_turn(message) else ""
        if text:
            turns.insert(0, {"role": message["role"], "content": text})
    return turns


def as_text(text: str) -> str:
    """Escape the markup that would be rendered, or fetch a URL by itself, so it is displayed as text.

    Each character is written as an HTML entity, shown as itself, never parsed as markup, and undone
    by `html.unescape` when earlier turns are read back. Escaping again changes nothing (the chat
    sends its messages back and forth).
    """
    return NO_MARKUP.sub(lambda match: NO_MARKUP_ENTITIES[match.group()], text)


def source_link(source: Source) -> str:
    """`[title](url)` with the title as text and the URL percent-encoded, so neither can end the link
    or start other markup; a source whose URL is not an http(s) address is named without a link."""
    title = as_text(source.title.replace("[", "(").replace("]", ")")) or as_text(source.url)
    url = urlsplit(source.url)
    if url.scheme not in ("http", "https") or not url.netloc:
        return title
    return f"[{title}]({quote(source.url, safe=URL_SAFE_CHARACTERS)})"


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


def reply_messages(answer: str, sources: list[Source], notice: str | None = None) -> list[gr.ChatMessage]:
    """The answer, then the notice and the sources each as a titled message of their own: the chat shows
    them under the answer, and the next turn's prompt reads the answer alone (`prior_turns`)."""
    messages = [gr.ChatMessage(as_text(answer) or "_(The model gave no answer; try rephrasing the question.)_")]
    if notice:
        messages.append(gr.ChatMessage(notice, metadata={"title": NOTICE_TITLE}))
    if sources:
        links = "\n".join(f"- {source_link(source)}" for source in sources)
        messages.append(gr.ChatMessage(links, metadata={"title": SOURCES_TITLE}))
    return messages

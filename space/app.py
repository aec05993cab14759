"""The Space entry point: load the model and the dataset's passages, stream answers with sources
in a `gr.ChatInterface`, launch on 127.0.0.1 (or on the Hub, where Spaces run this file)."""

from __future__ import annotations

import os

import gradio as gr

from cazton_llm.chat_prompt import chat_prompt, context_text, prompt_budget
from cazton_llm.cpu_runtime import load_for_generation
from cazton_llm.retrieval import Knowledge, PassageIndex, load_knowledge
from space.chat import AnswerStream
from space.config import SpaceConfig
from space.endpoints import only_endpoint_for_clients
from space.polish import polish_answer
from space.reply import as_text, check_message, prior_turns, reply_messages, user_text_as_text
from space.retrieval import dataset_named_by

NO_DATASET = (
    "No dataset is loaded (set DATASET to the QA dataset's Hub id or folder), so answers come without sources "
    "or example questions."
)


def description(config: SpaceConfig, knowledge: Knowledge) -> str:
    if not knowledge.index.sources:
        return f"Ask about **{config.company}**. {NO_DATASET}"
    pages = len({source.url for source in knowledge.index.sources})
    topics = ", ".join(as_text(title) for title in knowledge.page_titles[:6])  # crawled text: shown as text
    return (
        f"Ask about **{config.company}**. This assistant was finetuned on question/answer pairs written from "
        f"{pages} pages of {config.company}'s public website" + (f" (e.g. {topics})" if topics else "") + ". "
        "It only knows what those pages say; the pages most related to your question are listed under each answer."
    )


def make_respond(config: SpaceConfig, model, tokenizer, knowledge: Knowledge):
    max_prompt_tokens = prompt_budget(model, config.max_new_tokens)

    def respond(message: str, history: list[dict], grounded: bool = True, polish: bool = False):
        question = check_message(message, config.max_message_chars)
        turns = prior_turns(history, config.max_history_turns, config.max_message_chars)
        chat_turn = chat_prompt(
            tokenizer,
            knowledge,
            question,
            turns,
            company=config.company,
            max_prompt_tokens=max_prompt_tokens,
            grounded=grounded,
        )
        if chat_turn.abstention is not None:  # the site does not answer it: say so, and where to ask
            yield reply_messages(chat_turn.abstention, [chat_turn.contact] if chat_turn.contact else [])
            return
        context = chat_turn.context
        stream = AnswerStream(model, tokenizer, chat_turn.prompt, config.decoding, turns=turns)
        for partial in stream:
            yield reply_messages(partial, [])
        answer, notice = chat_turn.settled(stream.finished.text), None
        if answer == chat_turn.refusal:  # the model said the website does not say: the page to ask on, as the gate's
            yield reply_messages(answer, [chat_turn.contact] if chat_turn.contact else [])
            return
        # The sources show under the finished answer: looked up after it, not before its first token.
        sources = knowledge.sources_for(question, context, config.max_sources)
        if polish and config.polish_available and answer:
            passages = context_text(context or sources[:1])
            polished = polish_answer(question, answer, passages, config.polish_model, config.polish_timeout_s)
            answer, notice = polished.text, polished.notice
        yield reply_messages(answer, sources, notice)

    if os.environ.get("SPACES_ZERO_GPU"):
        import spaces

        return spaces.GPU(respond)
    return respond


def build_app(config: SpaceConfig, model=None, tokenizer=None) -> gr.Blocks:
    """The chat UI; pass an already loaded (model, tokenizer) to skip loading `config.model_spec`."""
    dataset = config.dataset if config.dataset is not None else dataset_named_by(config.adapter)
    # The dataset first: a damaged folder is named in a second, not after the model has loaded.
    knowledge = load_knowledge(dataset, company=config.company) if dataset else Knowledge(PassageIndex([]), [], [])
    if model is None:
        model, tokenizer = load_for_generation(config.model_spec, device=config.device)
    # Grounded by default whenever there are passages to ground on: the finetuned model was trained for it.
    has_passages = bool(knowledge.index.sources)
    extra_inputs = [gr.Checkbox(has_passages, label="Grounded: put the most relevant passages into the prompt")]
    if config.polish_available:
        extra_inputs.append(gr.Checkbox(False, label="Polish with GPT (rewrites for clarity, adds no facts)"))
    demo = gr.ChatInterface(
        make_respond(config, model, tokenizer, knowledge),
        title=f"{config.company} assistant",
        description=description(config, knowledge),
        # Examples without settings values show as buttons in the chat (with values they become a table below it).
        examples=[[question] for question in knowledge.example_questions] or None,
        additional_inputs=extra_inputs,
        additional_inputs_accordion=gr.Accordion("Settings", open=False),
        textbox=gr.Textbox(placeholder=f"Ask a question about {config.company}…", max_length=None),
        chatbot=user_text_as_text(gr.Chatbot(height=480, sanitize_html=True, render_markdown=True)),
        concurrency_limit=config.concurrency_limit,
        api_name="chat",
        flagging_mode="never",
    )
    only_endpoint_for_clients(demo, "chat")
    return demo.queue(default_concurrency_limit=config.concurrency_limit, max_size=config.max_queue_size)


def launch(config: SpaceConfig, block: bool = True, demo: gr.Blocks | None = None) -> gr.Blocks:
    """Serve (on config.port, or where Gradio's variables say) and print the URL; `block=False` returns while
    serving."""
    demo = demo or build_app(config)
    demo.launch(server_port=config.port, prevent_thread_lock=True, show_error=False)
    print(f"Chat is running at {demo.local_url}", flush=True)
    if block:
        demo.block_thread()
    return demo


if __name__ == "__main__":
    launch(SpaceConfig())

"""What a user types is shown as text in the chat: the Chatbot the app builds escapes markup in user
messages before the browser gets them (the reply itself is escaped by `reply_messages`, tests/space/test_reply.py)."""

import gradio as gr

from space.reply import user_text_as_text

PAYLOAD = '<img src=x onerror="alert(1)"> ![q](http://evil.example/t.png) what do you offer?'


def shown_messages(chatbot: gr.Chatbot, history: list[dict]) -> list[tuple[str, str]]:
    messages = chatbot.postprocess(history).root
    return [(message.role, "".join(part.text for part in message.content)) for message in messages]


def test_user_markup_reaches_the_browser_escaped_and_the_answer_untouched():
    chatbot = user_text_as_text(gr.Chatbot(sanitize_html=True, render_markdown=True))
    shown = shown_messages(chatbot, [{"role": "user", "content": PAYLOAD}, {"role": "assistant", "content": "*We*"}])
    assert shown == [
        ("user", '&lt;img src=x onerror="alert(1)"&gt; &#33;[q](http://evil.example/t.png) what do you offer?'),
        ("assistant", "*We*"),
    ]


def test_a_plain_chatbot_would_pass_the_markup_on():
    """The check above is not vacuous: without the wrapper, Gradio hands the markup to the browser as written."""
    assert shown_messages(gr.Chatbot(), [{"role": "user", "content": PAYLOAD}]) == [("user", PAYLOAD)]

"""Which of the app's Gradio endpoints API clients may call: the chat only.

`gr.ChatInterface` also registers the page's own helper events (`/lambda`, `/_append_message_to_history`,
`/option_clicked`, …), "undocumented" but callable by any client, and some of them take a whole chat
history from the caller. They are made "private": the page still runs them, Gradio's client libraries
refuse them. The server still accepts a forged history on `/chat` (the browser holds it), so
`space.reply.prior_turns` bounds what is read of it.
"""

from __future__ import annotations

import gradio as gr


def only_endpoint_for_clients(demo: gr.Blocks, api_name: str) -> gr.Blocks:
    for function in demo.fns.values():
        if function.api_name != api_name:
            function.api_visibility = "private"
    return demo

"""The HTML that puts the chat on any web page (the company's own site): an iframe of the Space's own
address, `https://OWNER-NAME.hf.space`. An iframe needs nothing but the Space; Gradio's `<gradio-app>`
web component would also load Gradio's script from a CDN."""

from __future__ import annotations

import html
import re

EMBED_HEIGHT_PX = 640


def space_url(repo_id: str) -> str:
    """Where the Hub serves a Space's app: its id lower-cased, every run of other characters a hyphen."""
    return f"https://{re.sub(r'[^a-z0-9]+', '-', repo_id.lower()).strip('-')}.hf.space"


def embed_snippet(app_url: str, title: str = "Website assistant") -> str:
    """An iframe of the chat at `app_url` (a Space's `space_url`, or a local app) that fits a page's width."""
    return (
        f'<iframe src="{html.escape(app_url, quote=True)}" title="{html.escape(title, quote=True)}" '
        f'width="100%" height="{EMBED_HEIGHT_PX}" style="border:0" loading="lazy"></iframe>'
    )

"""The last step of `pipeline run`: serve the chat on 127.0.0.1 with the run's base, adapter and
dataset (and, for the bundled sample site, keep the site up so the answers' source links work)."""

from __future__ import annotations

from contextlib import nullcontext

from pipeline.config import PipelineConfig
from scraper.config import SAMPLE_SITE
from scraper.sample_site_server import serve_sample_site


def serve_chat(config: PipelineConfig, console) -> None:
    from space.app import launch

    site = serve_sample_site(config.site.sample_port) if config.site.start_url == SAMPLE_SITE else nullcontext()
    with site:
        console.print(f"serving the {config.company} chat (Ctrl-C to stop)")
        try:
            launch(config.serve)
        except KeyboardInterrupt:
            console.print("chat stopped")

"""The last step of `pipeline run`: serve the chat on 127.0.0.1 with the run's base, adapter and
dataset (and, for the bundled sample site, keep the site up so the answers' source links work)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from cazton_llm.layout import OutputLayout
from pipeline.config import SAMPLE_SITE, PipelineConfig
from pipeline.stages import base_model_path
from scraper.sample_site_server import serve_sample_site


def chat_config(config: PipelineConfig):
    from space.config import SpaceConfig

    layout = OutputLayout(Path(config.run_dir))
    return SpaceConfig(
        base_model=base_model_path(config, layout),
        adapter=str(layout.adapter),
        dataset=str(layout.dataset),
        company=config.company,
        port=config.serve.port,
    )


def serve_chat(config: PipelineConfig, console) -> None:
    from space.app import launch

    site = serve_sample_site(config.site.sample_port) if config.site.start_url == SAMPLE_SITE else nullcontext()
    with site:
        console.print(f"serving the {config.company} chat (Ctrl-C to stop)")
        try:
            launch(chat_config(config))
        except KeyboardInterrupt:
            console.print("chat stopped")

"""Fixtures for crawler tests: loopback sites and a helper that runs the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.sample_site_server import SAMPLE_SITE_DIR
from tests.stand_ins.site_server import serve_site

REPO = Path(__file__).resolve().parents[2]


def run_scraper(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scraper", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def read_pages(path: Path) -> dict[str, dict]:
    return {page["url"]: page for page in map(json.loads, path.read_text().splitlines())}


@pytest.fixture
def sample_site():
    with serve_site(SAMPLE_SITE_DIR) as server:
        yield server


@pytest.fixture
def offsite_server(tmp_path):
    """Another site on another loopback port: linked to, never to be requested."""
    (tmp_path / "offsite").mkdir()
    (tmp_path / "offsite" / "index.html").write_text("<html><body><p>elsewhere</p></body></html>")
    with serve_site(tmp_path / "offsite") as server:
        yield server


PAGE = "<html><head><title>{title}</title></head><body><main><p>{text}</p>{links}</main></body></html>"


def write_page(path, title: str, links: list[str] = ()) -> None:
    """A small content page with links, for the loopback sites the crawl tests serve."""
    text = f"The {title} page explains what our consultants deliver for clients in every industry we serve."
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(title=title, text=text, links=anchors))

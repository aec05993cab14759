"""A run folder's manifest.json cut short (a full disk, a copy made in part) is treated as missing with one
notice line: the plan and the run go on, the stages run again and the manifest is written whole."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stand_ins.site_server import serve_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SEED = 20
PAGE = "<html><head><title>Home</title></head><body><main><p>Northwind Forge builds software.</p></main></body></html>"


def pipeline(config: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--to", "crawl", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def test_a_cut_manifest_is_treated_as_missing(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(PAGE)
    with serve_site(tmp_path / "site") as server:
        config = tmp_path / "pipeline.yaml"
        run_dir = tmp_path / "run"
        config.write_text(f"run_dir: {run_dir}\nsite: {{start_url: '{server.base_url}', fast: true, max_pages: 1}}\n")
        assert pipeline(config).returncode == 0
        manifest = run_dir / "manifest.json"
        whole = manifest.read_bytes()
        rng = random.Random(SEED)
        for offset in [0, *rng.sample(range(1, len(whole) - 1), 3)]:
            manifest.write_bytes(whole[:offset])
            for args in (["--dry-run"], []):
                result = pipeline(config, *args)
                assert result.returncode == 0, (offset, args, result.stderr[-3000:])
                notices = [line for line in result.stdout.splitlines() if "cut short or damaged" in line]
                assert len(notices) == 1 and str(manifest) in notices[0], (offset, args, result.stdout)
            assert "crawl: done" in result.stdout
            assert json.loads(manifest.read_bytes())["stages"]["crawl"]["status"] == "ran"

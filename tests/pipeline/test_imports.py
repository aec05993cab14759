"""The pipeline serves the chat in the process that ran the stages: that process must never load Twisted
(Scrapy's reactor), whose zope.interface marker on `abc.ABC` breaks every Gradio component. Crawls run
in a subprocess, so importing everything the pipeline and the Space use leaves Twisted out."""

import subprocess
import sys

PROBE = """
import sys
import pipeline.cli, pipeline.publish, pipeline.runner, pipeline.serve, pipeline.stages
import scraper.crawl, scraper.sample_site_server, space.app
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("twisted", "scrapy"))
print(loaded)
"""


def test_pipeline_and_space_never_import_twisted():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=300)
    assert result.stdout.strip() == "[]"


ENTRY_POINTS = ("pipeline", "scraper", "dataset_builder", "train", "benchmark", "space")


def test_every_entry_point_loads_torch_with_sleeping_openmp_threads():
    """cazton_llm sets OMP_WAIT_POLICY=PASSIVE, which OpenMP reads when torch loads: each `python -m` entry
    point must import cazton_llm before anything imports torch (spinning threads made generation 10x slower
    beside another busy process)."""
    for package in ENTRY_POINTS:
        probe = (
            "import builtins, os, sys\n"
            "real_import = builtins.__import__\n"
            "def watch(name, *args, **kwargs):\n"
            "    if name == 'torch' and 'torch' not in sys.modules:\n"
            "        order = 'after' if 'cazton_llm' in sys.modules else 'before'\n"
            "        print(f'torch {order} cazton_llm, OMP_WAIT_POLICY={os.environ.get(\"OMP_WAIT_POLICY\")}')\n"
            "    return real_import(name, *args, **kwargs)\n"
            "builtins.__import__ = watch\n"
            f"from {package} import cli\n"
            "import torch\n"
        )
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
        first_torch_import = result.stdout.splitlines()[:1]
        assert first_torch_import == ["torch after cazton_llm, OMP_WAIT_POLICY=PASSIVE"], (
            package,
            result.stderr[-500:],
        )

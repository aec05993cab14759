"""The pipeline serves the chat in the process that ran the stages: that process must never load Twisted
(Scrapy's reactor), whose zope.interface marker on `abc.ABC` breaks every Gradio component. Crawls run
in a subprocess, so importing everything the pipeline and the Space use leaves Twisted out."""

import subprocess
import sys

PROBE = """
import sys
import pipeline.cli, pipeline.publish, pipeline.runner, pipeline.serve, pipeline.stages
import scraper.crawl, scraper.site_server, space.app
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("twisted", "scrapy"))
print(loaded)
"""


def test_pipeline_and_space_never_import_twisted():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=300)
    assert result.stdout.strip() == "[]"

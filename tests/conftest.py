"""Test-wide setup: local stand-ins only, never the real network.

Hub variables must be set before `huggingface_hub`/`datasets` are imported anywhere, so they
are set here, at the top of the root conftest.
"""

import os
import tempfile

_hf_home = tempfile.mkdtemp(prefix="cazton-hf-home-")
os.environ.setdefault("HF_HOME", _hf_home)
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.pop("OPENAI_API_KEY", None)

import pytest  # noqa: E402  (after the environment setup above)

from tests.stand_ins.openai_server import OpenAIStandIn  # noqa: E402


@pytest.fixture
def openai_server():
    """A fresh OpenAI-compatible server on 127.0.0.1; the real `openai` client talks to it."""
    with OpenAIStandIn() as server:
        yield server

"""`python -m space` on a port that another program listens on (given as --port or GRADIO_SERVER_PORT): one
`error:` line naming the port and saying to pick another, exit 2, before any model loads, no traceback."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("given_as", ["--port", "GRADIO_SERVER_PORT"])
def test_a_port_in_use_is_one_line(checkable_model_dir, given_as):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "GRADIO_SERVER_PORT": str(port)} if given_as == "GRADIO_SERVER_PORT" else os.environ
        argv = ["-m", "space", "--base-model", str(checkable_model_dir), "--adapter", "", "--dataset", ""]
        argv += ["--port", str(port)] if given_as == "--port" else []
        result = subprocess.run([sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr == f"error: port {port} is already in use on 127.0.0.1: pick another with --port\n"

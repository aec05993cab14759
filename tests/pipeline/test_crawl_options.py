"""A crawl option set in the pipeline's `site` section reaches the crawl: the pipeline passes the stage's own
config through, so a new option needs no pipeline code."""

import threading
from http.server import ThreadingHTTPServer

import pytest

from cazton_llm.loopback_http import QuietKeepAliveHandler
from pipeline.config import load_config
from pipeline.stages import plan

PAGE = b"<html><head><title>Home</title></head><body><p>Northwind Forge builds business software.</p></body></html>"


class AgentRecordingHandler(QuietKeepAliveHandler):
    """One page and an allow-all robots.txt; records the User-Agent of every request."""

    def do_GET(self):
        self.server.user_agents.append(self.headers["User-Agent"])
        found = self.path in ("/", "/robots.txt")
        body = (b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else PAGE) if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def recording_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AgentRecordingHandler)
    server.user_agents = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_site_user_agent_is_the_user_agent_of_every_request(recording_site, tmp_path):
    config_path = tmp_path / "pipeline.yaml"
    config_path.write_text(
        f"run_dir: {tmp_path / 'run'}\n"
        "site:\n"
        f"  start_url: http://127.0.0.1:{recording_site.server_address[1]}/\n"
        "  user_agent: northwind-test-agent/2.0\n"
        "  fast: true\n"
        "  max_pages: 1\n"
    )
    crawl = next(stage for stage in plan(load_config(config_path)) if stage.name == "crawl")
    assert crawl.run()["pages_written"] == 1
    assert recording_site.user_agents and set(recording_site.user_agents) == {"northwind-test-agent/2.0"}

"""The sites tests crawl: the sample-site server (`scraper.sample_site_server`) plus what only tests need, a
log of every request (path and time), so a test can prove what the crawler did and did not fetch, and
per-path faults (an HTTP status, or a hang)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from scraper import sample_site_server

HANG_SECONDS = 30


class FaultInjectingHandler(sample_site_server.SiteHandler):
    server: FaultInjectingSiteServer

    def do_GET(self):
        self.server.log_request_path(self.path)
        fault = self.server.faults.get(urlsplit(self.path).path)
        if fault == "hang":
            time.sleep(HANG_SECONDS)
        elif isinstance(fault, int):
            self.send_body(fault, b"<html><body><p>error</p></body></html>", "text/html")
        else:
            super().do_GET()


class FaultInjectingSiteServer(sample_site_server.SiteServer):
    handler_class = FaultInjectingHandler

    def __init__(self, root: Path, port: int, latency_ms: int = 0):
        super().__init__(root, port, latency_ms)
        self.faults: dict[str, int | str] = {}  # path -> HTTP status, or "hang"
        self.requested_paths: list[str] = []
        self.request_times: list[float] = []  # time.monotonic() of each request, in the order of requested_paths
        self._log_lock = threading.Lock()

    def log_request_path(self, path: str) -> None:
        with self._log_lock:
            self.requested_paths.append(path)
            self.request_times.append(time.monotonic())


@contextmanager
def serve_site(root: str | Path, port: int = 0, latency_ms: int = 0) -> Iterator[FaultInjectingSiteServer]:
    """Serve `root` on 127.0.0.1 in a background thread, logging requests and injecting `server.faults`."""
    with sample_site_server.serve_site(root, port, latency_ms, FaultInjectingSiteServer) as server:
        yield server

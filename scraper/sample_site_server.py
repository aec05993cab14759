"""Serve a folder of static pages on 127.0.0.1: the bundled sample site the demo crawls (`python -m scraper
serve-sample`, the pipeline's demo config), or any folder laid out the same way.

`{{BASE}}` in sitemaps and robots.txt becomes the server's own URL; `_redirects` lines
(`/old 301 /new`) become redirects; a precompressed `NAME.gz` is served for `NAME` with
`Content-Encoding: gzip`, as nginx's gzip_static does. Optional latency per response, to look like a
remote site. Tests serve their sites with `tests/stand_ins/site_server.py`, which adds a request log and
faults.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cazton_llm.errors import UserError
from cazton_llm.loopback_http import QuietKeepAliveHandler

SAMPLE_SITE_DIR = Path(__file__).resolve().parent / "sample_site"
TEMPLATED_SUFFIXES = {".xml", ".txt"}


class SiteHandler(QuietKeepAliveHandler):
    server: SiteServer

    def do_GET(self):
        path = urlsplit(self.path).path
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        if path in self.server.redirects:
            status, target = self.server.redirects[path]
            self.send_response(status)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file_path = self.server.resolve(path)
        if file_path is None and (gzipped := self.server.precompressed(path)):
            return self.send_body(200, gzipped.read_bytes(), content_type_of(path), {"Content-Encoding": "gzip"})
        if file_path is None:
            return self.send_body(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
        body = file_path.read_bytes()
        if file_path.suffix in TEMPLATED_SUFFIXES:
            body = body.replace(b"{{BASE}}", self.server.base_url.encode())
        self.send_body(200, body, content_type_of(file_path.name))

    def send_body(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        charset = "; charset=utf-8" if content_type.startswith("text/") else ""
        self.send_header("Content-Type", content_type + charset)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # crawlers open many connections at once

    handler_class = SiteHandler

    def __init__(self, root: Path, port: int, latency_ms: int = 0):
        super().__init__(("127.0.0.1", port), self.handler_class)
        self.root = root
        self.latency_s = latency_ms / 1000
        self.redirects = self._read_redirects()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def _read_redirects(self) -> dict[str, tuple[int, str]]:
        rules_path = self.root / "_redirects"
        rules = {}
        if rules_path.is_file():
            for line in rules_path.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    source, status, target = line.split()
                    rules[source] = (int(status), target)
        return rules

    def resolve(self, path: str) -> Path | None:
        candidate = (self.root / unquote(path).lstrip("/")).resolve()
        if self.root.resolve() not in (candidate, *candidate.parents):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() and not candidate.name.startswith("_") else None

    def precompressed(self, path: str) -> Path | None:
        """The gzip file served for `path` when there is no plain one."""
        return self.resolve(path + ".gz") if not path.endswith("/") else None


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@contextmanager
def serve_site(
    root: str | Path, port: int = 0, latency_ms: int = 0, server_class: type[SiteServer] = SiteServer
) -> Iterator[SiteServer]:
    """Serve `root` on 127.0.0.1 in a background thread; yields the server (see `base_url`)."""
    try:
        server = server_class(Path(root), port, latency_ms)
    except OSError as error:
        raise UserError(
            f"cannot serve the site in {root} on 127.0.0.1:{port} ({error.strerror}): "
            "stop what uses that port or choose another port"
        ) from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_sample_site(port: int = 0, latency_ms: int = 0) -> Iterator[str]:
    """Serve the bundled sample site; yields its base URL."""
    with serve_site(SAMPLE_SITE_DIR, port, latency_ms) as server:
        yield server.base_url

"""The request handler base of the project's servers on 127.0.0.1 (the sample site and the test stand-ins)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class QuietKeepAliveHandler(BaseHTTPRequestHandler):
    """Keep-alive with TCP_NODELAY, as real web servers do: headers and body go out in separate writes, and
    Nagle's algorithm would hold the body for the client's delayed ACK (about 40 ms a response). No access log."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        return

"""An OpenAI-compatible API on 127.0.0.1 for tests and benchmarks: chat completions (plain and
streamed), the Batch API, scripted faults (429 with Retry-After, 500, hang, malformed JSON,
off-schema JSON, a 400 refusal, a 401, an HTML page or an empty `choices` with status 200), faults
chosen per request (`fault_for`), added latency and a log of every request."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from cazton_llm.loopback_http import QuietKeepAliveHandler

FAULTS = ("429", "500", "timeout", "malformed", "bad_schema", "400", "401", "html", "no_choices", "ok")
REFUSAL = "Your request was rejected as a result of our safety system."


def default_responder(request_body: dict) -> str:
    return "This is a reply from the local stand-in."


def completion(content: str, request_body: dict) -> dict:
    prompt_words = sum(len(str(message.get("content", "")).split()) for message in request_body.get("messages", []))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request_body.get("model", "stand-in"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": len(content.split()),
            "total_tokens": prompt_words + len(content.split()),
        },
    }


class OpenAIStandIn(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, latency_s: float = 0.0, hang_s: float = 5.0, retry_after_s: float = 0.2):
        super().__init__(("127.0.0.1", 0), Handler)
        self.latency_s = latency_s
        self.hang_s = hang_s
        self.retry_after_s = retry_after_s
        self.responder: Callable[[dict], str] = default_responder
        self.fault_for: Callable[[dict], str | None] = lambda body: None  # a fault for this request, or None
        self.requests: list[dict] = []
        self.authorization: list[str] = []
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        """Chat completion requests received (faults included)."""
        return len(self.requests)

    def script(self, faults: list[str]) -> None:
        """Answer the next requests with these behaviours, in order, then normally."""
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}; use {FAULTS}")
        with self._lock:
            self._faults.extend(faults)

    def next_fault(self) -> str:
        with self._lock:
            return self._faults.popleft() if self._faults else "ok"

    def record(self, body: dict, authorization: str) -> None:
        with self._lock:
            self.requests.append(body)
            self.authorization.append(authorization)

    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-answer (a process a test killed) is no fault of the stand-in."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class Handler(QuietKeepAliveHandler):
    server: OpenAIStandIn

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_html(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_GET(self):
        if self.path.rstrip("/") == "/v1/models":
            return self.send_json(200, {"object": "list", "data": [{"id": "stand-in", "object": "model"}]})
        if self.path.startswith("/v1/batches/"):
            return self.send_json(200, self.server.batches[self.path.split("/")[3]])
        if self.path.startswith("/v1/files/") and self.path.endswith("/content"):
            return self.send_json(200, self.server.files[self.path.split("/")[3]])
        self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        raw = self.read_body()
        if self.path == "/v1/chat/completions":
            return self.chat(json.loads(raw))
        if self.path == "/v1/files":
            return self.upload_file(raw)
        if self.path == "/v1/batches":
            return self.create_batch(json.loads(raw))
        self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def chat(self, body: dict) -> None:
        self.server.record(body, self.headers.get("Authorization", ""))
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        fault = self.server.fault_for(body) or self.server.next_fault()
        if fault == "400":
            error = {"error": {"message": REFUSAL, "type": "invalid_request_error", "code": "content_policy_violation"}}
            return self.send_json(400, error)
        if fault == "401":
            error = {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}}
            return self.send_json(401, error)
        if fault == "html":
            return self.send_html(b"<html><body><h1>Welcome to nginx!</h1></body></html>")
        if fault == "no_choices":
            return self.send_json(200, {**completion("", body), "choices": []})
        if fault == "429":
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}}
            return self.send_json(429, error, {"Retry-After": str(self.server.retry_after_s)})
        if fault == "500":
            return self.send_json(500, {"error": {"message": "The server had an error", "type": "server_error"}})
        if fault == "timeout":
            time.sleep(self.server.hang_s)
        if fault == "malformed":
            return self.send_json(200, b'{"id": "chatcmpl-broken", "choices": [')
        content = '{"unexpected": true}' if fault == "bad_schema" else self.server.responder(body)
        if body.get("stream"):
            return self.stream(content, body)
        self.send_json(200, completion(content, body))

    def stream(self, content: str, body: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for word in content.split(" "):
            chunk = {
                "id": "chatcmpl-s",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body.get("model"),
                "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def upload_file(self, raw: bytes) -> None:
        boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
        file_part = next(part for part in raw.split(b"--" + boundary) if b'name="file"' in part)
        content = file_part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
        file_id = f"file-{uuid.uuid4().hex[:12]}"
        self.server.files[file_id] = content
        self.send_json(
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": len(content),
                "created_at": 0,
                "filename": "batch.jsonl",
                "purpose": "batch",
                "status": "processed",
            },
        )

    def create_batch(self, body: dict) -> None:
        """Runs every request of the batch at once through the responder."""
        output_lines = []
        for line in self.server.files[body["input_file_id"]].decode().splitlines():
            request = json.loads(line)
            response = completion(self.server.responder(request["body"]), request["body"])
            output_lines.append(
                json.dumps(
                    {
                        "id": f"batch_req_{uuid.uuid4().hex[:8]}",
                        "custom_id": request["custom_id"],
                        "response": {"status_code": 200, "body": response},
                    }
                )
            )
        output_id = f"file-{uuid.uuid4().hex[:12]}"
        self.server.files[output_id] = ("\n".join(output_lines) + "\n").encode()
        batch_id = f"batch_{uuid.uuid4().hex[:12]}"
        self.server.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "completed",
            "output_file_id": output_id,
            "created_at": int(time.time()),
            "request_counts": {"total": len(output_lines), "completed": len(output_lines), "failed": 0},
        }
        self.send_json(200, self.server.batches[batch_id])

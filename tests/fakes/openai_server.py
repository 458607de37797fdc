"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for wire-format tests.

Each ``POST /v1/chat/completions`` takes the next :class:`Reply` of the script and answers it
as the real API would: a JSON ``chat.completion`` object, or — when the request says
``"stream": true`` — server-sent events (``data: {chat.completion.chunk}``) with ``delta.content``
and ``delta.tool_calls`` fragments, ending with ``data: [DONE]``. A reply can also be an HTTP
error or arrive late (to exercise the client's timeout). Every request body is recorded.

    with FakeOpenAIServer([Reply.tool("calculate_grant", {...}), Reply.text("…")]) as server:
        ChatOpenAI(base_url=server.base_url, api_key="test", model="fake-model")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

MODEL = "fake-model"


@dataclass(frozen=True)
class Reply:
    """One scripted answer: text and/or tool calls, or an HTTP error; optionally delayed."""

    content: str | None = None
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    status: int = 200
    delay_s: float = 0.0
    usage: dict[str, int] | None = None

    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        return cls(content=content, **kw)

    @classmethod
    def tool(cls, name: str, arguments: dict[str, Any], **kw: Any) -> Reply:
        return cls(tool_calls=((name, arguments),), **kw)

    @classmethod
    def error(cls, status: int = 500) -> Reply:
        return cls(status=status)

    @classmethod
    def slow(cls, delay_s: float, content: str = "遅い応答") -> Reply:
        return cls(content=content, delay_s=delay_s)


@dataclass
class RecordedRequest:
    """A request the server received: path, headers (lower-case names) and the parsed JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = field(default_factory=time.monotonic)


class FakeOpenAIServer:
    """A threaded HTTP server that plays a script of replies and records the requests."""

    def __init__(self, script: Sequence[Reply] = ()) -> None:
        self.script: list[Reply] = list(script)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes delayed replies
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- script --------------------------------------------------------------------------

    def add(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def _next(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            return self.script.pop(0) if self.script else None

    def wait(self, seconds: float) -> None:
        self._closing.wait(seconds)


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            reply = server._next(
                RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if reply is None:
                exhausted = {"message": "fake server: script exhausted", "type": "server_error"}
                self._json(500, {"error": exhausted})
                return
            if reply.delay_s:
                server.wait(reply.delay_s)
            try:
                if reply.status != 200:
                    self._json(
                        reply.status,
                        {"error": {"message": f"scripted HTTP {reply.status}", "type": "server_error"}},
                        extra_headers={"retry-after-ms": "10"},
                    )
                elif body.get("stream"):
                    self._sse(reply, body)
                else:
                    self._json(200, completion(reply))
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                return

        def _json(
            self, status: int, data: dict[str, Any], extra_headers: dict[str, str] | None = None
        ) -> None:
            payload = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _sse(self, reply: Reply, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            for chunk in stream_chunks(reply, include_usage):
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


# --- wire format ---------------------------------------------------------------------------


def _usage(reply: Reply) -> dict[str, int]:
    usage = reply.usage or {"prompt_tokens": 100, "completion_tokens": 20}
    return {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}


def _tool_call_id(index: int) -> str:
    return f"call_{index + 1}"


def completion(reply: Reply) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": _tool_call_id(i),
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(reply),
    }


def _pieces(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def stream_chunks(reply: Reply, include_usage: bool = False) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed reply (arguments and text in pieces)."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }

    yield chunk({"role": "assistant", "content": ""})
    if reply.content:
        for piece in _pieces(reply.content, 8):
            yield chunk({"content": piece})
    for i, (name, args) in enumerate(reply.tool_calls):
        function = {"name": name, "arguments": ""}
        head = {"index": i, "id": _tool_call_id(i), "type": "function", "function": function}
        yield chunk({"tool_calls": [head]})
        for piece in _pieces(json.dumps(args, ensure_ascii=False), 10):
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    if include_usage:
        yield {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": MODEL,
            "choices": [],
            "usage": _usage(reply),
        }

"""A fake Slack Web API on 127.0.0.1 that records every call, for the Slack channel's tests.

It answers what the bot uses — ``auth.test`` (bolt calls it on the first request),
``chat.postMessage``, ``chat.postEphemeral``, ``chat.update`` — under ``/api/<method>`` with
form or JSON bodies, and ``response_url`` posts under ``/response/<name>``. Like Slack, it
refuses messages over the Block Kit limits (``invalid_blocks``, ``msg_too_long``), so the
renderer's limits are checked on the wire too. A call can be scripted to fail once
(``fail("chat.postMessage", "not_in_channel")``).

    with FakeSlackApi() as slack:
        AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        slack.wait_for("chat.postMessage")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOTADVISOR"
BOT_ID = "BBOTADVISOR"
TEAM_ID = "TFAKETEAM"
RESPONSE_URL_CALL = "response_url"
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update")


@dataclass
class SlackCall:
    """One request the fake received: the API method (or ``response_url``) and its parsed body."""

    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    seq: int
    response: dict[str, Any] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def blocks_json(self) -> str:
        return json.dumps(self.blocks, ensure_ascii=False)


class FakeSlackApi:
    """A threaded HTTP server that plays Slack's Web API and records the calls."""

    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self._failures: dict[str, list[str]] = {}
        self._ts = 1_760_000_000_000_100
        self._changed = threading.Condition()
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
        """The Web API base URL (``AsyncWebClient(base_url=...)``, with the trailing slash)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def start(self) -> FakeSlackApi:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- script and records --------------------------------------------------------------

    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self._failures.clear()

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        with self._changed:
            self._failures.setdefault(method, []).extend([error] * times)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def message_calls(self) -> list[SlackCall]:
        """Every call that shows a message (the three chat methods and response_url posts)."""
        with self._changed:
            return [c for c in self.calls if c.method in (*MESSAGE_METHODS, RESPONSE_URL_CALL)]

    def wait_for(self, method: str, count: int = 1, timeout_s: float = 10.0) -> list[SlackCall]:
        """Block until ``method`` was called ``count`` times (AssertionError after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                calls = [call for call in self.calls if call.method == method]
                if len(calls) >= count:
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [call.method for call in self.calls]
                    raise AssertionError(f"{method} called {len(calls)}/{count} times; calls: {seen}")
                self._changed.wait(remaining)

    def _take_failure(self, method: str) -> str | None:
        with self._changed:
            pending = self._failures.get(method)
            return pending.pop(0) if pending else None

    def _record(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str], response: dict[str, Any]
    ) -> None:
        with self._changed:
            self.calls.append(SlackCall(method, path, body, headers, seq=len(self.calls), response=response))
            self._changed.notify_all()

    def _next_ts(self) -> str:
        with self._changed:
            self._ts += 100
            whole, frac = divmod(self._ts, 1_000_000)
            return f"{whole}.{frac:06d}"

    # --- answers ---------------------------------------------------------------------------

    def answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake-team.slack.com/",
                "team": "Fake Team",
                "user": "hojokin-advisor",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in MESSAGE_METHODS:
            problem = check_message(body)
            if problem:
                return {"ok": False, "error": problem}
            ts = str(body.get("ts") or self._next_ts())
            message = {"type": "message", "text": body.get("text", ""), "ts": ts, "bot_id": BOT_ID}
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        return {"ok": False, "error": "unknown_method"}


def check_message(body: dict[str, Any]) -> str | None:
    """Slack's error code for a message over the limits, else None."""
    text = body.get("text") or ""
    if len(str(text)) > 40_000:
        return "msg_too_long"
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > 50:
        return "invalid_blocks"
    total = 0
    for block in blocks:
        section_text = (block.get("text") or {}).get("text", "") if block.get("type") == "section" else ""
        if len(section_text) > 3000:
            return "invalid_blocks"
        fields = block.get("fields") or []
        if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
            return "invalid_blocks"
        if block.get("type") == "context" and len(block.get("elements", [])) > 10:
            return "invalid_blocks"
        if block.get("type") == "actions" and len(block.get("elements", [])) > 25:
            return "invalid_blocks"
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if len(element["text"]["text"]) > 75 or len(element.get("action_id", "")) > 255:
                return "invalid_blocks"
        total += len(section_text) + sum(len(f.get("text", "")) for f in fields)
    if total > 12_000:
        return "msg_blocks_too_long"
    return None


def parse_body(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
    """A JSON or form body (plus query parameters) as a dict."""
    body: dict[str, Any] = dict(parse_qsl(query))
    if not raw:
        return body
    if content_type.startswith("application/json"):
        body.update(json.loads(raw))
    else:
        body.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return body


def _handler_for(server: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
            return

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = parse_body(headers.get("content-type", ""), raw, url.query)
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._send(400, b"bad body", "text/plain")
                return
            if url.path.startswith("/response/"):
                problem = server._take_failure(RESPONSE_URL_CALL) or check_message(body)
                server._record(RESPONSE_URL_CALL, url.path, body, headers, {"ok": not problem})
                if problem:
                    self._send(400, problem.encode(), "text/plain")
                else:
                    self._send(200, b"ok", "text/plain")
                return
            if not url.path.startswith("/api/"):
                self._send(404, b"not found", "text/plain")
                return
            method = url.path.removeprefix("/api/")
            failure = server._take_failure(method)
            data = {"ok": False, "error": failure} if failure else server.answer(method, body)
            server._record(method, url.path, body, headers, data)
            self._send(200, json.dumps(data, ensure_ascii=False).encode(), "application/json")

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def iter_texts(value: Any) -> Iterator[str]:
    """Every ``text`` string inside blocks (for assertions on what a message shows)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from iter_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_texts(item)

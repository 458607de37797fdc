"""A fake Slack Web API on 127.0.0.1 that records every call, for the Slack channel's tests.

It answers what the bot uses — ``auth.test`` (bolt calls it on the first request),
``chat.postMessage``, ``chat.postEphemeral``, ``chat.update``, ``views.open`` (the 👎 reason
modal) and ``reactions.add`` (👀 on a question) — under ``/api/<method>`` with form or JSON
bodies, and ``response_url`` posts under ``/response/<name>``. Like Slack, it refuses messages
over the Block Kit limits (``invalid_blocks``, ``msg_too_long``) and modals over the view limits
(``invalid_arguments``), so the renderer's limits are checked on the wire too; ``reactions``
holds the reactions added (``already_reacted`` for a repeat, as Slack answers). A call can be
scripted to fail once (``fail("chat.postMessage", "not_in_channel")``), to be rate limited like
Slack does it (HTTP 429 with ``Retry-After``: ``rate_limit("chat.postMessage", times=2)``) or to
lose its connection (``drop(...)``: the fake reads the request and closes the socket without an
answer); those attempts are recorded too, with ``status`` 429 or 0. For ``advisor slack
--check`` it serves ``conversations.info`` (from ``channels``), ``usergroups.users.list`` (from
``usergroups``) and the granted scopes in every API answer's ``x-oauth-scopes`` header (from
``scopes``; None: no header).

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
# What slack/manifest.yaml asks for: the scopes a correctly installed app has.
MANIFEST_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "groups:history",
    "groups:read",
    "im:history",
    "reactions:write",
)
DROPPED = 0  # SlackCall.status of an attempt whose connection the fake closed


def default_channels() -> dict[str, dict[str, Any]]:
    """The conversations the fake knows (conversations.info), the bot a member of each."""
    return {
        "C0SUPPORT": {"name": "support", "is_private": False, "is_member": True},
        "C0HANDOFF": {"name": "staff-handoff", "is_private": False, "is_member": True},
    }


@dataclass(frozen=True)
class Scripted:
    """A scripted answer to one call: Slack's error (HTTP 200), a 429, or a dropped connection."""

    kind: str  # "error" | "rate_limited" | "drop"
    error: str = ""
    retry_after: int = 0


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
    status: int = 200  # the HTTP status the fake answered (429 rate limited, 0 dropped)

    @property
    def delivered(self) -> bool:
        """Slack took it (HTTP 200 and ``ok``): a message call that shows in the conversation."""
        return self.status == 200 and bool(self.response.get("ok"))

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
        self._failures: dict[str, list[Scripted]] = {}
        self.scopes: list[str] | None = list(MANIFEST_SCOPES)
        self.channels: dict[str, dict[str, Any]] = default_channels()
        self.usergroups: dict[str, list[str]] = {}
        self.reactions: list[tuple[str, str, str]] = []  # (channel, ts, name) in the order added
        self._views = 0
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
            self.scopes = list(MANIFEST_SCOPES)
            self.channels = default_channels()
            self.usergroups = {}
            self.reactions = []

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._script(method, Scripted("error", error), times)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 0) -> None:
        """The next ``times`` calls of ``method`` (or ``response_url``) get HTTP 429 with
        ``Retry-After: retry_after`` and ``{"ok": false, "error": "ratelimited"}``, as Slack does."""
        self._script(method, Scripted("rate_limited", "ratelimited", retry_after), times)

    def drop(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` lose their connection: read, never answered."""
        self._script(method, Scripted("drop"), times)

    def _script(self, method: str, scripted: Scripted, times: int) -> None:
        with self._changed:
            self._failures.setdefault(method, []).extend([scripted] * times)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def delivered_to(self, method: str) -> list[SlackCall]:
        """The calls of ``method`` Slack took (neither rate limited, dropped nor refused)."""
        return [call for call in self.calls_to(method) if call.delivered]

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

    def _take_failure(self, method: str) -> Scripted | None:
        with self._changed:
            pending = self._failures.get(method)
            return pending.pop(0) if pending else None

    def _record(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        headers: dict[str, str],
        response: dict[str, Any],
        status: int = 200,
    ) -> None:
        with self._changed:
            seq = len(self.calls)
            self.calls.append(SlackCall(method, path, body, headers, seq, response=response, status=status))
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
        if method == "conversations.info":
            channel = self.channels.get(str(body.get("channel", "")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": body["channel"], "is_archived": False, **channel}}
        if method == "usergroups.users.list":
            users = self.usergroups.get(str(body.get("usergroup", "")))
            if users is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(users)}
        if method == "views.open":
            return self._open_view(body)
        if method == "reactions.add":
            return self._add_reaction(body)
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

    def _open_view(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        problem = check_view(view)
        if problem:
            return {"ok": False, "error": problem}
        with self._changed:
            self._views += 1
            view_id = f"VFAKE{self._views:05d}"
        return {"ok": True, "view": {"id": view_id, "team_id": TEAM_ID, **view, "state": {"values": {}}}}

    def _add_reaction(self, body: dict[str, Any]) -> dict[str, Any]:
        key = (str(body.get("channel", "")), str(body.get("timestamp", "")), str(body.get("name", "")))
        if not all(key):
            return {"ok": False, "error": "invalid_arguments"}
        with self._changed:
            if key in self.reactions:
                return {"ok": False, "error": "already_reacted"}
            self.reactions.append(key)
        return {"ok": True}


def check_view(view: Any) -> str | None:
    """Slack's error code for a modal over the view limits (views.open), else None."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return "invalid_arguments"
    for key in ("title", "submit", "close"):
        label = view.get(key)
        if label is not None and (label.get("type") != "plain_text" or len(label.get("text", "")) > 24):
            return "invalid_arguments"
    if not view.get("title"):
        return "invalid_arguments"
    blocks = view.get("blocks") or []
    if len(blocks) > 100 or len(str(view.get("private_metadata", ""))) > 3000:
        return "invalid_arguments"
    if len(str(view.get("callback_id", ""))) > 255:
        return "invalid_arguments"
    for block in blocks:
        if block.get("type") == "input":
            if not block.get("element") or len(block.get("label", {}).get("text", "")) > 2000:
                return "invalid_arguments"
            if block.get("submit") is None and view.get("submit") is None:
                return "invalid_arguments"  # a modal with inputs needs a submit button
            if int(block["element"].get("max_length", 0)) > 3000:
                return "invalid_arguments"
        elif block.get("type") == "section" and len((block.get("text") or {}).get("text", "")) > 3000:
            return "invalid_arguments"
    return None


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
                scripted = server._take_failure(RESPONSE_URL_CALL)
                if self._scripted(RESPONSE_URL_CALL, url.path, body, headers, scripted, plain=True):
                    return
                problem = scripted.error if scripted else check_message(body)
                status = 400 if problem else 200
                server._record(RESPONSE_URL_CALL, url.path, body, headers, {"ok": not problem}, status)
                self._send(status, (problem or "ok").encode(), "text/plain")
                return
            if not url.path.startswith("/api/"):
                self._send(404, b"not found", "text/plain")
                return
            method = url.path.removeprefix("/api/")
            scripted = server._take_failure(method)
            if self._scripted(method, url.path, body, headers, scripted):
                return
            data = {"ok": False, "error": scripted.error} if scripted else server.answer(method, body)
            server._record(method, url.path, body, headers, data)
            self._send(200, json.dumps(data, ensure_ascii=False).encode(), "application/json")

        do_GET = do_POST  # conversations.info and usergroups.users.list are GETs (query parameters)

        def _scripted(
            self,
            method: str,
            path: str,
            body: dict[str, Any],
            headers: dict[str, str],
            scripted: Scripted | None,
            *,
            plain: bool = False,
        ) -> bool:
            """Answer a scripted 429 or drop the connection; False for anything else."""
            if scripted is None or scripted.kind == "error":
                return False
            if scripted.kind == "drop":
                server._record(method, path, body, headers, {}, DROPPED)
                self.close_connection = True  # nothing written: the client sees the socket close
                return True
            data = {"ok": False, "error": "ratelimited"}
            server._record(method, path, body, headers, data, 429)
            retry_after = {"Retry-After": str(scripted.retry_after)}
            if plain:
                self._send(429, b"rate_limited", "text/plain", retry_after)
            else:
                self._send(429, json.dumps(data).encode(), "application/json", retry_after)
            return True

        def _send(
            self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if server.scopes is not None and self.path.startswith("/api/"):
                self.send_header("x-oauth-scopes", ",".join(server.scopes))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
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

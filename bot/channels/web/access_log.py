"""Structured access log: one JSON line per request on the ``bot.channels.web.access`` logger.

Fields: ``ts``, ``method``, ``path``, ``status``, ``duration_ms``, ``session_id`` (set by the
routes in ``request.state.session_id``). Request bodies — the users' messages — are logged only
when ``settings.log_bodies`` is on (then as ``body``, at most ``max_body_bytes``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "bot.channels.web.access"


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, log_bodies: bool = False, max_body_bytes: int = 64 * 1024) -> None:
        self.app = app
        self.log_bodies = log_bodies
        self.max_body_bytes = max_body_bytes
        self.logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500
        body = bytearray()

        async def receive_logged() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < self.max_body_bytes:
                body.extend(message.get("body", b"")[: self.max_body_bytes - len(body)])
            return message

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive_logged if self.log_bodies else receive, send_logged)
        finally:
            record: dict[str, Any] = {
                "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "session_id": state.get("session_id"),
            }
            if self.log_bodies:
                record["body"] = body.decode("utf-8", errors="replace")
            self.logger.info(json.dumps(record, ensure_ascii=False))


def configure_server_logging() -> None:
    """For a server process: plain lines for the logs, bare JSON lines for the access log
    (both on stderr). Libraries never call this; ``advisor serve`` and its workers do."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    access = logging.getLogger(ACCESS_LOGGER)
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False

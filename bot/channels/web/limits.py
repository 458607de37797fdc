"""Request limits: the body size cap (413) and the per-IP / per-session rate limits (429).

The rate limiter is a small in-memory sliding-window log, one per app (kept in ``app.state``,
never a module global). It is per process: with several uvicorn workers or hosts, each counts
on its own — put a shared limiter (the reverse proxy's) in front for a global limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web.errors import PayloadTooLargeError, RateLimitedError, advisor_error_response
from bot.config import Settings

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window_s`` seconds; thread-safe.

    ``hit(key)`` records a hit and returns None, or — when the key is at its limit — records
    nothing and returns the seconds until the oldest hit leaves the window. At most
    ``max_keys`` keys are tracked (the least recently used are forgotten first).
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window_s - now, 0.001)
            hits.append(now)
            return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._hits)


@dataclass
class RateLimits:
    """The app's two limiters: POST requests per client IP and chat messages per session."""

    per_ip: SlidingWindowLimiter
    per_session: SlidingWindowLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        window = settings.rate_limit_window_s
        return cls(
            per_ip=SlidingWindowLimiter(settings.rate_limit_per_ip, window),
            per_session=SlidingWindowLimiter(settings.rate_limit_per_session, window),
        )

    def check_ip(self, ip: str) -> None:
        wait = self.per_ip.hit(ip)
        if wait is not None:
            raise RateLimitedError(wait, "このIPアドレスから", "from this IP address")

    def check_session(self, session_id: str | None) -> None:
        if session_id is None:
            return
        wait = self.per_session.hit(session_id)
        if wait is not None:
            raise RateLimitedError(wait, "この会話", "in this conversation")


class BodyLimitMiddleware:
    """413 for a body over ``max_bytes``: by its Content-Length, else while it is received.

    The body (at most ``max_bytes``) is read before the app runs and then replayed to it, so an
    oversized chunked upload is refused before any handler sees it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = advisor_error_response(PayloadTooLargeError(self.max_bytes))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

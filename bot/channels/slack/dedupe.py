"""A time-limited set of keys: Slack's retries and duplicate deliveries are answered only once.

Slack re-sends an event when it did not get a 200 within 3 seconds (``X-Slack-Retry-Num``,
the same ``event_id``). Each :class:`~bot.channels.slack.app.SlackBot` owns one ``TtlSet``
(nothing module-global); it lives in the process, so run one worker per Slack app (or put a
shared store behind the same interface) — see docs/slack.md.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_TTL_S = 3600.0  # Slack retries within minutes; an hour is ample
DEFAULT_MAX_KEYS = 10_000


class TtlSet:
    """Keys remembered for ``ttl_s`` seconds (at most ``max_keys``, the oldest dropped first)."""

    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0 or max_keys < 1:
            raise ValueError("ttl_s must be positive and max_keys at least 1")
        self._ttl = ttl_s
        self._max = max_keys
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str) -> bool:
        """Remember ``key``; True when it is new, False when it was seen within the TTL."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if key in self._expiry:
                return False
            self._expiry[key] = now + self._ttl
            while len(self._expiry) > self._max:
                self._expiry.popitem(last=False)
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._expire(self._clock())
            return key in self._expiry

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._expiry)

    def _expire(self, now: float) -> None:
        # Insertion order is expiry order (one TTL for every key), so expired keys are at the front.
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now:
                return
            del self._expiry[key]

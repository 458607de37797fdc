"""The SSE stream of one chat turn: ``progress``* → ``delta``+ → ``final`` (or one ``error``).

``answer()`` blocks (retrieval, tools, SQLite), so it runs in a worker thread; its progress
events cross back to the event loop through an asyncio queue (``call_soon_threadsafe``), so
the loop never blocks. The engine does not stream tokens, so the finished answer is sent as
``delta`` chunks of ~20–60 characters cut at natural boundaries; their concatenation is the
``final`` answer exactly. A client that disconnects stops the stream; the worker finishes the
turn (it is stored) and nothing else happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi.sse import ServerSentEvent

from bot.advisor import answer
from bot.channels.web.errors import INTERNAL_ERROR_EN, INTERNAL_ERROR_JA
from bot.deps import Deps
from bot.errors import AdvisorError
from bot.models import Answer

log = logging.getLogger("bot.channels.web")

MIN_CHUNK = 20
MAX_CHUNK = 60
# Cut after a line break, else a sentence end, else a clause boundary (best first).
BOUNDARIES = ("\n", "。！？!?", "、，,；;：:）)」』】 ")


@dataclass(frozen=True)
class ChatTurn:
    """A validated chat request: the stripped message, the session and the as-of date."""

    message: str
    session_id: str | None
    as_of: dt.date


def chunk_text(text: str, min_chars: int = MIN_CHUNK, max_chars: int = MAX_CHUNK) -> list[str]:
    """``text`` in chunks of at most ``max_chars``, cut at the last natural boundary at or after
    ``min_chars`` (a hard cut at ``max_chars`` when there is none); ``"".join`` gives ``text``."""
    chunks: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = max_chars
        for marks in BOUNDARIES:
            found = max((i for i in range(min_chars - 1, len(window)) if window[i] in marks), default=-1)
            if found >= 0:
                cut = found + 1
                break
        chunks.append(text[start : start + cut])
        start += cut
    if start < len(text):
        chunks.append(text[start:])
    return chunks


def sse(event: str, data: Any) -> ServerSentEvent:
    """An event whose data is compact JSON with the Japanese left readable."""
    return ServerSentEvent(event=event, raw_data=json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def error_event(code: str, message_ja: str, message_en: str) -> ServerSentEvent:
    return sse("error", {"code": code, "message_ja": message_ja, "message_en": message_en})


async def stream_answer(
    turn: ChatTurn,
    deps: Deps,
    tasks: set[asyncio.Task[Any]],
    on_final: Callable[[Answer], None] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """The events of one turn; the worker task is kept in ``tasks`` until it ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put_threadsafe(item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is listening any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def on_event(event: dict[str, Any]) -> None:  # called in the worker thread
        if event.get("type") == "progress":
            put_threadsafe(("progress", {"label": event.get("label"), "tool": event.get("tool")}))

    async def work() -> None:
        run = partial(
            answer,
            turn.message,
            session_id=turn.session_id,
            as_of=turn.as_of,
            deps=deps,
            channel="web",
            on_event=on_event,
        )
        try:
            result = await anyio.to_thread.run_sync(run)
        except AdvisorError as exc:
            queue.put_nowait(("error", error_event(exc.code, exc.message_ja, exc.message_en)))
        except Exception:
            log.exception("chat stream failed")
            queue.put_nowait(("error", error_event("internal_error", INTERNAL_ERROR_JA, INTERNAL_ERROR_EN)))
        else:
            queue.put_nowait(("final", result))

    task = asyncio.create_task(work())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    while True:
        kind, payload = await queue.get()
        if kind == "progress":
            yield sse("progress", payload)
        elif kind == "error":
            yield payload
            return
        else:
            result: Answer = payload
            if on_final is not None:
                on_final(result)
            for chunk in chunk_text(result.answer):
                yield sse("delta", {"text": chunk})
            yield sse("final", result.model_dump(mode="json"))
            return

"""The pieces behind "answered once, in order, never lost": TtlSet, KeyedLocks, BackgroundTasks,
and the web app's shutdown waiting for answers still being written."""

from __future__ import annotations

import asyncio

import pytest
from fakes.slack_api import FakeSlackApi
from fastapi.testclient import TestClient

from bot.channels.locks import KeyedLocks
from bot.channels.slack.app import BackgroundTasks, SlackBot
from bot.channels.slack.dedupe import TtlSet
from bot.deps import Deps

from .conftest import mounted_app
from .support import EVENTS, GRANT_QUESTION, event_body, mention, new_ts, signed_headers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_new_once_within_the_ttl() -> None:
    clock = Clock()
    seen = TtlSet(ttl_s=60, clock=clock)

    assert seen.add("event:Ev1") is True
    assert seen.add("event:Ev1") is False
    clock.now += 59
    assert "event:Ev1" in seen
    clock.now += 2
    assert "event:Ev1" not in seen
    assert seen.add("event:Ev1") is True


def test_the_oldest_keys_go_first_when_full() -> None:
    seen = TtlSet(ttl_s=60, max_keys=3, clock=Clock())
    for key in "abcd":
        seen.add(key)

    assert len(seen) == 3
    assert "a" not in seen and "d" in seen


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        TtlSet(ttl_s=0)
    with pytest.raises(ValueError):
        TtlSet(max_keys=0)


@pytest.mark.anyio
async def test_keyed_locks_serialise_one_key_and_are_dropped_after_use() -> None:
    locks = KeyedLocks()
    tasks = BackgroundTasks()
    order: list[str] = []

    async def work(key: str, name: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(pause)
            order.append(f"{name}-")

    tasks.spawn(work("thread-1", "a", 0.05), name="a")
    tasks.spawn(work("thread-1", "b", 0.0), name="b")
    tasks.spawn(work("thread-2", "c", 0.0), name="c")
    await tasks.drain(timeout_s=5)

    assert order.index("a-") < order.index("b+")  # same thread: one after the other
    assert order.index("c+") < order.index("a-")  # another thread does not wait
    assert len(locks) == 0 and len(tasks) == 0


@pytest.mark.anyio
async def test_a_failing_task_does_not_stop_the_others() -> None:
    tasks = BackgroundTasks()
    done: list[str] = []

    async def fail() -> None:
        raise RuntimeError("boom")

    async def succeed() -> None:
        await asyncio.sleep(0.01)
        done.append("ok")

    tasks.spawn(fail(), name="fail")
    tasks.spawn(succeed(), name="succeed")
    await tasks.drain(timeout_s=5)

    assert done == ["ok"]


def test_shutting_the_web_app_down_waits_for_answers_being_written(deps: Deps, slack: FakeSlackApi) -> None:
    bot = SlackBot(deps)
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))

    with TestClient(mounted_app(deps, bot)) as client:
        response = client.post(
            EVENTS, content=body, headers=signed_headers(body, content_type="application/json")
        )
        assert response.status_code == 200
    # The lifespan's shutdown drained the bot's tasks: the answer was posted before it ended.
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(bot.tasks) == 0

"""Mentions and DMs: answered in the thread, the thread is the session, retries answered once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import pytest
from fakes.slack_api import BOT_ID, BOT_USER_ID, FakeSlackApi, iter_texts

from bot.channels.slack.app import SlackBot
from bot.deps import Deps
from bot.tools.parsing import format_yen
from bot.tools.schemas import run_tool

from .conftest import mounted_app
from .support import (
    CHANNEL,
    DM_CHANNEL,
    EVENTS,
    FOLLOW_UP_QUESTION,
    GRANT_QUESTION,
    ZERO,
    FailingEngine,
    GatedEngine,
    direct_message,
    event_body,
    fixed_clock,
    mention,
    new_ts,
    signed_headers,
)

pytestmark = pytest.mark.anyio

JSON = "application/json"


async def deliver(http: httpx.AsyncClient, body: str, **headers: str) -> httpx.Response:
    response = await http.post(
        EVENTS, content=body, headers={**signed_headers(body, content_type=JSON), **headers}
    )
    assert response.status_code == 200, response.text
    return response


async def test_a_mention_is_answered_in_its_thread_with_the_amount_and_sources(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    ts = new_ts()
    await deliver(http, event_body(mention(GRANT_QUESTION, ts=ts)))
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert post.body["channel"] == CHANNEL
    assert post.body["thread_ts"] == ts
    assert "800万円" in post.blocks_json
    contexts = [b for b in post.blocks if b["type"] == "context"]
    links = [t for b in contexts for t in iter_texts(b) if t.startswith("<https://")]
    assert links, "a context block links the sources"
    assert any("ゼロエミッション化に向けた省エネ設備導入" in link for link in links)
    session = deps.store.find_session_by_key(f"{CHANNEL}:{ts}")
    assert session is not None and session.channel == "slack"
    assert [m.role for m in deps.store.list_messages(session.session_id)] == ["user", "assistant"]
    assert deps.store.list_messages(session.session_id)[0].content == GRANT_QUESTION  # mention stripped


async def test_a_follow_up_in_the_thread_keeps_the_context(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    root = new_ts()
    await deliver(http, event_body(mention(GRANT_QUESTION, ts=root)))
    await deliver(http, event_body(mention(FOLLOW_UP_QUESTION, ts=new_ts(), thread_ts=root)))
    await bot.drain()

    first, second = slack.wait_for("chat.postMessage", 2)
    assert first.body["thread_ts"] == second.body["thread_ts"] == root
    capped = run_tool(
        "calculate_grant",
        {"programme_id": ZERO, "category": "3", "eligible_cost_yen": 15_000_000},
        deps.knowledge.programmes,
    )
    assert capped["amount_yen"] == 10_000_000 and capped["capped"] is False  # 2/3 of 1,500万 = the cap
    assert format_yen(capped["amount_yen"]) == "1,000万円"
    assert "1,000万円" in second.blocks_json
    assert "800万円" not in second.blocks_json
    session = deps.store.find_session_by_key(f"{CHANNEL}:{root}")
    assert session is not None
    assert len(deps.store.list_messages(session.session_id)) == 4  # one session for the thread


async def test_a_retry_of_the_same_event_is_not_answered_twice(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()), event_id="Ev0RETRY01")
    await deliver(http, body)
    await deliver(http, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await deliver(http, body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})
    await bot.drain()

    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_timeout_retry_is_skipped_even_when_the_first_delivery_is_unknown(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    # Slack retries with reason http_timeout only when it did deliver the first attempt.
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))
    await deliver(http, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await bot.drain()

    assert slack.calls_to("chat.postMessage") == []


async def test_a_retry_after_a_failed_first_delivery_is_answered(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    # The first attempt never reached this process (e.g. a restart): the retry is the question.
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))
    await deliver(http, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    await bot.drain()

    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_the_same_message_as_two_events_is_answered_once(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    ts = new_ts()
    await deliver(http, event_body(direct_message(f"<@{BOT_USER_ID}> {GRANT_QUESTION}", ts=ts)))
    await deliver(http, event_body({**mention(GRANT_QUESTION, ts=ts), "channel": DM_CHANNEL}))
    await bot.drain()

    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_direct_message_is_answered_in_its_thread(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    ts = new_ts()
    await deliver(http, event_body(direct_message(GRANT_QUESTION, ts=ts)))
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert post.body["channel"] == DM_CHANNEL and post.body["thread_ts"] == ts
    assert "800万円" in post.blocks_json
    assert deps.store.find_session_by_key(f"{DM_CHANNEL}:{ts}") is not None
    assert slack.reactions == [(DM_CHANNEL, ts, "eyes")]  # 👀 on the DM too


async def test_bot_messages_and_the_bots_own_messages_are_ignored(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    await deliver(http, event_body(direct_message("他のボットの投稿", ts=new_ts(), bot_id="BOTHER01")))
    await deliver(
        http, event_body(direct_message("自分の投稿", ts=new_ts(), user=BOT_USER_ID, bot_id=BOT_ID))
    )
    await deliver(http, event_body(direct_message("編集", ts=new_ts(), subtype="message_changed")))
    await deliver(
        http, event_body({**direct_message("チャンネルの発言", ts=new_ts()), "channel_type": "channel"})
    )
    await bot.drain()

    assert [c.method for c in slack.calls if c.method != "auth.test"] == []


async def test_a_mention_without_a_question_gets_the_usage(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    ts = new_ts()
    await deliver(http, event_body(mention("", ts=ts)))
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == ts
    assert "使い方" in post.blocks_json and "/hojokin" in post.blocks_json
    assert f"<@{BOT_USER_ID}> をメンションして" in post.blocks_json  # a real mention of the bot
    assert slack.calls_to("reactions.add") == []  # the usage comes at once: no 👀


async def test_an_advisor_error_becomes_a_japanese_message_in_the_thread(
    make_deps: Callable[..., Deps], slack: FakeSlackApi
) -> None:
    deps = make_deps()
    deps.settings.database_path.mkdir(parents=True)  # a directory where the SQLite file should be
    bot = SlackBot(deps, clock=fixed_clock)
    transport = httpx.ASGITransport(app=mounted_app(deps, bot))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        ts = new_ts()
        await deliver(http, event_body(mention(GRANT_QUESTION, ts=ts)))
        await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert post.body["thread_ts"] == ts
    assert "申し訳ありません。回答中にエラーが発生しました" in post.blocks_json
    assert "会話データベースに接続できません" in post.blocks_json  # the reason, in Japanese


async def test_an_unexpected_failure_is_reported_not_silent(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    deps.use_llm_engine(FailingEngine())
    await deliver(http, event_body(mention(GRANT_QUESTION, ts=new_ts())))
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert "申し訳ありません。回答中にエラーが発生しました" in post.blocks_json
    assert "model crashed" not in post.blocks_json


async def test_when_slack_refuses_the_answer_an_error_message_follows(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    slack.fail("chat.postMessage", "invalid_blocks")
    ts = new_ts()
    await deliver(http, event_body(mention(GRANT_QUESTION, ts=ts)))
    await bot.drain()

    refused, error = slack.calls_to("chat.postMessage")
    assert refused.response["ok"] is False
    assert error.body["thread_ts"] == ts and "申し訳ありません" in error.blocks_json


async def test_the_advisor_runs_off_the_event_loop(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    gate = threading.Event()
    engine = GatedEngine(deps.offline_engine, gate)
    deps.use_llm_engine(engine)
    await deliver(http, event_body(mention(GRANT_QUESTION, ts=new_ts())))
    # The advisor is blocked in its worker thread; the loop still serves Slack's requests.
    assert await asyncio.to_thread(engine.started.wait, 10)
    other = await http.post(EVENTS, content="{}", headers=signed_headers("{}", content_type=JSON))
    assert other.status_code in (200, 404)
    assert slack.calls_to("chat.postMessage") == []
    gate.set()
    await bot.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_question_gets_eyes_within_a_second_while_the_advisor_works(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    gate = threading.Event()
    deps.use_llm_engine(GatedEngine(deps.offline_engine, gate))
    ts = new_ts()

    await deliver(http, event_body(mention(GRANT_QUESTION, ts=ts)))
    # 👀 arrives within a second, while the advisor is still held by the gate.
    [reaction] = await asyncio.to_thread(slack.wait_for, "reactions.add", 1, 1.0)
    assert (reaction.body["channel"], reaction.body["timestamp"], reaction.body["name"]) == (
        CHANNEL,
        ts,
        "eyes",
    )
    assert reaction.delivered and slack.calls_to("chat.postMessage") == []
    gate.set()
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert post.seq > reaction.seq
    assert slack.reactions == [(CHANNEL, ts, "eyes")]  # left on: nothing removes it


async def test_the_answer_comes_even_when_the_reaction_is_refused(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    slack.fail("reactions.add", "missing_scope")  # an install without reactions:write

    await deliver(http, event_body(mention(GRANT_QUESTION, ts=new_ts())))
    await bot.drain()

    [post] = slack.calls_to("chat.postMessage")
    assert "800万円" in post.blocks_json and slack.reactions == []

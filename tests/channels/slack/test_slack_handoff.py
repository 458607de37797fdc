"""The hand-off's Slack side: which thread replies reach the website user, and 「対応を終了」."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from fakes.slack_api import BOT_ID, BOT_USER_ID, RESPONSE_URL_CALL, FakeSlackApi

from bot.channels.handoff.render import END_ACTION
from bot.channels.slack.app import SlackBot
from bot.channels.slack.handoff import slack_to_plain
from bot.deps import Deps

from .conftest import mounted_app
from .support import (
    CHANNEL,
    EVENTS,
    STAFF,
    action_body,
    direct_message,
    event_body,
    fixed_clock,
    new_ts,
    signed_headers,
)

pytestmark = pytest.mark.anyio

HANDOFF = "C0HANDOFF"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Setup:
    http: httpx.AsyncClient
    bot: SlackBot
    deps: Deps
    session_id: str
    thread_ts: str


@pytest.fixture
async def handed(make_deps: Callable[..., Deps]) -> AsyncIterator[Setup]:
    """The Slack app with a hand-off channel, and a web session handed off to one of its threads."""
    deps = make_deps(slack_handoff_channel=HANDOFF)
    bot = SlackBot(deps, clock=fixed_clock)
    thread_ts = new_ts()
    session = deps.store.create_session("web")
    deps.store.add_message(session.session_id, "user", "人と話したい")
    deps.store.set_handoff(session.session_id, "active", f"{HANDOFF}:{thread_ts}")
    transport = httpx.ASGITransport(app=mounted_app(deps, bot))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Setup(http, bot, deps, session.session_id, thread_ts)


async def deliver(setup: Setup, body: str, content_type: str = JSON) -> None:
    headers = signed_headers(body, content_type=content_type)
    response = await setup.http.post(EVENTS, content=body, headers=headers)
    assert response.status_code == 200, response.text
    await setup.bot.drain()


def reply(text: str, thread_ts: str, *, channel: str = HANDOFF, **extra: object) -> str:
    ts = new_ts()
    event = {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": STAFF,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
        **extra,
    }
    return event_body(event)


def staff_messages(setup: Setup) -> list[str]:
    return [m.content for m in setup.deps.store.list_messages(setup.session_id) if m.role == "staff"]


def end_click(thread_ts: str, response_url: str) -> str:
    root = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "相談", "ts": thread_ts}
    return action_body(END_ACTION, "ignored", response_url=response_url, channel=HANDOFF, message=root)


async def test_a_staff_reply_reaches_the_web_session_once(handed: Setup, slack: FakeSlackApi) -> None:
    body = reply("お電話番号を教えていただけますか？", handed.thread_ts)

    await deliver(handed, body)
    await deliver(handed, body)  # Slack's retry of the same event

    assert staff_messages(handed) == ["お電話番号を教えていただけますか？"]
    assert slack.calls == [c for c in slack.calls if c.method == "auth.test"]  # nothing posted


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        (f"<@{BOT_USER_ID}> SAFの助成率は？", {}),  # a question for the advisor (app_mention answers it)
        ("自動の投稿", {"bot_id": "BOTHER", "user": "UOTHERBOT"}),  # another bot
        ("転送した質問", {"bot_id": BOT_ID, "user": BOT_USER_ID}),  # the bot itself
        ("直しました", {"subtype": "message_changed"}),  # an edit
        ("   ", {}),  # nothing to show
    ],
)
async def test_replies_that_are_not_for_the_user_are_not_passed_on(
    handed: Setup, text: str, extra: dict[str, object]
) -> None:
    await deliver(handed, reply(text, handed.thread_ts, **extra))

    assert staff_messages(handed) == []


async def test_other_threads_and_channels_are_left_alone(handed: Setup, slack: FakeSlackApi) -> None:
    await deliver(handed, reply("別のスレッド", new_ts()))  # a thread of the channel that is no hand-off
    await deliver(handed, reply("別のチャンネル", handed.thread_ts, channel=CHANNEL))
    top = reply("スレッドの外", handed.thread_ts).replace(f'"thread_ts": "{handed.thread_ts}", ', "")
    await deliver(handed, top)

    assert staff_messages(handed) == []
    assert not slack.message_calls()


async def test_direct_messages_are_still_answered(handed: Setup, slack: FakeSlackApi) -> None:
    ts = new_ts()

    await deliver(handed, event_body(direct_message("SAFの助成率は？", ts=ts)))

    [answer] = slack.calls_to("chat.postMessage")
    assert answer.body["thread_ts"] == ts


async def test_a_reply_after_the_end_is_not_delivered_and_the_thread_says_so(
    handed: Setup, slack: FakeSlackApi
) -> None:
    handed.deps.store.set_handoff(handed.session_id, "ended", f"{HANDOFF}:{handed.thread_ts}")

    await deliver(handed, reply("まだいらっしゃいますか？", handed.thread_ts))

    assert staff_messages(handed) == []
    [notice] = slack.calls_to("chat.postMessage")
    assert (notice.body["channel"], notice.body["thread_ts"]) == (HANDOFF, handed.thread_ts)
    assert "お客様に届いていません" in notice.blocks_json


async def test_ending_twice_or_an_unknown_thread_is_answered_privately(
    handed: Setup, slack: FakeSlackApi
) -> None:
    await deliver(handed, end_click(handed.thread_ts, slack.response_url("end1")), FORM)
    await deliver(handed, end_click(handed.thread_ts, slack.response_url("end2")), FORM)
    await deliver(handed, end_click(new_ts(), slack.response_url("end3")), FORM)

    session = handed.deps.store.get_session(handed.session_id)
    assert session is not None and session.handoff_state == "ended"
    [ended] = slack.calls_to("chat.postMessage")
    assert ended.body["thread_ts"] == handed.thread_ts and "対応を終了しました" in ended.blocks_json
    assert not slack.calls_to("chat.update")  # the clicked message had no blocks to keep
    already, unknown = slack.calls_to(RESPONSE_URL_CALL)
    assert already.body["response_type"] == "ephemeral" and "すでに終了" in already.body["text"]
    assert "見つかりませんでした" in unknown.body["text"]
    roles = [m.role for m in handed.deps.store.list_messages(handed.session_id)]
    assert roles == ["user", "system"]  # one system note: the second click changed nothing


async def test_without_a_hand_off_channel_channel_messages_are_ignored(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    thread_ts = new_ts()
    session = deps.store.create_session("web")
    deps.store.set_handoff(session.session_id, "active", f"{HANDOFF}:{thread_ts}")
    body = reply("こんにちは", thread_ts)

    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=JSON))
    await bot.drain()

    assert response.status_code == 200
    assert deps.store.list_messages(session.session_id) == []
    assert not slack.message_calls()


@pytest.mark.parametrize(
    ("slack_text", "plain"),
    [
        ("<https://www.tokyo-co2down.jp/|公式ページ>をご覧ください", "[公式ページ](https://www.tokyo-co2down.jp/)をご覧ください"),
        ("<https://example.jp/a>", "https://example.jp/a"),
        ("<mailto:info@example.jp|info@example.jp> まで", "info@example.jp まで"),
        ("<@U0123ABC> さんに確認します", "さんに確認します"),
        ("<@U0123ABC|yamada> が対応します", "@yamada が対応します"),
        ("<!here> 確認お願いします", "確認お願いします"),
        ("<#C0SUPPORT|support> で共有", "#support で共有"),
        ("A &amp; B &lt;税込&gt;", "A & B <税込>"),
    ],
)
def test_slack_markup_becomes_what_the_widget_shows(slack_text: str, plain: str) -> None:
    assert slack_to_plain(slack_text) == plain

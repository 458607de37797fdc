"""The hand-off API's edges: Slack not configured (503 + contacts), Slack failing, a second
click, the polling route, validation and rate limits during a hand-off."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fakes.slack_api import FakeSlackApi

from bot.channels.slack.app import SlackBot
from bot.channels.web import create_app
from bot.deps import Deps

from .conftest import HANDOFF_CHANNEL
from .support import ACK, GRANT_QUESTION, chat, stream, summary_call

pytestmark = pytest.mark.anyio

ZERO = "tokyo-zero-emission-energy-saving"
UNAVAILABLE = "現在、担当者におつなぎできません"


async def client_for(deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(deps))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def unconfigured(make_deps: Callable[..., Deps]) -> AsyncIterator[httpx.AsyncClient]:
    """The web app with no Slack at all."""
    deps = make_deps(slack_bot_token=None, slack_signing_secret=None, slack_handoff_channel=None)
    async for client in client_for(deps):
        yield client


# --- without Slack ----------------------------------------------------------------------------


async def test_without_slack_the_hand_off_is_503_and_the_contacts_are_offered(
    unconfigured: httpx.AsyncClient,
) -> None:
    sid = (await chat(unconfigured, GRANT_QUESTION))["session_id"]

    refused = await unconfigured.post("/api/handoff", json={"session_id": sid})

    assert refused.status_code == 503
    body = refused.json()
    assert body["code"] == "handoff_unavailable"
    assert UNAVAILABLE in body["detail"] and "問い合わせ窓口" in body["detail"]
    assert body["detail_en"]
    contacts = (await unconfigured.get("/api/contacts", params={"session_id": sid})).json()
    assert contacts["scope"] == "session"
    [programme] = contacts["programmes"]
    assert programme["programme_id"] == ZERO and programme["url"].startswith("https://")
    phone = programme["contacts"][0]
    assert phone["organisation"] == "クール・ネット東京 事業支援チーム"
    assert (phone["phone"], phone["hours"]) == ("03-5990-5089", "平日9:00~12:00 13:00~17:00")
    assert any(c["email"] == "cnt-kanki@tokyokankyo.jp" for c in programme["contacts"])


async def test_contacts_of_every_programme_without_a_session(unconfigured: httpx.AsyncClient) -> None:
    for params in ({}, {"session_id": "no-such-session"}):
        contacts = (await unconfigured.get("/api/contacts", params=params)).json()
        assert contacts["scope"] == "all"
        ids = [p["programme_id"] for p in contacts["programmes"]]
        assert ids == sorted(ids) and len(ids) == 5
        assert all(p["contacts"] for p in contacts["programmes"])


async def test_a_token_without_a_hand_off_channel_is_not_enough(make_deps: Callable[..., Deps]) -> None:
    deps = make_deps(slack_handoff_channel=None)
    async for client in client_for(deps):
        refused = await client.post("/api/handoff", json={})
        assert refused.status_code == 503 and refused.json()["code"] == "handoff_unavailable"


# --- with Slack -------------------------------------------------------------------------------


async def test_a_second_click_does_not_post_a_second_summary(
    http: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    sid = (await chat(http, GRANT_QUESTION))["session_id"]

    first = await http.post("/api/handoff", json={"session_id": sid})
    second = await http.post("/api/handoff", json={"session_id": sid})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_hand_off_without_a_conversation_starts_one(
    http: httpx.AsyncClient, slack: FakeSlackApi, deps: Deps
) -> None:
    started = await http.post("/api/handoff", json={})

    assert started.status_code == 201
    sid = started.json()["session_id"]
    assert started.json()["message_id"] is None
    session = deps.store.get_session(sid)
    assert session is not None and (session.channel, session.handoff_state) == ("web", "active")
    assert "まだ質問はありません" in summary_call(slack).blocks_json
    assert (await chat(http, "人と話したい", sid))["mode"] == "handoff"


async def test_slack_refusing_the_summary_is_a_503_and_nothing_changes(
    http: httpx.AsyncClient, slack: FakeSlackApi, deps: Deps
) -> None:
    sid = (await chat(http, GRANT_QUESTION))["session_id"]
    slack.fail("chat.postMessage", "channel_not_found")

    refused = await http.post("/api/handoff", json={"session_id": sid})

    assert refused.status_code == 503
    assert refused.json()["code"] == "handoff_failed" and "お伝えできませんでした" in refused.json()["detail"]
    session = deps.store.get_session(sid)
    assert session is not None and session.handoff_state == "none"
    assert (await chat(http, GRANT_QUESTION, sid))["mode"] == "offline"


async def test_slack_refusing_a_user_message_keeps_it_out_of_the_store(
    http: httpx.AsyncClient, slack: FakeSlackApi, deps: Deps
) -> None:
    sid = (await http.post("/api/handoff", json={})).json()["session_id"]
    slack.fail("chat.postMessage", "ratelimited", times=2)

    refused = await http.post("/api/chat", json={"message": "聞こえますか？", "session_id": sid})
    events = await stream(http, "聞こえますか？", sid)

    assert refused.status_code == 503 and refused.json()["code"] == "handoff_failed"
    [(name, error)] = events
    assert (name, error["code"]) == ("error", "handoff_failed")
    assert "お伝えできませんでした" in error["message_ja"]
    assert deps.store.list_messages(sid) == []


async def test_messages_route(http: httpx.AsyncClient, deps: Deps) -> None:
    answer = await chat(http, GRANT_QUESTION)
    sid = answer["session_id"]

    url = f"/api/chat/{sid}/messages"
    everything = (await http.get(url)).json()
    after_answer = (await http.get(url, params={"after": answer["message_id"]})).json()
    unknown_after = (await http.get(url, params={"after": "nosuchmessage"})).json()
    missing = await http.get("/api/chat/no-such-session/messages")

    assert everything["handoff_state"] == "none"
    assert [(m["role"], m["content"][:4]) for m in everything["messages"]] == [
        ("user", GRANT_QUESTION[:4]),
        ("assistant", "## ゼ"),
    ]
    assert everything["messages"][1]["message_id"] == answer["message_id"]
    assert after_answer["messages"] == []
    assert unknown_after["messages"] == everything["messages"]
    assert missing.status_code == 404 and missing.json()["code"] == "session_not_found"


async def test_requests_during_a_hand_off_are_checked_like_any_chat(
    make_deps: Callable[..., Deps], slack: FakeSlackApi
) -> None:
    deps = make_deps(rate_limit_per_session=3)  # the refused messages count too, as in the chat routes
    async for client in client_for(deps):
        sid = (await client.post("/api/handoff", json={})).json()["session_id"]

        empty = await client.post("/api/chat", json={"message": "  ", "session_id": sid})
        too_long = await client.post("/api/chat", json={"message": "あ" * 20_001, "session_id": sid})
        unknown_field = await client.post("/api/chat", json={"message": "x", "session_id": sid, "foo": 1})
        first = await client.post("/api/chat", json={"message": "一通目", "session_id": sid})
        limited = await client.post("/api/chat", json={"message": "三通目", "session_id": sid})

        assert (empty.status_code, empty.json()["code"]) == (422, "invalid_input")
        assert "ご質問が空です" in empty.json()["detail"]
        assert (too_long.status_code, too_long.json()["code"]) == (422, "message_too_long")
        assert unknown_field.status_code == 422 and "foo" in unknown_field.json()["detail"]
        assert first.status_code == 200 and first.json()["answer"] == ACK
        assert limited.status_code == 429 and limited.headers["Retry-After"]
        assert [m.content for m in deps.store.list_messages(sid)] == ["一通目"]
        posts = slack.calls_to("chat.postMessage")
        assert [c.body.get("thread_ts") is not None for c in posts] == [False, True]  # summary, message


async def test_other_sessions_are_answered_by_the_advisor(
    http: httpx.AsyncClient, slack: FakeSlackApi, bot: SlackBot
) -> None:
    handed = (await http.post("/api/handoff", json={})).json()["session_id"]
    other = (await chat(http, GRANT_QUESTION))["session_id"]

    answer = await chat(http, GRANT_QUESTION, other)
    events = await stream(http, GRANT_QUESTION, other)

    assert other != handed
    assert answer["mode"] == "offline" and "800万円" in answer["answer"]
    assert events[-1][0] == "final" and events[-1][1]["mode"] == "offline"
    assert len(slack.calls_to("chat.postMessage")) == 1  # only the summary of the other session
    assert slack.calls_to("chat.postMessage")[0].body["channel"] == HANDOFF_CHANNEL

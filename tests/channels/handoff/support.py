"""Requests of the hand-off tests: the widget's calls and Slack's signed events and clicks."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fakes.slack_api import FakeSlackApi, SlackCall

from bot.channels.handoff.render import END_ACTION
from channels.slack.support import (
    EVENTS,
    STAFF,
    action_body,
    event_body,
    find_action,
    new_ts,
    posted_message,
    signed_headers,
)

from .conftest import HANDOFF_CHANNEL

AS_OF = "2026-01-20"
GRANT_QUESTION = "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？"
SAF_QUESTION = "SAFの助成額は？"
ACK = "担当者にお伝えしました。返信をお待ちください。"
FORM = "application/x-www-form-urlencoded"


async def chat(http: httpx.AsyncClient, message: str, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "as_of": AS_OF}
    if session_id:
        body["session_id"] = session_id
    response = await http.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def stream(http: httpx.AsyncClient, message: str, session_id: str) -> list[tuple[str, Any]]:
    """The events of ``POST /api/chat/stream`` as ``(name, data)``."""
    response = await http.post(
        "/api/chat/stream",
        json={"message": message, "session_id": session_id, "as_of": AS_OF},
        headers={"Accept": "text/event-stream"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events: list[tuple[str, Any]] = []
    for block in response.text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if not lines:
            continue
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        events.append((name, json.loads(data)))
    return events


async def slack_post(http: httpx.AsyncClient, body: str, content_type: str) -> None:
    headers = signed_headers(body, content_type=content_type)
    response = await http.post(EVENTS, content=body, headers=headers)
    assert response.status_code == 200, response.text


def staff_reply(
    text: str, thread_ts: str, *, user: str = STAFF, channel: str = HANDOFF_CHANNEL, **extra: Any
) -> dict[str, Any]:
    """A ``message`` event (``message.channels``): a reply in a thread of a channel."""
    ts = new_ts()
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
        **extra,
    }


async def reply_in_thread(http: httpx.AsyncClient, text: str, thread_ts: str, **extra: Any) -> None:
    await slack_post(http, event_body(staff_reply(text, thread_ts, **extra)), "application/json")


def summary_call(slack: FakeSlackApi) -> SlackCall:
    """The hand-off summary: the last top-level post in the hand-off channel."""
    posts = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.body.get("channel") == HANDOFF_CHANNEL and not c.body.get("thread_ts")
    ]
    assert posts, [c.body for c in slack.calls_to("chat.postMessage")]
    return posts[-1]


async def click_end(http: httpx.AsyncClient, slack: FakeSlackApi, summary: SlackCall) -> None:
    button = find_action(summary, END_ACTION)
    body = action_body(
        button["action_id"],
        button["value"],
        response_url=slack.response_url("end"),
        channel=HANDOFF_CHANNEL,
        message=posted_message(summary),
    )
    await slack_post(http, body, FORM)

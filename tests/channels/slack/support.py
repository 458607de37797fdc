"""Slack requests built as Slack builds them: JSON events, form-encoded commands and button
clicks, each signed with the signing secret (``v0=`` HMAC of ``v0:<timestamp>:<body>``)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fakes.slack_api import BOT_USER_ID, TEAM_ID, SlackCall
from slack_sdk.signature import SignatureVerifier

from bot.agent.base import Engine, EngineReply, TurnContext

SECRET = "test-signing-secret-0123456789abcdef"
EVENTS = "/slack/events"
CHANNEL = "C0SUPPORT"
DM_CHANNEL = "D0STAFFDM"
STAFF = "USTAFF0001"
ZERO = "tokyo-zero-emission-energy-saving"
GRANT_QUESTION = "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？"
FOLLOW_UP_QUESTION = "経費が1,500万円なら？"
NOW = dt.datetime(2026, 1, 20, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # round 5 is open

_counter = itertools.count(1)


def fixed_clock() -> dt.datetime:
    return NOW


def new_ts() -> str:
    """A fresh message ts (Slack's ``seconds.micros``)."""
    return f"1768870800.{next(_counter):06d}"


def signed_headers(
    body: str, *, content_type: str, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    payload = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0ADVISOR",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(NOW.timestamp()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    return json.dumps(payload, ensure_ascii=False)


def mention(text: str, *, ts: str, thread_ts: str | None = None, user: str = STAFF) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, *, ts: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": STAFF,
        "text": text,
        "ts": ts,
        "channel": DM_CHANNEL,
        "event_ts": ts,
        **extra,
    }


def command_body(text: str, response_url: str, *, channel: str = CHANNEL) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "fake-team",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": STAFF,
            "user_name": "staff",
            "command": "/hojokin",
            "text": text,
            "api_app_id": "A0ADVISOR",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    response_url: str,
    channel: str = CHANNEL,
    message: dict[str, Any] | None = None,
    ephemeral: bool = False,
) -> str:
    """A block_actions click; ``message`` is the clicked message (Slack sends it with its blocks)."""
    container: dict[str, Any] = {"type": "message", "channel_id": channel, "is_ephemeral": ephemeral}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": STAFF, "username": "staff", "team_id": TEAM_ID},
        "api_app_id": "A0ADVISOR",
        "token": "legacy-verification-token",
        "team": {"id": TEAM_ID, "domain": "fake-team"},
        "channel": {"id": channel, "name": "support"},
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": "1768870900.000001",
            }
        ],
    }
    if message is not None:
        container["message_ts"] = message["ts"]
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        payload["message"] = message
    payload["container"] = container
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def view_submission_body(view: dict[str, Any], reason: str | None, *, user: str = STAFF) -> str:
    """A view_submission of the modal ``view`` (as views.open returned it, with its id and
    private_metadata), the reason input filled with ``reason`` (None: left empty)."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            element = block["element"]
            values[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": reason}}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake-team"},
        "user": {"id": user, "username": "staff", "team_id": TEAM_ID},
        "api_app_id": "A0ADVISOR",
        "token": "legacy-verification-token",
        "trigger_id": "4.5.6",
        "view": {**view, "state": {"values": values}, "hash": "1768870901.abcdef"},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def posted_message(call: SlackCall) -> dict[str, Any]:
    """The message a chat.postMessage call created, as Slack includes it in a click payload."""
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": "BBOTADVISOR",
        "text": call.body.get("text", ""),
        "blocks": call.blocks,
        "ts": call.response["ts"],
    }
    if call.body.get("thread_ts"):
        message["thread_ts"] = call.body["thread_ts"]
    return message


def find_action(call: SlackCall, prefix: str) -> dict[str, Any]:
    """The first button of the message whose action_id starts with ``prefix``."""
    for block in call.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["action_id"].startswith(prefix):
                return dict(element)
    raise AssertionError(f"no button {prefix}… in {call.blocks_json}")


class GatedEngine:
    """An engine that waits for ``gate`` and then answers with the offline engine: lets a test
    observe that Slack got its response while the advisor was still working."""

    mode = "llm:test:gated"

    def __init__(self, inner: Engine, gate: threading.Event) -> None:
        self.inner = inner
        self.gate = gate
        self.started = threading.Event()

    def respond(self, ctx: TurnContext, toolkit: Any) -> EngineReply:
        self.started.set()
        if not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        return self.inner.respond(ctx, toolkit)


class FailingEngine:
    """An engine that fails with an unexpected (non-advisor) exception."""

    mode = "llm:test:failing"

    def respond(self, ctx: TurnContext, toolkit: Any) -> EngineReply:
        raise RuntimeError("model crashed")

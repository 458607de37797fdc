"""POST /slack/events in the web app: signatures checked by bolt, mounted only when configured."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from fakes.slack_api import FakeSlackApi

from bot.channels.slack import SLACK_EVENTS_PATH, SlackNotConfiguredError, include_slack, slack_configured
from bot.channels.slack.app import SlackBot
from bot.channels.web import create_app
from bot.deps import Deps

from .support import EVENTS, GRANT_QUESTION, event_body, mention, new_ts, signed_headers

pytestmark = pytest.mark.anyio

JSON = "application/json"


async def test_a_bad_signature_is_refused(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))
    headers = signed_headers(body, content_type=JSON, secret="not-the-secret")

    response = await http.post(EVENTS, content=body, headers=headers)
    await bot.drain()

    assert response.status_code == 401
    assert slack.message_calls() == []


async def test_a_tampered_body_is_refused(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))
    headers = signed_headers(body, content_type=JSON)

    response = await http.post(EVENTS, content=body.replace("1,200万円", "9,999万円"), headers=headers)

    assert response.status_code == 401


async def test_a_stale_timestamp_is_refused(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    body = event_body(mention(GRANT_QUESTION, ts=new_ts()))
    headers = signed_headers(body, content_type=JSON, timestamp=int(time.time()) - 10 * 60)

    response = await http.post(EVENTS, content=body, headers=headers)
    await bot.drain()

    assert response.status_code == 401
    assert slack.message_calls() == []


async def test_unsigned_requests_are_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(EVENTS, content="{}", headers={"Content-Type": JSON})

    assert response.status_code == 401


async def test_the_url_verification_challenge_is_answered(http: httpx.AsyncClient) -> None:
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )

    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=JSON))

    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


async def test_without_slack_settings_nothing_is_mounted(make_deps: Callable[..., Deps]) -> None:
    deps = make_deps(slack_bot_token=None, slack_signing_secret=None)
    app = create_app(deps)

    assert not slack_configured(deps.settings)
    assert include_slack(app, deps) is False
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post(SLACK_EVENTS_PATH, content="{}", headers={"Content-Type": JSON})
    assert response.status_code in (404, 405)


async def test_a_token_without_a_signing_secret_is_not_enough(make_deps: Callable[..., Deps]) -> None:
    deps = make_deps(slack_signing_secret=None)

    assert include_slack(create_app(deps), deps) is False
    with pytest.raises(SlackNotConfiguredError, match="SLACK_SIGNING_SECRET"):
        SlackBot(deps)


async def test_configured_settings_mount_once(deps: Deps) -> None:
    app = create_app(deps)

    assert include_slack(app, deps) is True
    assert include_slack(app, deps) is True
    routes = [r for r in app.router.routes if getattr(r, "path", None) == SLACK_EVENTS_PATH]
    assert len(routes) == 1
    assert isinstance(app.state.slack, SlackBot)

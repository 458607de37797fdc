"""The deployed app answers Slack's endpoint only when Slack is configured."""

from __future__ import annotations

import httpx
import pytest

from bot.channels.web.app import create_product_app
from bot.config import Settings, load_settings
from bot.deps import build_deps


async def post_slack_event(settings: Settings) -> int:
    deps = build_deps(settings)
    try:
        transport = httpx.ASGITransport(app=create_product_app(deps))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"X-Slack-Signature": "v0=x"}
            response = await client.post("/slack/events", content=b"{}", headers=headers)
            return response.status_code
    finally:
        deps.close()


@pytest.mark.anyio
async def test_without_slack_settings_there_is_no_slack_endpoint(fresh_settings: Settings) -> None:
    assert await post_slack_event(fresh_settings) == 404


@pytest.mark.anyio
async def test_with_slack_settings_unsigned_events_are_refused(fresh_settings: Settings) -> None:
    configured = load_settings(
        data_dir=fresh_settings.data_dir, slack_bot_token="xoxb-test", slack_signing_secret="secret"
    )
    assert await post_slack_event(configured) == 401

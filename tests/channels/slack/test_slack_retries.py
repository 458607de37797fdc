"""Retries both ways: Web API calls and ``response_url`` posts retry after HTTP 429 (waiting the
``Retry-After`` Slack gives) and after a lost connection, a bounded number of times; then the
caller gets the usual error — a notice in Slack, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.slack_api import DROPPED, RESPONSE_URL_CALL, FakeSlackApi

from bot.channels.slack.app import SlackBot
from bot.channels.slack.client import SlackDeliveryError, WebSlackApi, build_web_client
from bot.channels.slack.render import render_notice
from bot.deps import Deps

from .conftest import mounted_app, slack_settings
from .support import CHANNEL, EVENTS, event_body, fixed_clock, mention, new_ts, signed_headers
from .test_slack_commands import run_command

pytestmark = pytest.mark.anyio

JSON = "application/json"
HELLO = render_notice("こんにちは")


@pytest.fixture
def api_for(tmp_path: Path, slack: FakeSlackApi) -> Callable[..., WebSlackApi]:
    """``api_for(**settings)`` → the Slack API the app builds, over the fake (no index needed)."""

    def factory(**overrides: Any) -> WebSlackApi:
        return WebSlackApi(build_web_client(slack_settings(tmp_path, slack.base_url, **overrides)))

    return factory


async def deliver(http: httpx.AsyncClient, body: str) -> None:
    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=JSON))
    assert response.status_code == 200, response.text


def client_for(deps: Deps, bot: SlackBot) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=mounted_app(deps, bot))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


# --- the client ---------------------------------------------------------------------------------


async def test_a_rate_limited_post_is_retried_and_arrives_once(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=2)
    slack.rate_limit("chat.postMessage", times=2)

    ts = await api.post_message(CHANNEL, HELLO)

    attempts = slack.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 429, 200]
    [delivered] = slack.delivered_to("chat.postMessage")
    assert delivered.response["ts"] == ts


async def test_the_wait_is_the_retry_after_slack_gives(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=1)
    slack.rate_limit("chat.postMessage", retry_after=1)

    await api.post_message(CHANNEL, HELLO)

    first, second = slack.calls_to("chat.postMessage")
    assert first.status == 429 and second.delivered
    assert second.received_at - first.received_at >= 1.0


async def test_a_retry_after_longer_than_worth_waiting_fails_at_once(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=2, slack_retry_max_wait_s=5)
    slack.rate_limit("chat.postMessage", retry_after=60)

    with pytest.raises(SlackDeliveryError) as refused:
        await api.post_message(CHANNEL, HELLO)

    assert (refused.value.method, refused.value.error) == ("chat.postMessage", "ratelimited")
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_retries_are_bounded_then_the_error_is_slacks(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=2)
    slack.rate_limit("chat.postEphemeral", times=5)

    with pytest.raises(SlackDeliveryError) as refused:
        await api.post_ephemeral(CHANNEL, "USTAFF0001", HELLO)

    assert refused.value.error == "ratelimited"
    assert len(slack.calls_to("chat.postEphemeral")) == 3  # the call and two retries


async def test_no_retries_when_turned_off(api_for: Callable[..., WebSlackApi], slack: FakeSlackApi) -> None:
    api = api_for(slack_max_retries=0)
    slack.rate_limit("chat.postMessage")

    with pytest.raises(SlackDeliveryError):
        await api.post_message(CHANNEL, HELLO)

    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_lost_connection_is_retried_and_the_message_arrives_once(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=2)
    slack.drop("chat.update")

    await api.update_message(CHANNEL, "1768870800.000001", HELLO)

    assert [c.status for c in slack.calls_to("chat.update")] == [DROPPED, 200]
    assert len(slack.delivered_to("chat.update")) == 1


async def test_a_connection_lost_every_time_is_a_delivery_error_not_a_crash(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=1)
    slack.drop("chat.postMessage", times=2)

    with pytest.raises(SlackDeliveryError) as failed:
        await api.post_message(CHANNEL, HELLO)

    assert failed.value.error == "ServerDisconnectedError"
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_an_unreachable_slack_is_a_delivery_error(api_for: Callable[..., WebSlackApi]) -> None:
    closed_port = "http://127.0.0.1:9/api/"  # discard: nothing listens
    api = api_for(slack_max_retries=1, slack_api_base_url=closed_port)

    with pytest.raises(SlackDeliveryError) as failed:
        await api.post_message(CHANNEL, HELLO)

    assert failed.value.error == "ClientConnectorError"


async def test_response_url_posts_retry_too(api_for: Callable[..., WebSlackApi], slack: FakeSlackApi) -> None:
    api = api_for(slack_max_retries=2)
    slack.rate_limit(RESPONSE_URL_CALL)
    slack.drop(RESPONSE_URL_CALL)

    await api.respond(slack.response_url("retry"), HELLO)

    assert [c.status for c in slack.calls_to(RESPONSE_URL_CALL)] == [429, DROPPED, 200]


async def test_response_url_retries_are_bounded(
    api_for: Callable[..., WebSlackApi], slack: FakeSlackApi
) -> None:
    api = api_for(slack_max_retries=1)
    slack.rate_limit(RESPONSE_URL_CALL, times=3)

    with pytest.raises(SlackDeliveryError) as refused:
        await api.respond(slack.response_url("retry"), HELLO)

    assert refused.value.method == "response_url" and "HTTP 429" in refused.value.error
    assert len(slack.calls_to(RESPONSE_URL_CALL)) == 2


# --- through the app ----------------------------------------------------------------------------


async def test_an_answer_rate_limited_once_still_reaches_the_thread_once(
    make_deps: Callable[..., Deps], slack: FakeSlackApi
) -> None:
    deps = make_deps(slack_max_retries=2)
    bot = SlackBot(deps, clock=fixed_clock)
    slack.rate_limit("chat.postMessage")
    ts = new_ts()

    async with client_for(deps, bot) as http:
        await deliver(http, event_body(mention("", ts=ts)))
        await bot.drain()

    [answer] = slack.delivered_to("chat.postMessage")
    assert answer.body["thread_ts"] == ts and "使い方" in answer.blocks_json
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_when_the_retries_run_out_the_thread_gets_the_error_notice(
    make_deps: Callable[..., Deps], slack: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    deps = make_deps(slack_max_retries=1)
    bot = SlackBot(deps, clock=fixed_clock)
    slack.rate_limit("chat.postMessage", times=2)  # the answer and its one retry
    ts = new_ts()

    async with client_for(deps, bot) as http:
        with caplog.at_level(logging.INFO, logger="bot.channels.slack"):
            await deliver(http, event_body(mention("", ts=ts)))
            await bot.drain()

    [notice] = slack.delivered_to("chat.postMessage")
    assert notice.body["thread_ts"] == ts and "エラーが発生しました" in notice.blocks_json
    assert any("ratelimited" in r.getMessage() for r in caplog.records)
    no_tracebacks(caplog)


async def test_a_command_answer_rate_limited_on_its_response_url_arrives_once(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    slack.rate_limit(RESPONSE_URL_CALL)

    await run_command(http, "status", slack.response_url("status"))
    await bot.drain()

    [reply] = [c for c in slack.calls_to(RESPONSE_URL_CALL) if c.status == 200]
    assert "受付" in reply.blocks_json
    assert len(slack.calls_to(RESPONSE_URL_CALL)) == 2

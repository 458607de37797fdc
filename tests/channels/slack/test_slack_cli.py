"""``advisor slack``: clear errors without tokens, and Socket Mode's dispatch (the check:
test_slack_check.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fakes.slack_api import FakeSlackApi
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.channels.slack.app import SlackBot
from bot.cli import main
from bot.deps import Deps

from .support import CHANNEL, GRANT_QUESTION, event_body, fixed_clock, mention, new_ts


def test_socket_mode_without_tokens_says_what_to_set(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slack", "--socket"]) == 2

    err = capsys.readouterr().err
    assert "エラー: Slack の設定が足りません" in err and "Error: Slack is not configured" in err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_APP_TOKEN（アプリレベルトークン（xapp-…" in err
    assert "docs/slack.md" in err


def test_socket_mode_needs_the_app_token_even_with_a_bot_token(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-test")

    assert main(["slack", "--socket"]) == 2

    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN" in err and "SLACK_BOT_TOKEN（" not in err


@pytest.mark.anyio
async def test_socket_mode_answers_without_a_signing_secret(
    make_deps: Callable[..., Deps], slack: FakeSlackApi
) -> None:
    deps = make_deps(slack_signing_secret=None, slack_app_token="xapp-test")
    bot = SlackBot(deps, socket_mode=True, clock=fixed_clock)
    ts = new_ts()
    payload = json.loads(event_body(mention(GRANT_QUESTION, ts=ts)))

    first = await run_async_bolt_app(bot.app, SocketModeRequest("events_api", "env-1", payload))
    retried = await run_async_bolt_app(
        bot.app,
        SocketModeRequest("events_api", "env-2", payload, retry_attempt=1, retry_reason="timeout"),
    )
    await bot.drain()

    assert first.status == retried.status == 200
    [post] = slack.calls_to("chat.postMessage")
    assert post.body["channel"] == CHANNEL and post.body["thread_ts"] == ts
    assert "800万円" in post.blocks_json

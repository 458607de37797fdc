"""``advisor slack``: the Slack app over Socket Mode (development), and a token check.

``advisor slack --socket`` connects with SLACK_APP_TOKEN (xapp-…, connections:write) and
SLACK_BOT_TOKEN, and answers mentions, DMs, ``/hojokin`` and buttons like the HTTP mode does —
no public URL needed. ``advisor slack --check`` calls auth.test with SLACK_BOT_TOKEN and shows
the workspace and the bot. In production Slack posts to ``POST /slack/events`` of
``advisor serve`` instead (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET); see docs/slack.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

from bot.errors import AdvisorError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.deps import Deps


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``slack``."""
    slack = subparsers.add_parser(
        "slack",
        help="Slack アプリ（Socket Mode での開発用起動・トークン確認） (run the Slack app over Socket Mode)",
        description="HTTP モードでは `advisor serve` が POST /slack/events で受け付けます（docs/slack.md）。",
    )
    mode = slack.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--socket",
        action="store_true",
        help="Socket Mode で起動（SLACK_APP_TOKEN と SLACK_BOT_TOKEN が必要）",
    )
    mode.add_argument("--check", action="store_true", help="SLACK_BOT_TOKEN を auth.test で確認")
    slack.set_defaults(handler=run_slack)


def run_slack(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    if args.check:
        return check_token(settings)
    return run_socket(settings)


def run_socket(settings: Settings) -> int:
    """Answer Slack over Socket Mode until interrupted (Ctrl+C)."""
    from bot.channels.slack import SlackNotConfiguredError, missing_settings
    from bot.deps import build_deps

    missing = missing_settings(settings, socket_mode=True)
    if missing:
        raise SlackNotConfiguredError(*missing)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    deps = build_deps(settings)
    deps.live.start_watching()  # switch to new `advisor index` builds without a restart (stopped by close)
    print(
        "Slack に Socket Mode で接続します（終了: Ctrl+C） / connecting to Slack over Socket Mode", flush=True
    )
    try:
        asyncio.run(serve_socket_mode(deps))
    except KeyboardInterrupt:
        print("停止しました / stopped", flush=True)
    finally:
        deps.close()
    return 0


async def serve_socket_mode(deps: Deps) -> None:
    """Connect and serve; on cancellation, disconnect and let running answers finish."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.channels.slack.app import SlackBot

    app_token = deps.settings.slack_app_token
    assert app_token is not None  # checked by run_socket
    bot = SlackBot(deps, socket_mode=True)
    handler = AsyncSocketModeHandler(bot.app, app_token.get_secret_value())
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]  # (bolt leaves these untyped)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await bot.close()


def check_token(settings: Settings) -> int:
    """Call auth.test with the bot token and print the workspace and the bot user."""
    from bot.channels.slack import SlackNotConfiguredError

    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise SlackNotConfiguredError("SLACK_BOT_TOKEN")
    identity = asyncio.run(_auth_test(settings))
    print(
        f"接続できました / connected: ワークスペース {identity.get('team')} ({identity.get('team_id')})、"
        f"ボット {identity.get('user')} ({identity.get('user_id')})"
    )
    return 0


async def _auth_test(settings: Settings) -> dict[str, Any]:
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.channels.slack.client import build_web_client

    client = build_web_client(settings)
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        raise SlackCheckError(error) from exc
    except (SlackClientError, OSError) as exc:
        raise SlackCheckError(type(exc).__name__) from exc
    return dict(response.data) if isinstance(response.data, dict) else {}


class SlackCheckError(AdvisorError):
    """auth.test failed: a wrong or revoked token, or no connection to Slack."""

    code = "slack_check_failed"

    def __init__(self, error: str) -> None:
        super().__init__(
            f"Slack に接続できませんでした（{error}）。SLACK_BOT_TOKEN を確認してください。",
            f"Could not connect to Slack ({error}); check SLACK_BOT_TOKEN.",
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_slack(argparse.Namespace(check=False, socket=True)))

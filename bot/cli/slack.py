"""``advisor slack``: the Slack app over Socket Mode (development), and a token check.

``advisor slack --socket`` connects with SLACK_APP_TOKEN (xapp-…, connections:write) and
SLACK_BOT_TOKEN, and answers mentions, DMs, ``/hojokin`` and buttons like the HTTP mode does —
no public URL needed. ``advisor slack --check`` checks the token (auth.test), its scopes, the
hand-off channel (an ID, existing, the bot a member) and the allowlist, and says what to fix
(``bot/channels/slack/check.py``). In production Slack posts to ``POST /slack/events`` of
``advisor serve`` instead (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET); see docs/slack.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.deps import Deps


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``slack``."""
    slack = subparsers.add_parser(
        "slack",
        help="Slack アプリ（Socket Mode での開発用起動・設定の確認） (run over Socket Mode; check the setup)",
        description="HTTP モードでは `advisor serve` が POST /slack/events で受け付けます（docs/slack.md）。",
    )
    mode = slack.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--socket",
        action="store_true",
        help="Socket Mode で起動（SLACK_APP_TOKEN と SLACK_BOT_TOKEN が必要）",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="トークン・スコープ・引き継ぎチャンネルを確認 (check the token, scopes and hand-off channel)",
    )
    slack.set_defaults(handler=run_slack)


def run_slack(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    if args.check:
        return check(settings)
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


def check(settings: Settings) -> int:
    """Check the token, the scopes, the hand-off channel and the allowlist; print each result
    with what to fix (Japanese and English). 0 when nothing failed, 1 otherwise."""
    from bot.channels.slack.check import run_checks

    print("Slack の設定を確認します / checking the Slack configuration")
    results = asyncio.run(run_checks(settings))
    for result in results:
        print(f"{MARKS[result.status]} {result.item}: {result.ja}")
        print(f"{INDENT}{result.en}")
        if result.status != "ok" and result.fix_ja:
            print(f"{INDENT}→ 対処: {result.fix_ja}")
            print(f"{INDENT}→ Fix: {result.fix_en}")
    failures = sum(result.failed for result in results)
    if failures:
        print(f"問題が {failures} 件あります / {failures} problem(s) to fix (docs/slack.md)")
        return 1
    print("すべて問題ありません / everything is in order")
    return 0


MARKS = {"ok": "[OK]  ", "fail": "[NG]  ", "warn": "[WARN]"}
INDENT = " " * 7


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_slack(argparse.Namespace(check=False, socket=True)))

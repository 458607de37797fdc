"""Slack: the advisor in threads, DMs and ``/hojokin`` (see docs/slack.md).

``include_slack(app, deps)`` mounts ``POST /slack/events`` (events, the slash command and
button clicks; signatures checked by bolt) into the FastAPI app when ``SLACK_BOT_TOKEN`` and
``SLACK_SIGNING_SECRET`` are set, and returns whether it did. ``advisor slack --socket`` runs
the same app over Socket Mode for development. slack_bolt is imported only when Slack is used.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.channels.slack.app import SlackBot
    from bot.config import Settings
    from bot.deps import Deps

from bot.errors import AdvisorError

log = logging.getLogger("bot.channels.slack")

SLACK_EVENTS_PATH = "/slack/events"
SETTING_HELP = {
    "SLACK_BOT_TOKEN": ("ボットトークン（xoxb-…）", "the bot token (xoxb-…)"),
    "SLACK_SIGNING_SECRET": (
        "署名シークレット（Basic Information > App Credentials）",
        "the signing secret (Basic Information > App Credentials)",
    ),
    "SLACK_APP_TOKEN": (
        "アプリレベルトークン（xapp-…、スコープ connections:write）",
        "an app-level token (xapp-…, scope connections:write)",
    ),
}


class SlackNotConfiguredError(AdvisorError):
    """A Slack token or secret the requested mode needs is not set."""

    code = "slack_not_configured"

    def __init__(self, *names: str) -> None:
        ja = "、".join(
            f"{name}（{SETTING_HELP[name][0]}）" if name in SETTING_HELP else name for name in names
        )
        en = ", ".join(
            f"{name} ({SETTING_HELP[name][1]})" if name in SETTING_HELP else name for name in names
        )
        super().__init__(
            f"Slack の設定が足りません。環境変数 {ja} を設定してください（手順は docs/slack.md）。",
            f"Slack is not configured: set the environment variable(s) {en}; see docs/slack.md.",
        )
        self.names = names


def missing_settings(settings: Settings, *, socket_mode: bool = False) -> list[str]:
    """The environment variables the mode needs that are not set (HTTP: token and signing
    secret; Socket Mode: token and app-level token)."""
    needed = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET": (
            settings.slack_app_token if socket_mode else settings.slack_signing_secret
        ),
    }
    return [name for name, value in needed.items() if value is None or not value.get_secret_value()]


def slack_configured(settings: Settings) -> bool:
    """True when the bot token and the signing secret (HTTP mode's two secrets) are set."""
    return not missing_settings(settings)


def include_slack(app: FastAPI, deps: Deps, bot: SlackBot | None = None) -> bool:
    """Mount ``POST /slack/events`` when Slack is configured (or ``bot`` is given); False otherwise.

    The :class:`~bot.channels.slack.app.SlackBot` is kept in ``app.state.slack``; calling this
    twice mounts once. On shutdown the answers still being written are given time to finish.
    """
    if getattr(app.state, "slack", None) is not None:
        return True
    if bot is None:
        if not slack_configured(deps.settings):
            log.info(
                "Slack is not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET): /slack/events not mounted"
            )
            return False
        from bot.channels.slack.app import SlackBot

        bot = SlackBot(deps)

    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from starlette.requests import Request
    from starlette.responses import Response

    handler = AsyncSlackRequestHandler(bot.app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    # A plain Starlette route: bolt reads the raw body itself (it must, to check the signature).
    app.router.add_route(SLACK_EVENTS_PATH, slack_events, methods=["POST"], include_in_schema=False)
    app.state.slack = bot
    app.router.lifespan_context = _closing(app.router.lifespan_context, bot)
    return True


def _closing(
    lifespan: Callable[[Any], AbstractAsyncContextManager[Any]], bot: SlackBot
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The app's lifespan, then the bot's shutdown (waiting for running answers)."""

    @asynccontextmanager
    async def lifespan_then_close(app: Any) -> AsyncIterator[Any]:
        try:
            async with lifespan(app) as state:
                yield state
        finally:
            await bot.close()

    return lifespan_then_close


__all__ = [
    "SLACK_EVENTS_PATH",
    "SlackNotConfiguredError",
    "include_slack",
    "missing_settings",
    "slack_configured",
]

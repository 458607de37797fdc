"""The Slack Web API behind a small interface: the four calls the advisor makes.

:class:`SlackApi` is what the listeners use; :class:`WebSlackApi` implements it over
``slack_sdk``'s ``AsyncWebClient`` (chat.postMessage / chat.postEphemeral / chat.update) and
``AsyncWebhookClient`` (``response_url``). Both are built once per app; the Web API base URL
comes from the settings (``ADVISOR_SLACK_API_BASE_URL``), so tests point it at a fake server.
Every failure becomes a :class:`SlackDeliveryError` carrying Slack's error code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.slack.render import SlackMessage

if TYPE_CHECKING:
    from bot.config import Settings

ResponseType = Literal["ephemeral", "in_channel"]
DEFAULT_API_BASE_URL = "https://slack.com/api/"
TIMEOUT_S = 30


class SlackDeliveryError(Exception):
    """A Slack API call or a ``response_url`` post failed; ``error`` is Slack's code if it gave one."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error


class SlackApi(Protocol):
    """What the listeners need from Slack."""

    async def post_message(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        """Post to a channel (in a thread when ``thread_ts`` is given); returns the message ts."""
        ...

    async def post_ephemeral(
        self, channel: str, user: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> None:
        """Post a message only ``user`` can see."""
        ...

    async def update_message(self, channel: str, ts: str, message: SlackMessage) -> None:
        """Replace a message the bot posted."""
        ...

    async def respond(
        self,
        response_url: str,
        message: SlackMessage,
        *,
        response_type: ResponseType = "ephemeral",
        replace_original: bool = False,
    ) -> None:
        """Answer through a slash command's or an interaction's ``response_url``."""
        ...


def build_web_client(settings: Settings) -> AsyncWebClient:
    """The bot's ``AsyncWebClient`` (token and base URL from the settings)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_base_url or DEFAULT_API_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT_S)


class WebSlackApi:
    """:class:`SlackApi` over ``slack_sdk``."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post_message(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            response = await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        except (SlackApiError, SlackClientError) as exc:
            raise _delivery_error("chat.postMessage", exc) from exc
        return str(response.get("ts", ""))

    async def post_ephemeral(
        self, channel: str, user: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> None:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            await self.client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks, **extra
            )
        except (SlackApiError, SlackClientError) as exc:
            raise _delivery_error("chat.postEphemeral", exc) from exc

    async def update_message(self, channel: str, ts: str, message: SlackMessage) -> None:
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except (SlackApiError, SlackClientError) as exc:
            raise _delivery_error("chat.update", exc) from exc

    async def respond(
        self,
        response_url: str,
        message: SlackMessage,
        *,
        response_type: ResponseType = "ephemeral",
        replace_original: bool = False,
    ) -> None:
        body: dict[str, Any] = {
            "response_type": response_type,
            "replace_original": replace_original,
            "text": message.text,
            "blocks": message.blocks,
        }
        try:
            response = await AsyncWebhookClient(response_url, timeout=TIMEOUT_S).send_dict(body)
        except (SlackClientError, OSError) as exc:
            raise SlackDeliveryError("response_url", type(exc).__name__) from exc
        if response.status_code != 200:
            raise SlackDeliveryError("response_url", f"HTTP {response.status_code} {response.body[:100]}")


def _delivery_error(method: str, exc: SlackClientError) -> SlackDeliveryError:
    if isinstance(exc, SlackApiError):
        return SlackDeliveryError(method, str(exc.response.get("error", "unknown_error")))
    return SlackDeliveryError(method, type(exc).__name__)

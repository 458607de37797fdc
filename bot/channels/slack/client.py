"""The Slack Web API behind a small interface: the calls the advisor makes.

:class:`SlackApi` is what the listeners use; :class:`WebSlackApi` implements it over
``slack_sdk``'s ``AsyncWebClient`` (chat.postMessage / chat.postEphemeral / chat.update,
views.open for the 👎 reason modal, reactions.add for the 👀 "thinking" signal) and
``AsyncWebhookClient`` (``response_url``). Both are built once per app; the Web API base URL
comes from the settings (``ADVISOR_SLACK_API_BASE_URL``), so tests point it at a fake server.
Every failure becomes a :class:`SlackDeliveryError` carrying Slack's error code.

Both clients retry with ``slack_sdk``'s own retry handlers (:func:`retry_handlers`): after
HTTP 429 they wait the ``Retry-After`` Slack gives (plus up to a second of jitter; a wait longer
than ``ADVISOR_SLACK_RETRY_MAX_WAIT_S`` is not worth it and fails at once), after a connection
error they back off; at most ``ADVISOR_SLACK_MAX_RETRIES`` retries per call (one count for both
kinds), then the caller gets its :class:`SlackDeliveryError` as before. Timeouts are not
retried: the request may have been delivered, and a second post would show the message twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.slack.render import SlackMessage

if TYPE_CHECKING:
    from bot.config import Settings

ResponseType = Literal["ephemeral", "in_channel"]
DEFAULT_API_BASE_URL = "https://slack.com/api/"
TIMEOUT_S = 30
# What a call can raise besides Slack's answer: the SDK's errors, aiohttp's (a dropped
# connection is not an OSError) and OSError (refused connections, timeouts).
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (SlackClientError, aiohttp.ClientError, OSError)


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

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal for the user whose click gave ``trigger_id`` (valid for 3 seconds)."""
        ...

    async def add_reaction(self, channel: str, ts: str, name: str) -> None:
        """Add the emoji ``name`` (without colons) to the message ``ts`` as the bot."""
        ...


class BoundedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits ``Retry-After`` + jitter), except that a ``Retry-After``
    longer than ``max_wait_s`` is not waited for: the call fails at once instead of holding a
    website visitor or a thread for minutes."""

    def __init__(self, max_retry_count: int, max_wait_s: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        assert response is not None  # a 429 was seen
        return retry_after_s(response) <= self.max_wait_s


def retry_after_s(response: HttpResponse) -> float:
    """The response's ``Retry-After`` in seconds (1 when missing or unreadable, as slack_sdk assumes)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                return 1.0
    return 1.0


def retry_handlers(settings: Settings) -> list[AsyncRetryHandler]:
    """slack_sdk's retry handlers for 429 and connection errors, bounded by the settings."""
    retries = settings.slack_max_retries
    if retries <= 0:
        return []
    return [
        BoundedRateLimitRetryHandler(retries, settings.slack_retry_max_wait_s),
        AsyncConnectionErrorRetryHandler(max_retry_count=retries),
    ]


def build_web_client(settings: Settings) -> AsyncWebClient:
    """The bot's ``AsyncWebClient`` (token, base URL and retries from the settings)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_base_url or DEFAULT_API_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=TIMEOUT_S, retry_handlers=retry_handlers(settings)
    )


class WebSlackApi:
    """:class:`SlackApi` over ``slack_sdk``; ``response_url`` posts retry like the client does."""

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
        except TRANSPORT_ERRORS as exc:
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
        except TRANSPORT_ERRORS as exc:
            raise _delivery_error("chat.postEphemeral", exc) from exc

    async def update_message(self, channel: str, ts: str, message: SlackMessage) -> None:
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except TRANSPORT_ERRORS as exc:
            raise _delivery_error("chat.update", exc) from exc

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except TRANSPORT_ERRORS as exc:
            raise _delivery_error("views.open", exc) from exc

    async def add_reaction(self, channel: str, ts: str, name: str) -> None:
        try:
            await self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except TRANSPORT_ERRORS as exc:
            raise _delivery_error("reactions.add", exc) from exc

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
            webhook = AsyncWebhookClient(
                response_url, timeout=TIMEOUT_S, retry_handlers=self.client.retry_handlers
            )
            response = await webhook.send_dict(body)
        except TRANSPORT_ERRORS as exc:
            raise SlackDeliveryError("response_url", type(exc).__name__) from exc
        if response.status_code != 200:
            raise SlackDeliveryError("response_url", f"HTTP {response.status_code} {response.body[:100]}")


def _delivery_error(method: str, exc: Exception) -> SlackDeliveryError:
    if isinstance(exc, SlackApiError):
        return SlackDeliveryError(method, str(exc.response.get("error", "unknown_error")))
    return SlackDeliveryError(method, type(exc).__name__)

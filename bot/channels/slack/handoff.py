"""Hand-off to a person, Slack side: staff replies in a hand-off thread, and 「対応を終了」.

* A reply in a thread of ``SLACK_HANDOFF_CHANNEL`` (a ``message`` event: ``message.channels``,
  scope ``channels:history``) whose thread is a hand-off (``staff_ref`` ``<channel>:<thread_ts>``)
  is stored in the web session as role ``staff``; the widget shows it as 「担当者」. Replies that
  mention the bot are for the advisor (``app_mention`` answers them in the thread) and are not
  passed on; bot messages (the forwarded user messages among them), edits and deletions neither.
  A reply after the hand-off ended gets a notice that the user will not see it.
* The summary's 「対応を終了」 button ends the hand-off (state ``ended`` and a system note, one
  transaction), replaces the button by who ended it, and says so in the thread; the advisor then
  answers the user again.

``register(bot)`` is called by :class:`~bot.channels.slack.app.SlackBot` before its own
``message`` listener (bolt runs only the first listener that matches an event).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.channels.handoff.render import (
    END_ACTION,
    render_closed,
    render_ended_notice,
    render_not_delivered,
)
from bot.channels.handoff.service import end_handoff, record_staff_reply, staff_ref
from bot.channels.slack import render
from bot.channels.slack.check import looks_like_channel_id
from bot.channels.slack.client import SlackDeliveryError
from bot.errors import AdvisorError

if TYPE_CHECKING:
    from bot.channels.slack.app import SlackBot

log = logging.getLogger("bot.channels.slack")

REPLY_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
NOT_FOUND_TEXT = "この相談は見つかりませんでした。"
ALREADY_ENDED_TEXT = "この相談はすでに終了しています。"
NOT_STORED_TEXT = "⚠️ この返信をお客様に届けられませんでした。もう一度送信してください。"

_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#C[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z_]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>\s]+)(?:\|([^>]*))?>")


def slack_to_plain(text: str) -> str:
    """A staff message's Slack markup as the widget shows it: ``<url|label>`` → ``[label](url)``,
    ``<mailto:a@b|a@b>`` → ``a@b``, user and channel mentions by their names (or dropped),
    ``<!here>`` dropped, ``&amp;`` / ``&lt;`` / ``&gt;`` unescaped."""

    def linked(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("mailto:", "tel:")):
            plain = target.split(":", 1)[1]
            return label if label and label != plain else plain
        return f"[{label}]({target})" if label and label != target else target

    text = _USER.sub(lambda m: f"@{m.group(1)}" if m.group(1) else "", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", text)
    text = _SPECIAL.sub(lambda m: m.group(2) or "", text)
    text = _LINK.sub(linked, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


class SlackHandoff:
    """The hand-off listeners of one :class:`SlackBot`."""

    def __init__(self, bot: SlackBot, channel: str | None) -> None:
        self.bot = bot
        self.channel = channel

    async def is_thread_reply(self, event: dict[str, Any]) -> bool:
        """A listener matcher: a message in a thread of the hand-off channel."""
        thread_ts = event.get("thread_ts")
        return bool(
            self.channel
            and event.get("channel") == self.channel
            and thread_ts
            and thread_ts != event.get("ts")
        )

    async def on_staff_reply(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
        thread_ts = event.get("thread_ts")
        if not (channel and user and ts and thread_ts) or event.get("subtype") not in REPLY_SUBTYPES:
            return  # edits, deletions and other system messages
        if event.get("bot_id") or user == context.bot_user_id:
            return  # the bot's own posts (the forwarded user messages) and other bots
        text = str(event.get("text") or "")
        if context.bot_user_id and f"<@{context.bot_user_id}" in text:
            return  # a question for the advisor: app_mention answers it in the thread
        plain = slack_to_plain(text)
        if not plain or not self.bot.seen.add(f"message:{channel}:{ts}"):
            return
        work = self.relay(str(channel), str(thread_ts), plain)
        self.bot.tasks.spawn(work, name=f"handoff reply {channel}:{ts}")

    async def relay(self, channel: str, thread_ts: str, text: str) -> None:
        """Store the reply in the web session; say so in the thread when it cannot reach the user."""
        settings = self.bot.deps.settings
        ref = staff_ref(channel, thread_ts)
        try:
            outcome = await asyncio.to_thread(
                record_staff_reply, self.bot.deps.store, ref, text, settings.max_message_chars
            )
        except AdvisorError as exc:
            log.error("Slack: a staff reply in %s was not stored: %s", ref, exc.message_en)
            await self._post(channel, render.render_notice(NOT_STORED_TEXT), thread_ts)
            return
        if outcome == "ended":
            await self._post(channel, render_not_delivered(), thread_ts)
        elif outcome == "stored":
            log.info("Slack: a staff reply in %s was passed on to the web session", ref)

    async def on_end(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self.bot.tasks.spawn(self.end(body), name="handoff end")

    async def end(self, body: dict[str, Any]) -> None:
        """「対応を終了」: end the hand-off of the clicked summary's thread."""
        channel = str((body.get("channel") or {}).get("id", ""))
        container = body.get("container") or {}
        message = body.get("message") or {}
        root_ts = str(container.get("message_ts") or message.get("ts") or "")
        thread_ts = str(container.get("thread_ts") or message.get("thread_ts") or root_ts)
        user = str((body.get("user") or {}).get("id", "")) or None
        if not (channel and thread_ts):
            return
        try:
            ref = staff_ref(channel, thread_ts)
            session, ended = await asyncio.to_thread(end_handoff, self.bot.deps.store, ref)
        except AdvisorError as exc:
            log.error("Slack: the hand-off of %s:%s did not end: %s", channel, thread_ts, exc.message_en)
            await self.bot._reply_to_action(body, render.render_error(exc.message_ja))
            return
        if session is None or not ended:
            text = NOT_FOUND_TEXT if session is None else ALREADY_ENDED_TEXT
            await self.bot._reply_to_action(body, render.render_notice(text))
            return
        log.info("Slack: hand-off of %s ended by %s", session.session_id, user)
        if root_ts and message.get("blocks"):
            closed = render_closed(message["blocks"], user, self.bot.clock())
            try:
                await self.bot.api.update_message(channel, root_ts, closed)
            except SlackDeliveryError as exc:
                log.info("Slack: could not update the hand-off summary: %s", exc)
        await self._post(channel, render_ended_notice(), thread_ts)

    async def _post(self, channel: str, message: render.SlackMessage, thread_ts: str) -> None:
        try:
            await self.bot.api.post_message(channel, message, thread_ts=thread_ts)
        except SlackDeliveryError as exc:
            log.error("Slack: could not post in the hand-off thread %s:%s: %s", channel, thread_ts, exc)


def register(bot: SlackBot) -> SlackHandoff:
    """Add the hand-off listeners to ``bot.app`` (before the bot's own ``message`` listener)."""
    channel = (bot.deps.settings.slack_handoff_channel or "").strip() or None
    if channel and not looks_like_channel_id(channel):
        log.warning(
            "SLACK_HANDOFF_CHANNEL=%r is not a channel ID (C…/G…): summaries may be posted, but staff "
            "replies will not reach the customer; see `advisor slack --check`",
            channel,
        )
    handoff = SlackHandoff(bot, channel)
    if channel:
        bot.app.event("message", matchers=[handoff.is_thread_reply])(handoff.on_staff_reply)
    bot.app.action(END_ACTION)(handoff.on_end)
    return handoff

"""👍/👎 on an answer: stored with who gave it; 👎 first asks why, in a modal.

* 👍 is stored at once (``store.add_feedback``) and thanked privately.
* 👎 opens a modal (``views.open`` with the click's ``trigger_id``) with one short, optional
  text input; its submission stores the 👎 with the reason. Closing the modal stores nothing.
  When Slack cannot open the modal (e.g. ``expired_trigger_id``: the click is older than 3
  seconds), the 👎 is stored without a reason, so a rating is never lost.

The store's feedback record has no column for the person (and this change does not alter the
schema), so the Slack user goes into the comment: ``slack:U0123ABCD`` for 👍 or a 👎 without a
reason, ``slack:U0123ABCD: <reason>`` with one (:func:`feedback_comment`). Each person's rating of
an answer is stored once per rating (a double click, or a second 👎 modal, is thanked but not
stored again); the thanks repeats the reason, escaped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck

from bot.channels.slack import render
from bot.channels.slack.client import SlackDeliveryError
from bot.channels.slack.render import FeedbackTarget, SlackMessage
from bot.errors import AdvisorError

if TYPE_CHECKING:
    from bot.channels.slack.app import SlackBot

log = logging.getLogger("bot.channels.slack")

UNKNOWN_USER = "unknown"


def feedback_comment(user_id: str, reason: str | None = None) -> str:
    """What the store keeps as the feedback's comment: ``slack:<user id>`` and the reason."""
    who = user_id if render.SLACK_ID.fullmatch(user_id or "") else UNKNOWN_USER
    return f"slack:{who}: {reason}" if reason else f"slack:{who}"


class FeedbackButtons:
    """The 👍/👎 listeners and the reason modal's submission for one :class:`SlackBot`."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    async def on_click(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        parsed = render.parse_feedback_action(str(action.get("action_id", "")))
        if parsed is None:
            return
        rating, session_id, message_id = parsed
        target = _target_of(body, session_id, message_id)
        user = _user_of(body)
        if rating == "up":
            self.bot.tasks.spawn(self.record(user, "up", target), name="feedback")
        else:
            self.bot.tasks.spawn(self.ask_reason(user, target, body.get("trigger_id")), name="feedback")

    async def ask_reason(self, user: str, target: FeedbackTarget, trigger_id: Any) -> None:
        """Open the reason modal; store the 👎 without a reason when Slack cannot open it."""
        try:
            if not isinstance(trigger_id, str) or not trigger_id:
                raise SlackDeliveryError("views.open", "no trigger_id")
            await self.bot.api.open_view(trigger_id, render.render_feedback_modal(target))
        except SlackDeliveryError as exc:
            log.info("Slack: could not ask for the reason of a 👎 (%s); storing it without one", exc)
            await self.record(user, "down", target)

    async def on_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()  # closes the modal
        parsed = render.parse_feedback_modal(view)
        if parsed is None:
            log.warning("Slack: a feedback modal came back without its answer; nothing stored")
            return
        target, reason = parsed
        self.bot.tasks.spawn(self.record(_user_of(body), "down", target, reason), name="feedback")

    async def record(
        self, user: str, rating: render.Rating, target: FeedbackTarget, reason: str | None = None
    ) -> None:
        """Store the rating (once per person, answer and rating) and thank the user privately."""
        message = render.render_thanks(reason)
        if self.bot.seen.add(f"feedback:{user}:{target.message_id}:{rating}"):
            comment = feedback_comment(user, reason)
            try:
                await asyncio.to_thread(
                    self.bot.deps.store.add_feedback, target.session_id, target.message_id, rating, comment
                )
            except AdvisorError as exc:
                log.warning("Slack: feedback not stored: %s", exc.message_en)
                message = render.render_notice(f"⚠️ フィードバックを保存できませんでした。{exc.message_ja}")
        await self.reply(user, target, message)

    async def reply(self, user: str, target: FeedbackTarget, message: SlackMessage) -> None:
        await self.bot._reply_privately(
            target.response_url, target.channel, user, [message], thread_ts=target.thread_ts
        )


def _user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _target_of(body: dict[str, Any], session_id: str, message_id: str) -> FeedbackTarget:
    container = body.get("container") or {}
    response_url = body.get("response_url")
    thread_ts = container.get("thread_ts")
    return FeedbackTarget(
        session_id=session_id,
        message_id=message_id,
        channel=str((body.get("channel") or {}).get("id", "")),
        thread_ts=str(thread_ts) if thread_ts else None,
        response_url=str(response_url) if response_url else None,
    )


def register(bot: SlackBot) -> FeedbackButtons:
    """Add the 👍/👎 buttons' and the reason modal's listeners to ``bot.app``."""
    buttons = FeedbackButtons(bot)
    bot.app.action(render.FEEDBACK_ACTION)(buttons.on_click)
    bot.app.view(render.FEEDBACK_REASON_CALLBACK)(buttons.on_submit)
    return buttons

"""The hand-off itself, over the conversation store and a Slack poster.

* :meth:`HandoffService.start` — posts the summary of a website conversation as a new thread in
  the hand-off channel and marks the session ``active`` with ``staff_ref = "<channel>:<thread_ts>"``;
* :meth:`HandoffService.relay` — a user message during the hand-off: stored (role ``user``) and
  posted into the thread; the advisor does not answer it;
* :func:`record_staff_reply` — a staff reply in the thread, stored as role ``staff`` (the widget
  polls for it); :func:`end_handoff` — 「対応を終了」: state ``ended`` plus a system note, in one
  transaction. These two run in the Slack app (``bot.channels.slack.handoff``).

The store is blocking, so the async methods run it in worker threads. Slack is reached only
through :class:`Poster` (``bot.channels.slack.client.SlackApi`` is one), so tests and other
transports can stand in.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from bot.channels.handoff.contacts import ContactsResponse, contacts_for
from bot.channels.handoff.render import render_summary, render_user_message
from bot.channels.handoff.summary import HandoffSummary, build_summary
from bot.channels.locks import KeyedLocks
from bot.channels.slack.render import SlackMessage
from bot.errors import AdvisorError
from bot.store.errors import SessionNotFoundError
from bot.store.records import Message, Session

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.knowledge.models import Programme
    from bot.store.protocol import ConversationStore

log = logging.getLogger("bot.channels.handoff")

WEB_CHANNEL = "web"
ACK_TEXT = "担当者にお伝えしました。返信をお待ちください。"
ENDED_NOTE = "担当者との会話が終了しました。引き続きアドバイザーがお答えします。"
MESSAGES_LIMIT = 200  # messages a poll looks through (newest); a longer gap returns these

StaffReplyOutcome = Literal["stored", "ended", "unknown"]


class Poster(Protocol):
    """What the hand-off needs from Slack: post a message (in a thread), get its ts back.
    Failures raise an exception (``SlackDeliveryError`` for the real API)."""

    async def post_message(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> str: ...


class HandoffUnavailableError(AdvisorError):
    """Slack (bot token, signing secret, hand-off channel) is not configured: no one to hand off to."""

    code = "handoff_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "申し訳ありません。現在、担当者におつなぎできません。"
            "お手数ですが、各制度の問い合わせ窓口にご連絡ください。",
            "Sorry, no staff member can be reached here right now; please contact the programme's desk.",
        )


class HandoffFailedError(AdvisorError):
    """Slack refused or could not be reached: the message did not get to the staff."""

    code = "handoff_failed"
    status = 503

    def __init__(self, detail: str) -> None:
        super().__init__(
            "申し訳ありません。担当者にお伝えできませんでした。しばらくしてからもう一度お試しください。",
            f"Could not reach the staff channel ({detail}); please try again later.",
        )


def handoff_channel(settings: Settings) -> str | None:
    """The hand-off channel when the hand-off can work (bot token, signing secret and
    ``SLACK_HANDOFF_CHANNEL`` all set), else None."""
    from bot.channels.slack import slack_configured

    channel = (settings.slack_handoff_channel or "").strip()
    return channel if channel and slack_configured(settings) else None


def staff_ref(channel: str, thread_ts: str) -> str:
    """The session's ``staff_ref`` of a hand-off thread: ``<channel>:<thread_ts>``."""
    return f"{channel}:{thread_ts}"


def parse_staff_ref(ref: str | None) -> tuple[str, str] | None:
    """``(channel, thread_ts)`` of a hand-off thread's ``staff_ref``, else None."""
    if not ref or ":" not in ref:
        return None
    channel, _, thread_ts = ref.partition(":")
    return (channel, thread_ts) if channel and thread_ts else None


# --- reads (also used by the web routes) ------------------------------------------------------


def session_programmes(store: ConversationStore, session_id: str) -> list[str]:
    """The programme ids of a session's answers, its tool calls and its slots, first mention first."""
    ids: list[str] = []
    for message in store.list_messages(session_id):
        if message.role == "assistant" and message.answer_json:
            ids += [str(pid) for pid in message.answer_json.get("programmes") or []]
    ids += [str(c.arguments.get("programme_id")) for c in store.list_tool_calls(session_id)]
    ids.append(str(store.get_slots(session_id).get("programme_id")))
    return list(dict.fromkeys(ids))


def session_contacts(
    store: ConversationStore, programmes: dict[str, Programme], session_id: str | None
) -> ContactsResponse:
    """The contacts of the session's programmes (every programme's when there are none)."""
    ids: list[str] = []
    if session_id and store.get_session(session_id) is not None:
        ids = session_programmes(store, session_id)
    return contacts_for(ids, programmes)


def messages_after(
    store: ConversationStore, session_id: str, after: str | None
) -> tuple[Session, list[Message]]:
    """The session and its messages after ``after`` (a message id; all when None or not among
    the latest ``MESSAGES_LIMIT``). Raises ``SessionNotFoundError`` for an unknown session."""
    session = store.get_session(session_id)
    if session is None:
        raise SessionNotFoundError(session_id)
    messages = store.list_messages(session_id, limit=MESSAGES_LIMIT)
    if after:
        for index, message in enumerate(messages):
            if message.message_id == after:
                return session, messages[index + 1 :]
    return session, messages


def summarise(store: ConversationStore, programmes: dict[str, Programme], session_id: str) -> HandoffSummary:
    session = store.get_session(session_id)
    if session is None:
        raise SessionNotFoundError(session_id)
    return build_summary(
        session,
        store.list_messages(session_id),
        store.get_slots(session_id),
        store.list_tool_calls(session_id),
        programmes,
    )


# --- the Slack side's writes --------------------------------------------------------------------


def record_staff_reply(store: ConversationStore, ref: str, text: str, max_chars: int) -> StaffReplyOutcome:
    """Store a staff reply in thread ``ref`` in its web session (``stored``). Nothing is stored
    when the hand-off is over (``ended``) or the thread is no hand-off (``unknown``)."""
    session = store.find_session_by_staff_ref(ref)
    if session is None:
        return "unknown"
    with store.unit_of_work(session.session_id) as work:
        if work.session.handoff_state != "active" or work.session.staff_ref != ref:
            return "ended"
        work.add_message("staff", clip(text, max_chars))
    return "stored"


def end_handoff(store: ConversationStore, ref: str) -> tuple[Session | None, bool]:
    """End the hand-off of thread ``ref`` (state ``ended`` and a system note, one transaction):
    ``(session, True)``; ``(session, False)`` when it was not active; ``(None, False)`` when the
    thread is no hand-off."""
    session = store.find_session_by_staff_ref(ref)
    if session is None:
        return None, False
    with store.unit_of_work(session.session_id) as work:
        if work.session.handoff_state != "active" or work.session.staff_ref != ref:
            return work.session, False
        ended = work.set_handoff("ended", ref)
        work.add_message("system", ENDED_NOTE)
    return ended, True


def clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


# --- the web side ---------------------------------------------------------------------------------


@dataclass
class HandoffService:
    """Start and relay hand-offs of web sessions into ``channel`` through ``poster``."""

    store: ConversationStore
    programmes: dict[str, Programme]
    poster: Poster
    channel: str
    locks: KeyedLocks = field(default_factory=KeyedLocks)

    async def start(self, session_id: str | None) -> tuple[Session, bool]:
        """Hand the session (a new web session when None or unknown) to staff: ``(session, True)``;
        ``(session, False)`` when it is in an active hand-off already (nothing is posted again)."""
        session = await asyncio.to_thread(self.store.get_or_create_session, session_id, WEB_CHANNEL)
        sid = session.session_id
        async with self.locks.hold(sid):  # one summary per session, even on a double click
            session = await asyncio.to_thread(self._require, sid)
            if session.handoff_state == "active" and parse_staff_ref(session.staff_ref):
                return session, False
            summary = await asyncio.to_thread(summarise, self.store, self.programmes, sid)
            try:
                thread_ts = await self.poster.post_message(self.channel, render_summary(summary))
            except Exception as exc:  # the poster's delivery error, whatever its transport
                log.error("hand-off of %s could not be posted to %s: %s", sid, self.channel, exc)
                raise HandoffFailedError(_error_code(exc)) from exc
            ref = staff_ref(self.channel, thread_ts)
            started = await asyncio.to_thread(self.store.set_handoff, sid, "active", ref)
            log.info("hand-off of %s started in %s", sid, ref)
            return started, True

    async def relay(self, session: Session, text: str) -> Message:
        """A user message during the hand-off: posted into the staff thread, then stored."""
        thread = parse_staff_ref(session.staff_ref)
        if thread is None:
            raise HandoffFailedError("no thread")
        channel, thread_ts = thread
        try:
            await self.poster.post_message(channel, render_user_message(text), thread_ts=thread_ts)
        except Exception as exc:
            log.error("a message of %s could not be posted to %s: %s", session.session_id, thread, exc)
            raise HandoffFailedError(_error_code(exc)) from exc
        return await asyncio.to_thread(self.store.add_message, session.session_id, "user", text)

    def _require(self, session_id: str) -> Session:
        session = self.store.get_session(session_id)
        if session is None:
            raise SessionNotFoundError(session_id)
        return session


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "error", "") or type(exc).__name__)

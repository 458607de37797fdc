"""Who may ask, and how often: the optional allowlist and the per-user question limit.

Every request from Slack passes the bolt middleware :meth:`QuestionGate.middleware` (after the
retry dedupe, before any listener), so a question is checked once, in one place, whichever way
it came: a mention in a channel, a DM, or ``/hojokin`` (help, status and calc included). Buttons,
staff replies in hand-off threads and everything else pass untouched.

* **Allowlist** (``ADVISOR_SLACK_ALLOWED_CHANNELS``, ``ADVISOR_SLACK_ALLOWED_USERGROUPS``; both
  empty: everyone). A question is admitted in an allowed channel, or from a member of an allowed
  user group (``usergroups.users.list``, scope ``usergroups:read``, cached for five minutes; when
  Slack does not answer, nobody is taken for a member). Others get 「…利用できません」.
* **Limit** (``ADVISOR_SLACK_QUESTIONS_PER_MINUTE``, default 10, 0: none): a moving one-minute
  window per workspace and user, counted by the ``limits`` library (in-memory storage here; the
  same limiter takes a shared storage when several processes answer). Over it: 「⏳ …お待ちください」
  with the seconds to wait. Refused questions are not counted.

The notice is private: ``/hojokin`` gets it as its (ephemeral) acknowledgement; a mention or a DM
gets it with chat.postEphemeral in the same place. A message Slack delivers twice (as a mention
and as a message event) is checked and counted once.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.channels.slack import render
from bot.channels.slack.client import TRANSPORT_ERRORS, SlackDeliveryError
from bot.channels.slack.commands import DIRECT_SUBTYPES

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.channels.slack.app import SlackBot
    from bot.config import Settings

log = logging.getLogger("bot.channels.slack")

USERGROUP_TTL_S = 300.0
USERGROUP_FAILURE_TTL_S = 30.0
NOT_ENABLED_CHANNEL = (
    "🔒 このチャンネルでは補助金アドバイザーを利用できません。"
    "利用できるチャンネルで質問するか、Slack の管理者にお問い合わせください。"
)
NOT_ENABLED_USER = (
    "🔒 補助金アドバイザーは、あなたのアカウントではまだ有効になっていません。"
    "利用をご希望の場合は Slack の管理者にお問い合わせください。"
)
RATE_LIMITED = (
    "⏳ 短い時間にご質問が続いたため、少しお待ちください（1分あたり{limit}件まで）。"
    "約{wait}秒後にもう一度お試しください。"
)


@dataclass(frozen=True)
class Question:
    """A request that asks the advisor something: who, where, and where to answer privately."""

    team: str
    user: str
    channel: str
    command: bool  # /hojokin (answered in the acknowledgement) rather than a message event
    key: str | None = None  # "<channel>:<ts>" of a message, the same for each of its deliveries
    thread_ts: str | None = None


def question_of(body: dict[str, Any], bot_user_id: str | None) -> Question | None:
    """The question a request carries — a mention, a person's DM, a slash command — else None.

    Mirrors what the listeners answer: bot messages, the bot's own, edits and other subtypes,
    and channel messages without a mention are not questions."""
    team = str(body.get("team_id") or "")
    if body.get("command"):
        caller, where = str(body.get("user_id") or ""), str(body.get("channel_id") or "")
        return Question(team, caller, where, command=True) if caller else None
    if body.get("type") != "event_callback":
        return None
    event = body.get("event") or {}
    kind = event.get("type")
    direct = kind == "message" and event.get("channel_type") == "im"
    if not (kind == "app_mention" or (direct and event.get("subtype") in DIRECT_SUBTYPES)):
        return None
    channel, author, ts = event.get("channel"), event.get("user"), event.get("ts")
    if not (channel and author and ts) or event.get("bot_id") or author == bot_user_id:
        return None
    thread_ts = event.get("thread_ts")
    return Question(
        team,
        str(author),
        str(channel),
        command=False,
        key=f"{channel}:{ts}",
        thread_ts=str(thread_ts) if thread_ts else None,
    )


class UsergroupMembers:
    """Members of user groups, from ``usergroups.users.list``, remembered for a while."""

    def __init__(self, client: AsyncWebClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def any_has(self, usergroups: Iterable[str], user: str) -> bool:
        for usergroup in usergroups:
            if user in await self.members(usergroup):
                return True
        return False

    async def members(self, usergroup: str) -> frozenset[str]:
        now = self.clock()
        cached = self._cache.get(usergroup)
        if cached is not None and cached[0] > now:
            return cached[1]
        reason = None
        try:
            response = await self.client.usergroups_users_list(usergroup=usergroup)
        except SlackApiError as exc:
            reason = str(exc.response.get("error", "unknown_error"))
        except TRANSPORT_ERRORS as exc:
            reason = type(exc).__name__
        if reason is None:
            members, ttl = frozenset(str(u) for u in response.get("users") or []), USERGROUP_TTL_S
        else:
            hint = "add the usergroups:read scope" if reason == "missing_scope" else "asked again later"
            log.error("Slack: no members of user group %s (%s); none assumed, %s", usergroup, reason, hint)
            members, ttl = frozenset(), USERGROUP_FAILURE_TTL_S
        self._cache[usergroup] = (now + ttl, members)
        return members


class QuestionGate:
    """The allowlist and the question limit of one :class:`SlackBot` (see the module docstring)."""

    def __init__(self, bot: SlackBot, settings: Settings) -> None:
        self.bot = bot
        self.channels = frozenset(settings.slack_allowed_channels)
        self.usergroups = tuple(settings.slack_allowed_usergroups)
        self.per_minute = settings.slack_questions_per_minute
        self.limit = RateLimitItemPerMinute(max(self.per_minute, 1))
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.members = UsergroupMembers(bot.client)

    async def middleware(
        self, body: dict[str, Any], context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Pass what is not a question; admit a question or answer it with a private notice."""
        question = question_of(body, context.bot_user_id)
        if question is None:
            await next_()
            return None
        seen = self.bot.seen
        if question.key is not None:
            if f"gate:{question.key}" in seen:  # admitted already: another delivery of it
                await next_()
                return None
            if f"message:{question.key}" in seen:  # refused already (or answered): ignore
                return BoltResponse(status=200, body="")
        notice = await self.refusal(question)
        if notice is None:
            if question.key is not None:
                seen.add(f"gate:{question.key}")
            await next_()
            return None
        log.info("Slack: refused a question of %s in %s: %s", question.user, question.channel, notice)
        message = render.render_notice(notice)
        if question.command:
            payload = {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
            return BoltResponse(
                status=200,
                body=json.dumps(payload, ensure_ascii=False),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        assert question.key is not None
        seen.add(f"message:{question.key}")  # the listeners skip it, whichever event brings it
        self.bot.tasks.spawn(self.notify(question, message), name=f"notice {question.key}")
        return BoltResponse(status=200, body="")

    async def refusal(self, question: Question) -> str | None:
        """The notice refusing ``question``, or None to answer it (then it counts)."""
        if not await self.allowed(question):
            return NOT_ENABLED_USER if question.channel.startswith("D") else NOT_ENABLED_CHANNEL
        wait_s = await self.hit(question.team, question.user)
        if wait_s is not None:
            return RATE_LIMITED.format(limit=self.per_minute, wait=wait_s)
        return None

    async def allowed(self, question: Question) -> bool:
        if not self.channels and not self.usergroups:
            return True
        if question.channel in self.channels:
            return True
        return await self.members.any_has(self.usergroups, question.user)

    async def hit(self, team: str, user: str) -> int | None:
        """Count a question of ``user``; None when within the limit, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        if await self.limiter.hit(self.limit, "slack-user", team, user):
            return None
        stats = await self.limiter.get_window_stats(self.limit, "slack-user", team, user)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def notify(self, question: Question, message: render.SlackMessage) -> None:
        try:
            await self.bot.api.post_ephemeral(
                question.channel, question.user, message, thread_ts=question.thread_ts
            )
        except SlackDeliveryError as exc:
            log.info("Slack: could not tell %s the question was refused: %s", question.user, exc)


def register(bot: SlackBot) -> QuestionGate:
    """Add the gate to ``bot.app`` as a middleware (after the retry dedupe, which registers first)."""
    gate = QuestionGate(bot, bot.deps.settings)
    bot.app.middleware(gate.middleware)
    return gate

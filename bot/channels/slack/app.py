"""The Slack app: a bolt ``AsyncApp`` whose listeners hand the advisor's answers to Slack.

* ``app_mention`` in a channel and ``message`` in a DM → 👀 on the question at once
  (reactions.add; it stays), then the answer in the message's thread. The thread
  (``<channel>:<thread_ts>``) is the advisor session (the store's external key), so follow-ups
  in the thread keep their context.
* ``/hojokin <質問>`` → 「回答を作成しています…」 at once, then an answer only the caller sees
  (``response_url``, ephemeral, replacing that placeholder), headed by the question, with a
  「チャンネルに共有」 button; ``/hojokin status``, ``/hojokin calc …`` and ``/hojokin help``.
* Buttons: 👍/👎 (``feedback.py``: stored with who gave it; 👎 asks for a reason in a modal),
  「チャンネルに共有」, follow-up questions.

Questions (mentions, DMs, ``/hojokin``) first pass the gate (``gate.py``): the optional
allowlist and the per-user limit, with a private notice to whom it refuses.

Every listener acknowledges at once and leaves the work to a background task the
:class:`SlackBot` owns, so Slack always gets its 200 within 3 seconds whatever the mode
(HTTP or Socket Mode). The advisor and the store are blocking: they run in worker threads
(``asyncio.to_thread``), never on the event loop. Slack's retries are recognised by
``event_id`` (and the message's channel and ts) and answered once. Errors become a short
Japanese message in the thread, never silence.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.channels.locks import KeyedLocks
from bot.channels.slack import SlackNotConfiguredError, feedback, gate, handoff, render
from bot.channels.slack.client import SlackApi, SlackDeliveryError, WebSlackApi, build_web_client
from bot.channels.slack.commands import DIRECT_SUBTYPES, Command, clean_event_text, parse_command
from bot.channels.slack.dedupe import TtlSet
from bot.channels.slack.render import SlackMessage
from bot.errors import AdvisorError, InputError
from bot.models import Answer, Citation

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.deps import Deps
    from bot.knowledge.loader import KnowledgeBase
    from bot.knowledge.models import SourceRef

log = logging.getLogger("bot.channels.slack")

TOKYO = ZoneInfo("Asia/Tokyo")
CHANNEL = "slack"
COMMAND = "/hojokin"
# A retry for these reasons means Slack did deliver the first attempt (we were just slow to
# acknowledge it): HTTP mode says http_timeout, Socket Mode says timeout.
DELIVERED_RETRY_REASONS = frozenset({"http_timeout", "timeout"})
DRAIN_TIMEOUT_S = 60.0
THINKING_TEXT = "回答を作成しています…（この表示はあなたにだけ見えています）"
THINKING_REACTION = "eyes"  # 👀 on a question while the advisor works (left on: "seen")
CALC_FAILED = "計算できませんでした。"
NOT_FOUND_TEXT = "共有する回答が見つかりませんでした。もう一度質問してください。"


def tokyo_now() -> dt.datetime:
    """The time now in Japan (the advisor's as-of date and the status command's moment)."""
    return dt.datetime.now(TOKYO)


def thread_key(channel: str, thread_ts: str) -> str:
    """The store's external key of a Slack thread: ``<channel>:<thread_ts>``."""
    return f"{channel}:{thread_ts}"


class BackgroundTasks:
    """The tasks the listeners started; kept referenced until done, awaited by :meth:`drain`."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Wait until every task (including tasks started meanwhile) has finished."""
        async with asyncio.timeout(timeout_s):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)


class SlackBot:
    """The bolt app over ``deps``, its Slack API client, dedupe set and background tasks.

    ``socket_mode`` turns off request signing checks (Socket Mode has no HTTP requests to
    sign); ``clock`` gives the time in Asia/Tokyo (tests fix it); ``api`` replaces the Web API.
    """

    def __init__(
        self,
        deps: Deps,
        *,
        client: AsyncWebClient | None = None,
        api: SlackApi | None = None,
        socket_mode: bool = False,
        clock: Callable[[], dt.datetime] = tokyo_now,
        seen: TtlSet | None = None,
    ) -> None:
        settings = deps.settings
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        missing = [] if token or client is not None else ["SLACK_BOT_TOKEN"]
        missing += [] if secret or socket_mode else ["SLACK_SIGNING_SECRET"]
        if missing:
            raise SlackNotConfiguredError(*missing)
        self.deps = deps
        self.client = client or build_web_client(settings)
        self.api: SlackApi = api or WebSlackApi(self.client)
        self.clock = clock
        self.seen = seen or TtlSet()
        self.tasks = BackgroundTasks()
        self.locks = KeyedLocks()
        self.app = AsyncApp(
            name="grant-advisor",
            client=self.client,
            signing_secret=secret,
            # Listeners only parse, acknowledge and start a task, so running them before the
            # HTTP response is quick — and it makes "the work has been started" hold when the
            # response is sent (no lost events, deterministic tests).
            process_before_response=True,
            request_verification_enabled=not socket_mode,
            ssl_check_enabled=not socket_mode,
        )
        self._register()

    # --- wiring ---------------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.middleware(self.skip_retries)
        self.gate = gate.register(self)  # questions: the allowlist and the per-user limit
        self.handoff = handoff.register(self)  # first: its thread replies are not questions
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.command(COMMAND)(self.on_command)
        self.feedback = feedback.register(self)  # 👍/👎 and the 👎 reason modal
        app.action(render.SHARE_ACTION)(self.on_share)
        app.action(render.FOLLOW_UP_ACTION)(self.on_follow_up)

    async def drain(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Wait for the answers still being written (tests; shutdown)."""
        await self.tasks.drain(timeout_s)

    async def close(self) -> None:
        """Let running answers finish (bounded), then stop."""
        try:
            await self.drain()
        except TimeoutError:
            log.warning("Slack: %d answers still running at shutdown", len(self.tasks))

    # --- middleware -----------------------------------------------------------------------------

    async def skip_retries(
        self, body: dict[str, Any], request: AsyncBoltRequest, next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Acknowledge and drop an event already received (same ``event_id``), and a retry
        Slack sent only because the first delivery timed out (that one is being answered)."""
        if body.get("type") == "event_callback":
            event_id = str(body.get("event_id") or "")
            reason = _header(request, "x-slack-retry-reason")
            retry = _header(request, "x-slack-retry-num")
            first_time = self.seen.add(f"event:{event_id}") if event_id else True
            if not first_time or (retry and reason in DELIVERED_RETRY_REASONS):
                log.info("Slack: skipped a duplicate delivery of %s (retry %s, %s)", event_id, retry, reason)
                return BoltResponse(status=200, body="")
        await next_()
        return None

    # --- messages: mentions and DMs -------------------------------------------------------------

    async def on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        self._accept_message(event, context.bot_user_id)

    async def on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("channel_type") == "im" and event.get("subtype") in DIRECT_SUBTYPES:
            self._accept_message(event, context.bot_user_id)

    def _accept_message(self, event: dict[str, Any], bot_user_id: str | None) -> None:
        channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
        if not (channel and user and ts) or event.get("bot_id") or user == bot_user_id:
            return  # bots (including this one) and system messages are not questions
        if not self.seen.add(f"message:{channel}:{ts}"):
            return  # the same message delivered as another event
        thread_ts = str(event.get("thread_ts") or ts)
        text = clean_event_text(event.get("text"), bot_user_id)
        if text:  # a question: show at once that the bot is on it (the help needs no signal)
            self.tasks.spawn(self.react_thinking(str(channel), str(ts)), name=f"👀 {channel}:{ts}")
        work = self.answer_in_thread(str(channel), thread_ts, text, bot_user_id)
        self.tasks.spawn(work, name=f"answer {channel}:{ts}")

    async def react_thinking(self, channel: str, ts: str) -> None:
        """👀 on the question, so the asker sees within a second that the bot is working. It is
        left on (the answer in the thread says it is done; removing it would be a second call per
        question). A task of its own: it never delays the answer, and a failure (no
        reactions:write scope, already reacted) is only logged."""
        try:
            await self.api.add_reaction(channel, ts, THINKING_REACTION)
        except SlackDeliveryError as exc:
            log.info("Slack: could not add 👀 to %s in %s: %s", ts, channel, exc)

    async def answer_in_thread(
        self, channel: str, thread_ts: str, text: str, bot_user_id: str | None
    ) -> None:
        """Answer in the thread; one question at a time per thread, so the context stays in order."""
        key = thread_key(channel, thread_ts)
        async with self.locks.hold(key):
            if not text:
                messages = [render.render_help(COMMAND, bot_user_id)]
            else:
                messages = await self._answer_messages(text, "thread", external_key=key)
            await self._post_in_thread(channel, thread_ts, messages)

    async def _answer_messages(
        self,
        text: str,
        surface: render.Surface,
        external_key: str | None = None,
        *,
        question: str | None = None,
    ) -> list[SlackMessage]:
        """The answer (or the error) as messages; headed by ``question`` when given."""
        try:
            result = await asyncio.to_thread(self.ask, text, external_key)
            return render.render_answer(result, surface, question=question)
        except AdvisorError as exc:
            log.info("Slack: the advisor refused a question: %s", exc.message_en)
            return [render.render_error(exc.message_ja, question=question)]
        except Exception:
            log.exception("Slack: answering failed")
            return [render.render_error(question=question)]

    def ask(self, text: str, external_key: str | None) -> Answer:
        """The advisor's answer in the session of ``external_key`` (a new session when None)."""
        from bot.advisor import answer

        session_id = None
        if external_key is not None:
            session_id = self.deps.store.get_or_create_session(None, CHANNEL, external_key).session_id
        return answer(text, session_id=session_id, as_of=self.clock().date(), deps=self.deps, channel=CHANNEL)

    async def _post_in_thread(self, channel: str, thread_ts: str, messages: Sequence[SlackMessage]) -> None:
        for message in messages:
            try:
                await self.api.post_message(channel, message, thread_ts=thread_ts)
            except SlackDeliveryError as exc:
                log.error("Slack: could not post the answer in %s: %s", channel, exc)
                await self._post_error_quietly(channel, thread_ts)
                return

    async def _post_error_quietly(self, channel: str, thread_ts: str) -> None:
        try:
            await self.api.post_message(channel, render.render_error(), thread_ts=thread_ts)
        except SlackDeliveryError as exc:
            log.error("Slack: could not post the error message in %s: %s", channel, exc)

    # --- /hojokin -------------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        parsed = parse_command(command.get("text"))
        if parsed.kind == "help":
            help_message = render.render_help(COMMAND, context.bot_user_id)
            await ack(text=help_message.text, blocks=help_message.blocks)
            return
        await ack(text=THINKING_TEXT if parsed.kind == "ask" else "")
        self.tasks.spawn(self.run_command(parsed, command), name=f"{COMMAND} {parsed.kind}")

    async def run_command(self, parsed: Command, command: dict[str, Any]) -> None:
        """Answer ``/hojokin`` privately (the caller only). A question's answer starts with the
        question (Slack does not show the command's text) and replaces the 「回答を作成しています…」
        acknowledgement."""
        if parsed.kind == "ask":
            messages = await self._answer_messages(parsed.question, "ephemeral", question=parsed.question)
        else:
            try:
                if parsed.kind == "status":
                    messages = await asyncio.to_thread(self.status_messages, parsed.programme_id)
                else:
                    messages = await asyncio.to_thread(self.calc_messages, parsed)
            except AdvisorError as exc:
                prefix = CALC_FAILED if parsed.kind == "calc" else ""
                messages = [render.render_notice(f"⚠️ {prefix}{exc.message_ja}")]
            except Exception:
                log.exception("Slack: %s %s failed", COMMAND, parsed.kind)
                messages = [render.render_error()]
        await self._reply_privately(
            command.get("response_url"),
            str(command.get("channel_id", "")),
            str(command.get("user_id", "")),
            messages,
            replace_first=parsed.kind == "ask",
        )

    def status_messages(self, programme_id: str | None) -> list[SlackMessage]:
        """Every programme's (or one programme's) application status now, in Asia/Tokyo."""
        from bot.tools.status import application_status

        now = self.clock().astimezone(TOKYO)
        knowledge = self.deps.knowledge
        ids = [programme_id] if programme_id else sorted(knowledge.programmes)
        moment = now.time().replace(microsecond=0)
        results = [application_status(knowledge.programme(pid), now.date(), moment) for pid in ids]
        return render.render_status(results, now)

    def calc_messages(self, parsed: Command) -> list[SlackMessage]:
        """``calc <制度ID> key=value …``: read as ``advisor calc`` reads it, run as calculate_grant."""
        from bot.cli.tools import parse_assignments
        from bot.tools.grant_models import GrantResult
        from bot.tools.schemas import run_tool

        knowledge = self.deps.knowledge
        programme = knowledge.programme(parsed.programme_id or "")
        grant_input = parse_assignments(programme, parsed.assignments)
        data = run_tool(
            "calculate_grant",
            {"programme_id": programme.id, **grant_input.model_dump()},
            knowledge.programmes,
        )
        result = GrantResult.model_validate(data)
        return render.render_calc(result, [self.citation(ref, knowledge) for ref in result.sources])

    def citation(self, ref: SourceRef, knowledge: KnowledgeBase | None = None) -> Citation:
        """A calculator's source reference with its document's title and URL (from ``knowledge``:
        the one the figures came from; default the served one)."""
        doc = (knowledge or self.deps.knowledge).sources.get(ref.doc)
        title, url = (doc.meta.title, doc.meta.url) if doc else (ref.doc, "")
        return Citation(source_id=ref.doc, title=title, url=url, section=ref.section, quote=ref.quote)

    async def _reply_privately(
        self,
        response_url: str | None,
        channel: str,
        user: str,
        messages: Sequence[SlackMessage],
        thread_ts: str | None = None,
        *,
        replace_first: bool = False,
    ) -> None:
        """Ephemeral replies: through ``response_url`` (works in any conversation), else
        chat.postEphemeral (needs the bot in the channel). ``replace_first``: the first message
        replaces the private message ``response_url`` belongs to (``replace_original``), the
        rest follow it."""
        for number, message in enumerate(messages):
            try:
                if response_url and replace_first and number == 0:
                    await self._replace_privately(response_url, message)
                elif response_url:
                    await self.api.respond(response_url, message, response_type="ephemeral")
                else:
                    await self.api.post_ephemeral(channel, user, message, thread_ts=thread_ts)
            except SlackDeliveryError as exc:
                log.error("Slack: could not reply privately to %s in %s: %s", user, channel, exc)
                return

    async def _replace_privately(self, response_url: str, message: SlackMessage) -> None:
        """Replace the private placeholder with ``message``; if Slack refuses the replacement
        (an HTTP 4xx other than 429), post ``message`` as a new private message instead, so the
        answer is never lost for the placeholder's sake."""
        try:
            await self.api.respond(response_url, message, response_type="ephemeral", replace_original=True)
        except SlackDeliveryError as exc:
            if not (exc.error.startswith("HTTP 4") and not exc.error.startswith("HTTP 429")):
                raise
            log.info("Slack: could not replace the placeholder (%s); posting the answer after it", exc)
            await self.api.respond(response_url, message, response_type="ephemeral")

    # --- buttons --------------------------------------------------------------------------------

    async def on_share(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        parsed = render.parse_share_action(str(action.get("action_id", "")))
        if parsed is not None:
            self.tasks.spawn(self.share(parsed, body), name="share")

    async def share(self, parsed: tuple[str, str], body: dict[str, Any]) -> None:
        """Post the caller's private answer to the channel; its thread continues the conversation."""
        session_id, message_id = parsed
        channel = str((body.get("channel") or {}).get("id", ""))
        user = str((body.get("user") or {}).get("id", ""))
        response_url = body.get("response_url")
        try:
            result, question = await asyncio.to_thread(self.stored_answer, session_id, message_id)
        except AdvisorError as exc:
            log.warning("Slack: nothing to share: %s", exc.message_en)
            await self._reply_to_action(body, render.render_notice(NOT_FOUND_TEXT))
            return
        messages = render.render_answer(result, "shared", shared_by=user, question=question)
        try:
            root_ts = await self.api.post_message(channel, messages[0])
            for message in messages[1:]:
                await self.api.post_message(channel, message, thread_ts=root_ts)
        except SlackDeliveryError as exc:
            # e.g. not_in_channel: the bot is not a member; response_url can still post there.
            log.info("Slack: sharing through chat.postMessage failed (%s); using response_url", exc.error)
            if not response_url:
                await self._reply_to_action(body, render.render_error())
                return
            try:
                for message in messages:
                    await self.api.respond(response_url, message, response_type="in_channel")
            except SlackDeliveryError as again:
                log.error("Slack: could not share the answer in %s: %s", channel, again)
            return
        try:
            await asyncio.to_thread(self.continue_in_thread, channel, root_ts, session_id, question, result)
        except AdvisorError as exc:
            log.warning("Slack: the shared answer's thread starts without context: %s", exc.message_en)
        if response_url:
            try:
                await self.api.respond(response_url, render.render_shared_notice(), replace_original=True)
            except SlackDeliveryError as exc:
                log.info("Slack: could not update the private answer after sharing: %s", exc)

    def stored_answer(self, session_id: str, message_id: str) -> tuple[Answer, str]:
        """The stored answer ``message_id`` and the question it answered."""
        messages = self.deps.store.list_messages(session_id)
        for index, message in enumerate(messages):
            if message.message_id == message_id and message.role == "assistant" and message.answer_json:
                question = next((m.content for m in reversed(messages[:index]) if m.role == "user"), "")
                data = {**message.answer_json, "session_id": session_id, "message_id": message_id}
                return Answer.model_validate(data), question
        raise InputError(NOT_FOUND_TEXT, f"No stored answer {message_id} in session {session_id}")

    def continue_in_thread(
        self, channel: str, root_ts: str, session_id: str, question: str, result: Answer
    ) -> None:
        """Start the shared message's thread session with the question, the answer and the facts
        learnt so far, so a mention in that thread continues the conversation."""
        store = self.deps.store
        session = store.get_or_create_session(None, CHANNEL, thread_key(channel, root_ts))
        store.record_turn(
            session.session_id,
            question or None,
            result.answer,
            answer_json=result.model_dump(mode="json", exclude={"session_id", "message_id"}),
            tool_calls=result.tool_calls,
            slot_changes=store.get_slots(session_id),
        )

    async def on_follow_up(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        question = str(action.get("value", "")).strip()
        if question:
            self.tasks.spawn(self.prompt_follow_up(body, question, context.bot_user_id), name="follow-up")

    async def prompt_follow_up(self, body: dict[str, Any], question: str, bot_user_id: str | None) -> None:
        """Post the advisor's question into the thread, for the staff member to ask the customer."""
        channel = str((body.get("channel") or {}).get("id", ""))
        message = body.get("message") or {}
        container = body.get("container") or {}
        thread_ts = (
            message.get("thread_ts")
            or container.get("thread_ts")
            or message.get("ts")
            or container.get("message_ts")
        )
        if channel.startswith("D") or not bot_user_id:
            hint = "お客様に確認して、このスレッドに回答を返信してください。"
        else:
            hint = (
                f"お客様に確認して、このスレッドで <@{bot_user_id}> をメンションして回答を送ってください"
                f"（例: <@{bot_user_id}> はい）。"
            )
        prompt = render.render_follow_up_prompt(question, reply_hint=hint)
        try:
            await self.api.post_message(channel, prompt, thread_ts=str(thread_ts) if thread_ts else None)
        except SlackDeliveryError as exc:
            log.info("Slack: could not post the follow-up question (%s); replying privately", exc.error)
            await self._reply_to_action(body, prompt)

    async def _reply_to_action(self, body: dict[str, Any], message: SlackMessage) -> None:
        container = body.get("container") or {}
        await self._reply_privately(
            body.get("response_url"),
            str((body.get("channel") or {}).get("id", "")),
            str((body.get("user") or {}).get("id", "")),
            [message],
            thread_ts=container.get("thread_ts"),
        )


def _header(request: AsyncBoltRequest, name: str) -> str | None:
    values = request.headers.get(name)
    if not values:
        return None
    return str(values[0]) if isinstance(values, list | tuple) else str(values)

"""The one entry every channel calls: ``answer(message, session_id=…, as_of=…, deps=…) -> Answer``.

A turn: validate the message, load the session's history and collected facts, let the
configured engine answer (the LLM agent when one is configured, else the offline engine; the
offline engine also takes over when the LLM fails or times out), check that every figure in
the answer is grounded in a tool result or a cited passage about the same subject
(``bot.agent.grounding``; what it rejects is logged and counted in
``bot.agent.grounding.guard_counts()``), store the turn atomically and
return the typed ``Answer`` that the CLI, the web API and Slack render.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.agent.base import Engine, EngineReply, HistoryMessage, TurnContext
from bot.agent.grounding import check_grounding, count, remove_ungrounded_lines
from bot.agent.toolkit import EventSink, Toolkit
from bot.errors import AdvisorError, InputError
from bot.models import Answer

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)
TOKYO = ZoneInfo("Asia/Tokyo")
OFFLINE_MODE = "offline"
TRUNCATION_NOTICE = "※ご質問が長すぎたため、先頭の{limit:,}文字までを読み取りました。"


def today_in_tokyo() -> dt.date:
    """Today's date in Japan: the default as-of date."""
    return dt.datetime.now(TOKYO).date()


def clean_message(message: str, limit: int) -> tuple[str, str | None]:
    """Strip the message; empty → InputError; longer than ``limit`` → truncated with a notice."""
    text = message.strip() if isinstance(message, str) else ""
    if not text:
        raise InputError(
            "ご質問が空です。助成金について知りたいことを入力してください。",
            "The message is empty; please type a question about the grants.",
        )
    if len(text) > limit:
        return text[:limit], TRUNCATION_NOTICE.format(limit=limit)
    return text, None


def answer(
    message: str,
    *,
    session_id: str | None,
    as_of: dt.date | None = None,
    deps: Deps,
    channel: str = "cli",
    on_event: EventSink | None = None,
) -> Answer:
    """Answer one user message in a session (created when ``session_id`` is None or unknown).

    ``on_event`` receives progress events (``{"type": "progress", "tool", "label"}``) while the
    engine works, for channels that show them (the web stream, the terminal chat).

    The turn runs on the knowledge generation served when it starts (facts and index of one
    build), even if ``advisor index`` publishes a new one meanwhile.
    """
    deps = deps.pinned()
    text, notice = clean_message(message, deps.settings.max_message_chars)
    day = as_of or today_in_tokyo()
    store = deps.store
    session = store.get_or_create_session(session_id, channel)
    ctx = TurnContext(
        message=text,
        session_id=session.session_id,
        as_of=day,
        history=[HistoryMessage(m.role, m.content) for m in store.recent_history(session.session_id)],
        slots=dict(store.get_slots(session.session_id)),
    )
    reply, mode = respond(ctx, deps, on_event)
    if notice:
        reply = reply.model_copy(update={"answer": f"{notice}\n\n{reply.answer}"})
    result = Answer(
        answer=reply.answer,
        lang=reply.lang,
        programmes=reply.programmes,
        citations=reply.citations,
        tool_calls=reply.tool_calls,
        follow_up=reply.follow_up,
        mode=mode,
        as_of=day,
        session_id=session.session_id,
    )
    turn = store.record_turn(
        session.session_id,
        text,
        reply.answer,
        answer_json=result.model_dump(mode="json", exclude={"session_id", "message_id"}),
        tool_calls=reply.tool_calls,
        slot_changes=reply.slot_changes,
    )
    return result.model_copy(update={"message_id": turn.assistant_message.message_id})


def respond(ctx: TurnContext, deps: Deps, on_event: EventSink | None = None) -> tuple[EngineReply, str]:
    """The configured engine's grounded reply, falling back to the offline engine."""
    offline = deps.offline_engine
    llm = deps.llm_engine
    if llm is not None:
        try:
            reply = run_engine(llm, ctx, deps, on_event)
        except AdvisorError as exc:
            log.warning("LLM engine failed, answering offline: %s", exc.message_en)
        else:
            report = check_grounding(reply, ctx.as_of, deps.knowledge, ctx.message)
            if report.ok:
                return reply, llm.mode
            count(report, "llm_replaced")
            log.warning(
                "LLM answer had ungrounded figures %s; replaced by the offline answer",
                [f"{f.figure.text} ({f.reason})" for f in report.findings],
            )
    return guard_offline(run_engine(offline, ctx, deps, on_event), ctx, deps), OFFLINE_MODE


def run_engine(
    engine: Engine, ctx: TurnContext, deps: Deps, on_event: EventSink | None = None
) -> EngineReply:
    """Run one engine with a fresh toolkit for this turn."""
    return engine.respond(ctx, Toolkit(deps, ctx.as_of, on_event))


def guard_offline(reply: EngineReply, ctx: TurnContext, deps: Deps) -> EngineReply:
    """The offline engine's answers are template-built; should a figure still be ungrounded, drop its line."""
    report = check_grounding(reply, ctx.as_of, deps.knowledge, ctx.message)
    if report.ok:
        return reply
    count(report, "offline_lines_removed")
    return reply.model_copy(update={"answer": remove_ungrounded_lines(reply.answer, report.ungrounded)})

"""``POST /api/chat``, ``POST /api/chat/stream`` (SSE) and ``POST /api/feedback``.

Over-long messages are rejected with 422 here (the CLI's ``answer()`` would truncate them with
a notice; a web client can ask the user to shorten the text instead). Rate limits: per client
IP on every POST, and per conversation on the two chat routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from bot.advisor import answer, clean_message, today_in_tokyo
from bot.channels.web.dependencies import DepsDep, LimitsDep, WebStateDep, limit_ip
from bot.channels.web.errors import MessageTooLongError
from bot.channels.web.schemas import ChatRequest, ErrorResponse, FeedbackRequest, OkResponse
from bot.channels.web.stream import ChatTurn, stream_answer
from bot.models import Answer

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (404, 413, 422, 429, 500, 503)
}

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[Depends(limit_ip)], responses=ERRORS)


def check_message(message: str, limit: int) -> str:
    """The stripped message; empty → 422, longer than ``limit`` characters → 422."""
    text = message.strip()
    if len(text) > limit:
        raise MessageTooLongError(limit, len(text))
    cleaned, _ = clean_message(text, limit)  # raises InputError for an empty message
    return cleaned


def prepare_turn(body: ChatRequest, request: Request, deps: DepsDep, limits: LimitsDep) -> ChatTurn:
    """Validate the message, apply the per-session limit, default ``as_of`` to today in Tokyo."""
    limits.check_session(body.session_id)
    text = check_message(body.message, deps.settings.max_message_chars)
    request.state.session_id = body.session_id
    return ChatTurn(message=text, session_id=body.session_id, as_of=body.as_of or today_in_tokyo())


TurnDep = Annotated[ChatTurn, Depends(prepare_turn)]


@router.post("/chat", response_model=Answer, summary="質問に回答する (answer one message)")
def chat(turn: TurnDep, deps: DepsDep, request: Request) -> Answer:
    """The advisor's answer (Japanese Markdown, citations, tool calls) with ``session_id`` and
    ``message_id``; a session is created when none or an unknown one is given."""
    result = answer(turn.message, session_id=turn.session_id, as_of=turn.as_of, deps=deps, channel="web")
    request.state.session_id = result.session_id
    return result


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    summary="質問に回答する（SSE） (answer one message as server-sent events)",
)
async def chat_stream(
    turn: TurnDep, deps: DepsDep, web: WebStateDep, request: Request
) -> AsyncIterator[ServerSentEvent]:
    """``event: progress`` (``{"label", "tool"}``) while tools run, then ``event: delta``
    (``{"text"}``) chunks of the answer, then one ``event: final`` with the Answer JSON; on error
    one ``event: error`` (``{"code", "message_ja", "message_en"}``)."""

    def remember(result: Answer) -> None:
        request.state.session_id = result.session_id

    async for event in stream_answer(turn, deps, web.tasks, on_final=remember):
        yield event


@router.post("/feedback", status_code=201, response_model=OkResponse, summary="回答への評価 (rate an answer)")
def feedback(body: FeedbackRequest, deps: DepsDep, request: Request) -> OkResponse:
    """Store 👍/👎 (and an optional comment) for one answer; unknown session or message → 404."""
    request.state.session_id = body.session_id
    deps.store.add_feedback(body.session_id, body.message_id, body.rating, body.comment)
    return OkResponse()

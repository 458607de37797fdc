"""Hand-off to a person, web side: ``POST /api/handoff``, ``GET /api/chat/{session_id}/messages``,
``GET /api/contacts``, and the advisor keeping quiet while a person has the conversation.

``install(app)`` (called by ``create_app``) adds the router, its error handler and
:class:`HandoffChatMiddleware`. The middleware looks at ``POST /api/chat`` and
``POST /api/chat/stream``: when the request's session is in an **active** hand-off, the user's
message is stored (role ``user``) and posted into the staff thread instead of being answered,
and the reply is a short acknowledgement with ``mode: "handoff"`` (an ``Answer`` as JSON, or the
same as ``delta`` + ``final`` server-sent events). Every other request goes to the chat routes
untouched. It sits inside the body-size cap and CORS, and applies the same rate limits.

The hand-off needs Slack (bot token, signing secret and ``SLACK_HANDOFF_CHANNEL``); without it
``POST /api/handoff`` answers 503 ``handoff_unavailable`` and the widget shows the programmes'
contact desks from ``GET /api/contacts``. See docs/slack.md and docs/widget.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.advisor import clean_message, today_in_tokyo
from bot.channels.handoff.contacts import ContactsResponse
from bot.channels.handoff.service import (
    ACK_TEXT,
    HandoffFailedError,
    HandoffService,
    HandoffUnavailableError,
    Poster,
    handoff_channel,
    messages_after,
    session_contacts,
)
from bot.channels.locks import KeyedLocks
from bot.channels.web.dependencies import DepsDep, WebState, limit_ip
from bot.channels.web.errors import MessageTooLongError, advisor_error_response, error_body
from bot.channels.web.schemas import SESSION_ID_MAX, ChatRequest, ErrorResponse
from bot.errors import AdvisorError
from bot.models import Answer
from bot.store.records import Role

log = logging.getLogger("bot.channels.web")

HANDOFF_MODE = "handoff"
CHAT_PATHS = frozenset({"/api/chat", "/api/chat/stream"})
STREAM_PATH = "/api/chat/stream"
HandoffErrors = (HandoffUnavailableError, HandoffFailedError)

router = APIRouter(
    prefix="/api",
    tags=["handoff"],
    responses={status: {"model": ErrorResponse} for status in (404, 422, 429, 503)},
)


# --- schemas ----------------------------------------------------------------------------------


class HandoffRequest(BaseModel):
    """Hand the conversation to a person (a new conversation when ``session_id`` is omitted)."""

    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(
        default=None, min_length=1, max_length=SESSION_ID_MAX, description="会話ID / conversation id"
    )


class HandoffResponse(BaseModel):
    state: Literal["active"] = "active"
    session_id: str
    message_id: str | None = Field(
        description="会話の最新メッセージID（?after= に渡す） / the newest message id, to poll after"
    )


class MessageOut(BaseModel):
    message_id: str
    role: Role = Field(description="user / assistant / staff（担当者） / system")
    content: str
    created_at: dt.datetime


class MessagesResponse(BaseModel):
    session_id: str
    handoff_state: Literal["none", "active", "ended"]
    messages: list[MessageOut]


# --- wiring -----------------------------------------------------------------------------------


class HandoffRuntime:
    """What the hand-off keeps per app (in ``app.state.handoff``): per-session locks and, when
    the Slack app is not mounted in this process, its own Slack Web API client."""

    def __init__(self) -> None:
        self.locks = KeyedLocks()
        self.poster: Poster | None = None


def install(app: FastAPI) -> None:
    """Add the hand-off routes, their error handler and the chat middleware to ``app``."""
    app.state.handoff = HandoffRuntime()
    app.include_router(router)
    for error in HandoffErrors:
        app.add_exception_handler(error, _handoff_error)
    app.add_middleware(HandoffChatMiddleware)


async def _handoff_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdvisorError)
    return handoff_error_response(exc)


def handoff_error_response(exc: AdvisorError) -> JSONResponse:
    """The JSON error of a hand-off error (503), else the app's usual error response."""
    if isinstance(exc, HandoffErrors):
        return JSONResponse(error_body(exc.code, exc.message_ja, exc.message_en), exc.status)
    return advisor_error_response(exc)


def handoff_service(app: Any) -> HandoffService:
    """The hand-off over the app's store; ``HandoffUnavailableError`` when Slack is not configured.

    Slack is reached through the mounted Slack app's client when there is one (``include_slack``),
    else through a client of this process's own, built from the same settings.
    """
    web: WebState = app.state.web
    deps = web.deps
    channel = handoff_channel(deps.settings)
    if channel is None:
        raise HandoffUnavailableError()
    runtime: HandoffRuntime = app.state.handoff
    bot = getattr(app.state, "slack", None)
    poster: Poster | None = bot.api if bot is not None else runtime.poster
    if poster is None:
        from bot.channels.slack.client import WebSlackApi, build_web_client

        poster = runtime.poster = WebSlackApi(build_web_client(deps.settings))
    return HandoffService(
        store=deps.store,
        programmes=deps.knowledge.programmes,
        poster=poster,
        channel=channel,
        locks=runtime.locks,
    )


# --- routes -----------------------------------------------------------------------------------


@router.post(
    "/handoff",
    status_code=201,
    response_model=HandoffResponse,
    dependencies=[Depends(limit_ip)],
    summary="担当者に引き継ぐ (hand the conversation to a person)",
)
async def start_handoff(body: HandoffRequest, request: Request, response: Response) -> HandoffResponse:
    """Post the conversation's summary to the staff channel as a new thread; from then on the
    user's messages go to that thread and staff replies appear in ``/messages``. 201 when the
    hand-off started, 200 when it was active already; 503 ``handoff_unavailable`` when Slack is
    not configured (show ``/api/contacts`` instead), 503 ``handoff_failed`` when Slack refused."""
    service = handoff_service(request.app)
    session, started = await service.start(body.session_id)
    request.state.session_id = session.session_id
    if not started:
        response.status_code = 200
    _, messages = await anyio.to_thread.run_sync(messages_after, service.store, session.session_id, None)
    return HandoffResponse(
        session_id=session.session_id, message_id=messages[-1].message_id if messages else None
    )


SessionPath = Annotated[str, Path(min_length=1, max_length=SESSION_ID_MAX, description="会話ID")]
AfterQuery = Annotated[
    str | None,
    Query(max_length=SESSION_ID_MAX, description="このメッセージIDより後だけ / only messages after this id"),
]


@router.get(
    "/chat/{session_id}/messages",
    response_model=MessagesResponse,
    summary="会話のメッセージ（担当者の返信を含む） (a conversation's messages, staff replies included)",
)
def list_messages(session_id: SessionPath, deps: DepsDep, request: Request, after: AfterQuery = None) -> Any:
    """The hand-off state and the messages after ``after`` (all when omitted or unknown), oldest
    first. The widget polls this every few seconds while a hand-off is active."""
    request.state.session_id = session_id
    session, messages = messages_after(deps.store, session_id, after or None)
    return MessagesResponse(
        session_id=session.session_id,
        handoff_state=session.handoff_state,
        messages=[
            MessageOut(message_id=m.message_id, role=m.role, content=m.content, created_at=m.created_at)
            for m in messages
        ],
    )


@router.get("/contacts", response_model=ContactsResponse, summary="制度の問い合わせ窓口 (contact desks)")
def contacts(
    deps: DepsDep,
    session_id: Annotated[str | None, Query(max_length=SESSION_ID_MAX, description="会話ID")] = None,
) -> ContactsResponse:
    """The contact desks (organisation, phone, hours, email, URL) of the programmes discussed in
    the conversation (``scope: "session"``), or of every programme (``scope: "all"``)."""
    return session_contacts(deps.store, deps.knowledge.programmes, session_id or None)


# --- the advisor keeps quiet during a hand-off --------------------------------------------------


def route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class HandoffChatMiddleware:
    """``POST /api/chat`` and ``/api/chat/stream`` of a session in an active hand-off: forwarded
    to the staff thread and acknowledged; any other request passes through unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or route_path(scope) not in CHAT_PATHS:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        body = bytearray()
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        response = await self.intercept(scope, bytes(body))
        await (response or self.app)(scope, replay, send)

    async def intercept(self, scope: Scope, body: bytes) -> Response | None:
        """The hand-off's response, or None to let the chat route answer."""
        session_id = _session_id_of(body)
        app = scope.get("app")
        web: WebState | None = getattr(getattr(app, "state", None), "web", None)
        if session_id is None or web is None:
            return None
        try:
            session = await anyio.to_thread.run_sync(web.deps.store.get_session, session_id)
        except AdvisorError:
            return None  # the chat route reports store problems its own way
        if session is None or session.handoff_state != "active":
            return None
        try:
            request = ChatRequest.model_validate_json(body)
        except ValidationError:
            return None  # the chat route answers 422 in Japanese
        stream = route_path(scope) == STREAM_PATH
        scope.setdefault("state", {})["session_id"] = session_id
        try:
            service = handoff_service(app)
        except HandoffUnavailableError:
            log.warning("session %s is in a hand-off but Slack is not configured: answering", session_id)
            return None
        try:
            peer = scope.get("client")
            web.limits.check_ip(peer[0] if peer else "unknown")
            web.limits.check_session(session_id)
            text = _check_message(request.message, web.deps.settings.max_message_chars)
            stored = await service.relay(session, text)
        except HandoffFailedError as exc:
            if stream:
                return _sse_response([("error", exc.to_dict())])
            return handoff_error_response(exc)
        except AdvisorError as exc:
            return handoff_error_response(exc)
        ack = Answer(
            answer=ACK_TEXT,
            mode=HANDOFF_MODE,
            as_of=request.as_of or today_in_tokyo(),
            session_id=session_id,
            message_id=stored.message_id,
        ).model_dump(mode="json")
        if stream:
            return _sse_response([("delta", {"text": ACK_TEXT}), ("final", ack)])
        return JSONResponse(ack)


def _session_id_of(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    session_id = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(session_id, str) and 0 < len(session_id) <= SESSION_ID_MAX:
        return session_id
    return None


def _check_message(message: str, limit: int) -> str:
    """As the chat routes check it: stripped; empty or longer than ``limit`` → 422."""
    text = message.strip()
    if len(text) > limit:
        raise MessageTooLongError(limit, len(text))
    cleaned, _ = clean_message(text, limit)
    return cleaned


def _sse_response(events: list[tuple[str, Any]]) -> Response:
    payload = "".join(
        f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"
        for name, data in events
    )
    return Response(
        payload,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


__all__ = ["HandoffChatMiddleware", "handoff_service", "install", "router"]

"""Errors as JSON: ``{code, detail, detail_en}`` with a Japanese ``detail``, never a stack trace.

* ``AdvisorError`` → its status (input 422, not found 404, rate limit 429, unavailable 503 …);
* request validation → 422 with every problem in Japanese (and English in ``detail_en``);
* Starlette's HTTP errors (unknown path, wrong method) → Japanese too;
* anything else → 500 ``internal_error``, logged server-side by :class:`InternalErrorMiddleware`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import AdvisorError, InputError

log = logging.getLogger("bot.channels.web")

INTERNAL_ERROR_JA = "申し訳ありません。内部エラーが発生しました。しばらくしてから再度お試しください。"
INTERNAL_ERROR_EN = "Sorry, an internal error occurred. Please try again later."

# Status of each AdvisorError by its code; other InputErrors are 422, other AdvisorErrors 400.
STATUS_BY_CODE: Mapping[str, int] = {
    "payload_too_large": 413,
    "rate_limited": 429,
    "unknown_tool": 404,
    "unknown_programme": 404,
    "session_not_found": 404,
    "message_not_found": 404,
    "session_key_taken": 409,
    "index_missing": 503,
    "store_unavailable": 503,
    "llm_unavailable": 503,
    # configuration problems of the server, not of the request
    "invalid_knowledge": 500,
    "invalid_prompt": 500,
    "llm_config": 500,
    "index_build_failed": 500,
}

FIELD_JA = {
    "message": "メッセージ（message）",
    "session_id": "会話ID（session_id）",
    "as_of": "基準日（as_of）",
    "message_id": "メッセージID（message_id）",
    "rating": "評価（rating）",
    "comment": "コメント（comment）",
    "programme_id": "制度ID（programme_id）",
}


class MessageTooLongError(InputError):
    """A chat message over ``max_message_chars``: the API rejects it (the CLI truncates)."""

    code = "message_too_long"

    def __init__(self, limit: int, length: int) -> None:
        super().__init__(
            f"メッセージが長すぎます（最大{limit:,}文字）。現在{length:,}文字です。短くして送信してください。",
            f"The message is too long ({length:,} characters; the limit is {limit:,}).",
        )
        self.limit = limit


class RateLimitedError(AdvisorError):
    """Too many requests from one client IP or in one conversation."""

    code = "rate_limited"

    def __init__(self, retry_after_s: float, scope_ja: str, scope_en: str) -> None:
        self.retry_after = max(1, math.ceil(retry_after_s))
        super().__init__(
            f"{scope_ja}のリクエストが多すぎます。{self.retry_after}秒ほど待ってから再度お試しください。",
            f"Too many requests {scope_en}; retry in {self.retry_after} s.",
        )


class PayloadTooLargeError(AdvisorError):
    """A request body over ``max_body_bytes``."""

    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"リクエストが大きすぎます（最大{limit:,}バイト）。",
            f"The request body is too large (limit {limit:,} bytes).",
        )


def status_of(exc: AdvisorError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    return 422 if isinstance(exc, InputError) else 400


def error_body(code: str, detail: str, detail_en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, "detail_en": detail_en, **extra}


def advisor_error_response(exc: AdvisorError) -> JSONResponse:
    """The JSON response of an AdvisorError (with ``Retry-After`` when rate limited)."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    status = status_of(exc)
    if status >= 500:
        log.error("%s: %s", exc.code, exc.message_en)
    return JSONResponse(error_body(exc.code, exc.message_ja, exc.message_en), status, headers=headers)


def internal_error_response() -> JSONResponse:
    return JSONResponse(error_body("internal_error", INTERNAL_ERROR_JA, INTERNAL_ERROR_EN), 500)


# --- request validation in Japanese --------------------------------------------------------


def _field(loc: Sequence[Any]) -> str:
    """``("body", "as_of")`` → 基準日（as_of）; the request body itself → リクエスト本文."""
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    if not parts:
        return "リクエスト本文"
    name = parts[-1]
    return FIELD_JA.get(name, "の".join(parts) if len(parts) > 1 else name)


def validation_problem_ja(error: Mapping[str, Any]) -> str:
    """One pydantic error in Japanese."""
    kind = str(error.get("type", ""))
    loc = error.get("loc", ())
    field = _field(loc)
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return "リクエストのJSONが正しくありません"
    if kind == "missing":
        return f"{field}は必須です"
    if kind == "extra_forbidden":
        return f"{field}という項目は使えません"
    if kind.startswith("date") or (loc and loc[-1] == "as_of"):
        return f"{field}は YYYY-MM-DD 形式の実在する日付で指定してください（例: 2026-01-20）"
    if kind == "literal_error":
        return f"{field}は次のいずれかで指定してください: {ctx.get('expected', '')}"
    if kind == "string_too_short":
        return f"{field}が空です"
    if kind == "string_too_long":
        return f"{field}が長すぎます（最大{ctx.get('max_length', '?')}文字）"
    if kind in ("model_attributes_type", "dict_type") and len(loc) <= 1:
        return "リクエスト本文はJSONオブジェクトで指定してください"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{field}の形式が正しくありません"
    return f"{field}が不正です"


def validation_problem_en(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    return f"{loc}: {error.get('msg', 'invalid')}"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    detail = "入力内容に誤りがあります: " + "／".join(dict.fromkeys(map(validation_problem_ja, errors)))
    detail_en = "Invalid request: " + "; ".join(map(validation_problem_en, errors))
    problems = [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in errors]
    return JSONResponse(error_body("invalid_request", detail, detail_en, errors=problems), 422)


async def _advisor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AdvisorError)
    return advisor_error_response(exc)


HTTP_JA = {
    404: ("not_found", "ページが見つかりません。URLを確認してください。"),
    405: ("method_not_allowed", "このURLではそのメソッドは使えません。"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, detail = HTTP_JA.get(exc.status_code, ("http_error", "リクエストを処理できませんでした。"))
    return JSONResponse(
        error_body(code, detail, str(exc.detail)), exc.status_code, headers=dict(exc.headers or {})
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(AdvisorError, _advisor_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class InternalErrorMiddleware:
    """Any unhandled exception: logged with its traceback, answered with a plain 500 JSON.

    The response carries no exception text. When the response had already started (a stream),
    the connection is simply ended after logging.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            log.exception("unhandled error: %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await internal_error_response()(scope, receive, send)

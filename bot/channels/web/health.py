"""``GET /healthz`` (the process answers) and ``GET /readyz`` (an index is served, the store answers)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.channels.web.dependencies import DepsDep
from bot.channels.web.errors import error_body
from bot.channels.web.schemas import ErrorResponse, HealthResponse, ReadyResponse
from bot.errors import AdvisorError

router = APIRouter(tags=["health"])
log = logging.getLogger("bot.channels.web")

READINESS_PROBE_SESSION = "readyz-probe"


@router.get("/healthz", response_model=HealthResponse, summary="死活監視 (liveness)")
async def healthz() -> HealthResponse:
    """On the event loop itself (not the thread pool), so it answers even when every worker
    thread is busy answering questions."""
    return HealthResponse()


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={503: {"model": ErrorResponse}},
    summary="準備完了か (readiness: index and store)",
)
def readyz(deps: DepsDep) -> ReadyResponse | JSONResponse:
    """200 when an index version is served and the conversation store answers, else 503 with the
    reason. ``index_version`` is the version answers come from; ``reload_error`` says why a newer
    published build is not served (the previous one keeps serving)."""
    try:
        retriever = deps.generation.retriever
        store = deps.store
        store.get_session(READINESS_PROBE_SESSION)
    except AdvisorError as exc:
        return JSONResponse(
            error_body(exc.code, exc.message_ja, exc.message_en, status="unavailable"), status_code=503
        )
    except Exception as exc:
        log.exception("readiness check failed")
        return JSONResponse(
            error_body(
                "not_ready",
                "準備ができていません。サーバーのログを確認してください。",
                f"Not ready ({type(exc).__name__}); see the server log.",
                status="unavailable",
            ),
            status_code=503,
        )
    return ReadyResponse(
        index_version=retriever.version, store=store.backend, reload_error=deps.live.last_error
    )

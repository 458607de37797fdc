"""``GET /api/programmes`` and the calculators: ``GET /api/tools``, ``POST /api/tools/{name}``.

``POST /api/tools/{name}`` is ``bot.tools.schemas.run_tool`` over HTTP: the same validation,
the same result JSON as ``advisor calc --json`` prints. For ``application_status`` an omitted
``as_of`` means today in Asia/Tokyo (date only; pass ``now`` for the time of day).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from bot.advisor import today_in_tokyo
from bot.channels.web.dependencies import DepsDep, limit_ip
from bot.channels.web.schemas import DeadlineOut, ErrorResponse, ProgrammeOut, StatusOut, WindowOut
from bot.errors import InputError, UnknownProgrammeError
from bot.knowledge.models import Programme
from bot.tools.schemas import TOOL_SCHEMAS, TOOLS, UnknownToolError, run_tool
from bot.tools.status import StatusResult, application_status

router = APIRouter(prefix="/api", tags=["data"], responses={422: {"model": ErrorResponse}})

AsOfQuery = Annotated[
    dt.date | None, Query(description="基準日 YYYY-MM-DD（省略時は東京の今日） / as-of date")
]


class ToolProgrammeError(InputError):
    """An unknown ``programme_id`` among a tool's arguments: a bad argument (422), not a 404."""

    code = "invalid_tool_arguments"


@router.get("/programmes", response_model=list[ProgrammeOut], summary="制度の一覧と受付状況")
def programmes(deps: DepsDep, as_of: AsOfQuery = None) -> list[ProgrammeOut]:
    """Every programme with its application status on ``as_of``."""
    day = as_of or today_in_tokyo()
    return [
        programme_out(programme, application_status(programme, day), day)
        for programme in sorted(deps.knowledge.programmes.values(), key=lambda p: p.id)
    ]


def programme_out(programme: Programme, status: StatusResult, as_of: dt.date) -> ProgrammeOut:
    windows = [
        WindowOut(
            id=w.id, label=w.label, name=w.name, start=w.start, end=w.end, state=w.state, sentence=w.sentence
        )
        for w in status.windows
    ]
    deadlines = [
        DeadlineOut(id=d.id, label=d.label, date=d.date, state=d.state, sentence=d.sentence)
        for d in status.deadlines
    ]
    return ProgrammeOut(
        id=programme.id,
        name=programme.name.value,
        aliases=programme.aliases,
        kind=programme.kind,
        url=programme.url.value,
        as_of=as_of,
        status=StatusOut(
            open=any(w.state == "open" for w in windows),
            summary=status.summary,
            windows=windows,
            deadlines=deadlines,
        ),
    )


@router.get("/tools", summary="計算ツールのスキーマ一覧")
def tools() -> list[dict[str, Any]]:
    """Each tool's name, description and JSON schemas (``parameters``, ``result``)."""
    return list(TOOL_SCHEMAS.values())


@router.post(
    "/tools/{name}",
    dependencies=[Depends(limit_ip)],
    responses={404: {"model": ErrorResponse}, 429: {"model": ErrorResponse}},
    summary="計算ツールを実行",
)
def call_tool(
    name: str,
    deps: DepsDep,
    arguments: Annotated[dict[str, Any] | None, Body(description="ツールの引数 / tool arguments")] = None,
) -> dict[str, Any]:
    """Run one tool; the result JSON equals ``run_tool`` (and ``advisor calc --json``)."""
    if name not in TOOLS:
        raise UnknownToolError(name)
    args = dict(arguments or {})
    if name == "application_status" and args.get("as_of") is None:
        args["as_of"] = today_in_tokyo().isoformat()
    try:
        return run_tool(name, args, deps.knowledge.programmes)
    except UnknownProgrammeError as exc:
        raise ToolProgrammeError(exc.message_ja, exc.message_en) from None

"""``GET /api/calendar.ics``: the application windows and deadlines as an iCalendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from bot.channels.web.dependencies import DepsDep
from bot.channels.web.ics import build_calendar
from bot.channels.web.schemas import ErrorResponse

router = APIRouter(prefix="/api", tags=["data"])

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545 iCalendar"},
        404: {"model": ErrorResponse},
    },
    summary="受付期間・期限のカレンダー (iCalendar)",
)
def calendar_ics(
    deps: DepsDep,
    programme_id: Annotated[
        str | None, Query(description="制度ID（省略時はすべて） / one programme only")
    ] = None,
) -> Response:
    """All-day events for every window (start to end) and deadline, with the cited source."""
    knowledge = deps.knowledge
    if programme_id is None:
        selected = [knowledge.programmes[pid] for pid in sorted(knowledge.programmes)]
    else:
        selected = [knowledge.programme(programme_id)]  # UnknownProgrammeError → 404
    urls = {doc_id: doc.meta.url for doc_id, doc in knowledge.sources.items()}
    body = build_calendar(selected, urls, dt.datetime.now(dt.UTC))
    filename = f"{programme_id or 'grant-advisor'}.ics"
    return Response(
        content=body.encode("utf-8"),
        media_type=ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "max-age=300"},
    )

"""Request and response bodies of the web API (the ``Answer`` itself is ``bot.models.Answer``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SESSION_ID_MAX = 64  # bot.store.validate.MAX_ID_CHARS
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ChatRequest(BaseModel):
    """One user message; ``session_id`` continues a conversation (unknown or omitted: a new one)."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(strict=True, description="ユーザーの質問（日本語） / the user's message")
    session_id: str | None = Field(
        default=None, min_length=1, max_length=SESSION_ID_MAX, description="会話ID / conversation id"
    )
    as_of: dt.date | None = Field(
        default=None, description="基準日 YYYY-MM-DD（省略時は東京の今日） / as-of date"
    )

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date_only(cls, value: object) -> object:
        """Only ``YYYY-MM-DD`` (no timestamps, numbers or datetimes)."""
        if value is None or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
            return value
        raise ValueError("as_of must be a date as YYYY-MM-DD")


class FeedbackRequest(BaseModel):
    """A thumbs up or down on one answer."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(min_length=1, max_length=SESSION_ID_MAX)
    message_id: str = Field(min_length=1, max_length=SESSION_ID_MAX)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, description="任意のコメント / optional comment")


class OkResponse(BaseModel):
    ok: bool = True


class ErrorResponse(BaseModel):
    """Every error: a code, a Japanese ``detail`` and an English ``detail_en``."""

    code: str
    detail: str
    detail_en: str


class WindowOut(BaseModel):
    id: str
    label: str
    name: str = Field(description="「令和7年度 第5回」")
    start: dt.date
    end: dt.date
    state: Literal["open", "upcoming", "closed"]
    sentence: str


class DeadlineOut(BaseModel):
    id: str
    label: str
    date: dt.date
    state: Literal["upcoming", "passed"]
    sentence: str


class StatusOut(BaseModel):
    open: bool = Field(description="受付中の回があるか / a window is open on as_of")
    summary: str
    windows: list[WindowOut]
    deadlines: list[DeadlineOut]


class ProgrammeOut(BaseModel):
    id: str
    name: str
    aliases: list[str]
    kind: str
    url: str
    as_of: dt.date
    status: StatusOut


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    status: Literal["ok"] = "ok"
    index_version: str = Field(description="The index version (and its knowledge) answers come from")
    store: str
    reload_error: str | None = Field(
        default=None,
        description="Why the build `advisor index` published last is not served (the previous one is)",
    )

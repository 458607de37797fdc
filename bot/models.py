"""The advisor's typed answer: what every channel (CLI, web, Slack) renders."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Citation(BaseModel):
    """A cited passage: the document, its section (heading path), URL and the quoted text."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    title: str
    url: str
    section: str
    quote: str


class ToolCall(BaseModel):
    """A deterministic tool the advisor ran, with its arguments and its result."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class Answer(BaseModel):
    """One turn of the advisor: Markdown (Japanese, or English for a question in English) plus the
    data that backs it."""

    answer: str = Field(description="Markdown shown to the user, in the language of ``lang``")
    lang: Literal["ja", "en"] = Field(
        default="ja", description="The answer's language: 'ja', or 'en' for a question asked in English"
    )
    programmes: list[str] = Field(default_factory=list, description="Canonical programme ids discussed")
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    follow_up: list[str] = Field(default_factory=list, description="Facts still needed, as questions")
    mode: str = Field(description="'offline' or 'llm:<provider>:<model>'")
    as_of: dt.date
    session_id: str | None = None
    message_id: str | None = None

"""The contract every engine implements: a turn in, an ``EngineReply`` out.

``bot.advisor.answer`` builds a :class:`TurnContext` (message, history, slots, as-of date) and a
:class:`~bot.agent.toolkit.Toolkit`, asks an engine to respond, then guards and stores the
reply. Engines never compute numbers themselves: they call the toolkit, which records every
tool call and every cited passage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from bot.models import Citation, ToolCall

Role = Literal["user", "assistant", "staff", "system"]


@dataclass(frozen=True)
class HistoryMessage:
    """A previous message of the session, oldest first."""

    role: Role
    content: str


@dataclass
class TurnContext:
    """Everything an engine needs for one turn."""

    message: str
    session_id: str
    as_of: dt.date
    history: list[HistoryMessage] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


class EngineReply(BaseModel):
    """What an engine answers; ``bot.advisor`` turns it into an ``Answer``."""

    answer: str
    lang: Literal["ja", "en"] = "ja"
    programmes: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    follow_up: list[str] = Field(default_factory=list)
    slot_changes: dict[str, Any] = Field(
        default_factory=dict, description="Facts learnt this turn; a None value forgets a fact"
    )


class Engine(Protocol):
    """An answering engine: the offline dialogue manager or an LLM agent."""

    @property
    def mode(self) -> str:
        """'offline' or 'llm:<provider>:<model>'."""
        ...

    def respond(self, ctx: TurnContext, toolkit: Any) -> EngineReply:
        """Answer one turn using only the toolkit for facts and numbers."""
        ...

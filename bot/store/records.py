"""Records the conversation store hands out: frozen pydantic models, timestamps in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypeAlias

from pydantic import BaseModel, ConfigDict, Field
from pydantic import JsonValue as JsonValue

JsonObject: TypeAlias = dict[str, Any]
Slots: TypeAlias = dict[str, JsonValue]

Role = Literal["user", "assistant", "staff", "system"]
Rating = Literal["up", "down"]
HandoffState = Literal["none", "active", "ended"]

ROLES: tuple[Role, ...] = ("user", "assistant", "staff", "system")
RATINGS: tuple[Rating, ...] = ("up", "down")
HANDOFF_STATES: tuple[HandoffState, ...] = ("none", "active", "ended")
RATED_ROLES: tuple[Role, ...] = ("assistant", "staff")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Session(_Record):
    """A conversation: one web-widget visitor, one Slack thread or one CLI run."""

    session_id: str
    channel: str
    external_key: str | None = Field(description="Channel's own key, e.g. Slack 'channel:thread_ts'")
    handoff_state: HandoffState = "none"
    staff_ref: str | None = Field(default=None, description="Who took the conversation over")
    created_at: dt.datetime
    updated_at: dt.datetime


class Message(_Record):
    """One message of a session; ``message_id`` is opaque, order is the store's insertion order."""

    message_id: str
    session_id: str
    role: Role
    content: str
    answer_json: JsonObject | None = None
    created_at: dt.datetime


class ToolCallRecord(_Record):
    """A deterministic tool the advisor ran while writing a message."""

    tool_call_id: int
    session_id: str
    message_id: str
    name: str
    arguments: JsonObject
    result: JsonObject
    created_at: dt.datetime


class Feedback(_Record):
    """A user's thumbs up or down on an assistant (or staff) message."""

    feedback_id: int
    session_id: str
    message_id: str
    rating: Rating
    comment: str | None
    created_at: dt.datetime


class ToolCallLike(Protocol):
    """Anything with a tool call's shape: ``bot.models.ToolCall`` or ``ToolCallInput``."""

    @property
    def name(self) -> str: ...

    @property
    def arguments(self) -> Mapping[str, Any]: ...

    @property
    def result(self) -> Mapping[str, Any]: ...


class ToolCallInput(_Record):
    """A tool call to record (``bot.models.ToolCall`` is accepted as well)."""

    name: str
    arguments: JsonObject
    result: JsonObject


class Turn(_Record):
    """What ``record_turn`` wrote, in one transaction."""

    user_message: Message | None
    assistant_message: Message
    tool_calls: list[ToolCallRecord]
    slots: Slots

"""The conversation store's interface: what the app's ``Deps`` and the channels depend on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from bot.store.records import (
    Feedback,
    HandoffState,
    JsonValue,
    Message,
    Rating,
    Role,
    Session,
    Slots,
    ToolCallLike,
    ToolCallRecord,
    Turn,
)


class UnitOfWork(Protocol):
    """Writes to one session inside one transaction: all of them are kept, or none."""

    @property
    def session_id(self) -> str: ...

    @property
    def session(self) -> Session: ...

    def add_message(
        self, role: Role, content: str, answer_json: Mapping[str, Any] | None = None
    ) -> Message: ...

    def add_tool_call(
        self, message_id: str, name: str, arguments: Mapping[str, Any], result: Mapping[str, Any]
    ) -> ToolCallRecord: ...

    def update_slots(self, changes: Mapping[str, JsonValue]) -> Slots: ...

    def set_handoff(self, state: HandoffState, staff_ref: str | None = None) -> Session: ...

    def add_feedback(self, message_id: str, rating: Rating, comment: str | None = None) -> Feedback: ...


class ConversationStore(Protocol):
    """Sessions, messages, slots, tool calls, feedback and hand-off state; every write is atomic."""

    # sessions
    def create_session(self, channel: str = "cli", external_key: str | None = None) -> Session: ...

    def get_session(self, session_id: str) -> Session | None: ...

    def find_session_by_key(self, external_key: str) -> Session | None: ...

    def find_session_by_staff_ref(self, staff_ref: str) -> Session | None: ...

    def get_or_create_session(
        self, session_id: str | None, channel: str = "cli", external_key: str | None = None
    ) -> Session: ...

    def set_handoff(self, session_id: str, state: HandoffState, staff_ref: str | None = None) -> Session: ...

    # messages
    def add_message(
        self, session_id: str, role: Role, content: str, answer_json: Mapping[str, Any] | None = None
    ) -> Message: ...

    def list_messages(self, session_id: str, limit: int | None = None) -> list[Message]: ...

    def recent_history(self, session_id: str, char_budget: int | None = None) -> list[Message]: ...

    # slots
    def get_slots(self, session_id: str) -> Slots: ...

    def update_slots(self, session_id: str, changes: Mapping[str, JsonValue]) -> Slots: ...

    # tool calls
    def add_tool_call(
        self,
        session_id: str,
        message_id: str,
        name: str,
        arguments: Mapping[str, Any],
        result: Mapping[str, Any],
    ) -> ToolCallRecord: ...

    def list_tool_calls(self, session_id: str) -> list[ToolCallRecord]: ...

    # feedback
    def add_feedback(
        self, session_id: str, message_id: str, rating: Rating, comment: str | None = None
    ) -> Feedback: ...

    def list_feedback(self, session_id: str) -> list[Feedback]: ...

    # multi-row writes
    def record_turn(
        self,
        session_id: str,
        user_message: str | None,
        assistant_content: str,
        answer_json: Mapping[str, Any] | None = None,
        tool_calls: Sequence[ToolCallLike] = (),
        slot_changes: Mapping[str, JsonValue] | None = None,
    ) -> Turn: ...

    def unit_of_work(self, session_id: str) -> AbstractContextManager[UnitOfWork]: ...

    def close(self) -> None: ...

"""``SqlUnitOfWork``: the writes of one session inside one open transaction."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from bot.store.convert import to_feedback, to_message, to_session, to_tool_call
from bot.store.errors import MessageNotFoundError, StoreInputError
from bot.store.records import (
    HANDOFF_STATES,
    RATED_ROLES,
    RATINGS,
    ROLES,
    Feedback,
    HandoffState,
    JsonValue,
    Message,
    Rating,
    Role,
    Session,
    Slots,
    ToolCallRecord,
)
from bot.store.schema import FeedbackRow, MessageRow, SessionRow, ToolCallRow, utc_now
from bot.store.validate import (
    MAX_KEY_CHARS,
    check_choice,
    check_json_object,
    check_message_id,
    check_name,
    check_optional_text,
    check_text,
)


def new_message_id() -> str:
    return secrets.token_urlsafe(12)


class SqlUnitOfWork:
    """Writes to one (locked) session row; the owning ``SqlStore`` commits or rolls back."""

    def __init__(self, orm: OrmSession, session_row: SessionRow, max_message_chars: int) -> None:
        self._orm = orm
        self._row = session_row
        self._max_chars = max_message_chars

    @property
    def session_id(self) -> str:
        return self._row.id

    @property
    def session(self) -> Session:
        """The session as it stands inside this transaction (its row is locked)."""
        return to_session(self._row)

    def add_message(self, role: Role, content: str, answer_json: Mapping[str, Any] | None = None) -> Message:
        checked_role = check_choice(role, ROLES, "発言者の種類", "role")
        text = check_text(content, self._max_chars, "メッセージ", "message")
        answer = None if answer_json is None else check_json_object(answer_json, "answer_json")
        row = MessageRow(
            id=new_message_id(),
            session_id=self.session_id,
            role=checked_role,
            content=text,
            answer_json=answer,
        )
        self._add(row)
        return to_message(row)

    def add_tool_call(
        self, message_id: str, name: str, arguments: Mapping[str, Any], result: Mapping[str, Any]
    ) -> ToolCallRecord:
        message = self._require_message(message_id)
        row = ToolCallRow(
            session_id=self.session_id,
            message_id=message.id,
            name=check_name(name, "ツール名", "tool name"),
            arguments=check_json_object(arguments, f"{name}.arguments"),
            result=check_json_object(result, f"{name}.result"),
        )
        self._add(row)
        return to_tool_call(row)

    def update_slots(self, changes: Mapping[str, JsonValue]) -> Slots:
        checked = check_json_object(changes, "slots")
        merged: Slots = dict(self._row.slots)
        for key, value in checked.items():
            _check_slot_key(key)
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        self._row.slots = merged
        self._touch()
        return dict(merged)

    def set_handoff(self, state: HandoffState, staff_ref: str | None = None) -> Session:
        self._row.handoff_state = check_choice(state, HANDOFF_STATES, "引き継ぎ状態", "hand-off state")
        self._row.staff_ref = (
            None if staff_ref is None else check_name(staff_ref, "担当者", "staff reference", MAX_KEY_CHARS)
        )
        self._touch()
        return to_session(self._row)

    def add_feedback(self, message_id: str, rating: Rating, comment: str | None = None) -> Feedback:
        message = self._require_message(message_id)
        if message.role not in RATED_ROLES:
            raise StoreInputError(
                "評価できるのはアドバイザーか担当者の回答だけです",
                "Only assistant or staff messages can be rated",
            )
        row = FeedbackRow(
            session_id=self.session_id,
            message_id=message.id,
            rating=check_choice(rating, RATINGS, "評価", "rating"),
            comment=check_optional_text(comment, self._max_chars, "コメント", "comment"),
        )
        self._add(row)
        return to_feedback(row)

    def _require_message(self, message_id: str) -> MessageRow:
        checked = check_message_id(message_id)
        row = self._orm.scalars(
            select(MessageRow).where(MessageRow.id == checked, MessageRow.session_id == self.session_id)
        ).one_or_none()
        if row is None:
            raise MessageNotFoundError(self.session_id, checked)
        return row

    def _add(self, row: MessageRow | ToolCallRow | FeedbackRow) -> None:
        self._orm.add(row)
        self._touch()
        self._orm.flush()

    def _touch(self) -> None:
        self._row.updated_at = utc_now()


def _check_slot_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_CHARS:
        raise StoreInputError("項目名が空か長すぎます", f"Slot name {key!r} is empty or too long")

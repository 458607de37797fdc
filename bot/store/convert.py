"""Rows to records."""

from __future__ import annotations

from typing import cast

from bot.store.records import Feedback, HandoffState, Message, Rating, Role, Session, ToolCallRecord
from bot.store.schema import FeedbackRow, MessageRow, SessionRow, ToolCallRow


def to_session(row: SessionRow) -> Session:
    return Session(
        session_id=row.id,
        channel=row.channel,
        external_key=row.external_key,
        handoff_state=cast(HandoffState, row.handoff_state),
        staff_ref=row.staff_ref,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_message(row: MessageRow) -> Message:
    return Message(
        message_id=row.id,
        session_id=row.session_id,
        role=cast(Role, row.role),
        content=row.content,
        answer_json=row.answer_json,
        created_at=row.created_at,
    )


def to_tool_call(row: ToolCallRow) -> ToolCallRecord:
    return ToolCallRecord(
        tool_call_id=row.id,
        session_id=row.session_id,
        message_id=row.message_id,
        name=row.name,
        arguments=row.arguments,
        result=row.result,
        created_at=row.created_at,
    )


def to_feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        feedback_id=row.id,
        session_id=row.session_id,
        message_id=row.message_id,
        rating=cast(Rating, row.rating),
        comment=row.comment,
        created_at=row.created_at,
    )

"""Tables of the conversation store (SQLAlchemy 2 ORM, portable between SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.validate import MAX_ID_CHARS, MAX_KEY_CHARS, MAX_NAME_CHARS


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _json_column(*, nullable: bool) -> Any:
    return mapped_column(JSON(none_as_null=True), nullable=nullable)


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "advisor_sessions"
    __table_args__ = (
        CheckConstraint("handoff_state IN ('none', 'active', 'ended')", name="ck_sessions_handoff_state"),
    )

    id: Mapped[str] = mapped_column(String(MAX_ID_CHARS), primary_key=True)
    channel: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    external_key: Mapped[str | None] = mapped_column(String(MAX_KEY_CHARS), unique=True)
    slots: Mapped[dict[str, Any]] = _json_column(nullable=False)
    handoff_state: Mapped[str] = mapped_column(String(16), default="none")
    staff_ref: Mapped[str | None] = mapped_column(String(MAX_KEY_CHARS))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class MessageRow(Base):
    __tablename__ = "advisor_messages"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'assistant', 'staff', 'system')", name="ck_messages_role"),
        Index("ix_messages_session_seq", "session_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(MAX_ID_CHARS), unique=True)
    session_id: Mapped[str] = mapped_column(ForeignKey(SessionRow.id, ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[dict[str, Any] | None] = _json_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class ToolCallRow(Base):
    __tablename__ = "advisor_tool_calls"
    __table_args__ = (Index("ix_tool_calls_session_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey(SessionRow.id, ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(ForeignKey(MessageRow.id, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    arguments: Mapped[dict[str, Any]] = _json_column(nullable=False)
    result: Mapped[dict[str, Any]] = _json_column(nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class FeedbackRow(Base):
    __tablename__ = "advisor_feedback"
    __table_args__ = (
        CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
        Index("ix_feedback_session_id", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey(SessionRow.id, ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(ForeignKey(MessageRow.id, ondelete="CASCADE"), index=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

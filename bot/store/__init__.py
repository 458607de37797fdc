"""Conversation store: sessions, messages, slots, tool calls, feedback and hand-off state.

SQLite in WAL mode at ``<data_dir>/advisor.sqlite3`` by default; PostgreSQL when
``ADVISOR_DATABASE_URL`` is set. The app calls ``open_store(settings)`` once at start-up and
passes the store around (nothing is opened at import time).
"""

from __future__ import annotations

from bot.config import Settings
from bot.store.engine import build_engine, resolve_url
from bot.store.errors import (
    MessageNotFoundError,
    SessionKeyTakenError,
    SessionNotFoundError,
    StoreInputError,
    StoreUnavailableError,
)
from bot.store.protocol import ConversationStore, UnitOfWork
from bot.store.records import (
    Feedback,
    HandoffState,
    JsonValue,
    Message,
    Rating,
    Role,
    Session,
    Slots,
    ToolCallInput,
    ToolCallLike,
    ToolCallRecord,
    Turn,
)
from bot.store.sql import SqlStore
from bot.store.unit_of_work import SqlUnitOfWork


def open_store(settings: Settings) -> SqlStore:
    """Open (and if needed create) the store that ``settings`` point at."""
    url = resolve_url(settings)
    if url.get_backend_name() == "sqlite":
        settings.database_path.parent.mkdir(parents=True, exist_ok=True)
    store = SqlStore(
        build_engine(url),
        max_message_chars=settings.max_message_chars,
        history_char_budget=settings.history_char_budget,
    )
    try:
        store.create_schema()
    except BaseException:
        store.close()
        raise
    return store


def _conforms(store: SqlStore) -> ConversationStore:
    return store  # mypy proves SqlStore satisfies the protocol


def _conforms_work(work: SqlUnitOfWork) -> UnitOfWork:
    return work


__all__ = [
    "ConversationStore",
    "Feedback",
    "HandoffState",
    "JsonValue",
    "Message",
    "MessageNotFoundError",
    "Rating",
    "Role",
    "Session",
    "SessionKeyTakenError",
    "SessionNotFoundError",
    "Slots",
    "SqlStore",
    "SqlUnitOfWork",
    "StoreInputError",
    "StoreUnavailableError",
    "ToolCallInput",
    "ToolCallLike",
    "ToolCallRecord",
    "Turn",
    "UnitOfWork",
    "open_store",
]

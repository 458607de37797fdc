"""``SqlStore``: the conversation store on SQLAlchemy (SQLite in WAL mode, or PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session as OrmSession

from bot.store.convert import to_feedback, to_message, to_session, to_tool_call
from bot.store.engine import BEGIN_OPTION
from bot.store.errors import (
    SessionKeyTakenError,
    SessionNotFoundError,
    StoreInputError,
    StoreUnavailableError,
)
from bot.store.history import seq_window_within_budget, truncate_text
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
from bot.store.schema import Base, FeedbackRow, MessageRow, SessionRow, ToolCallRow, utc_now
from bot.store.unit_of_work import SqlUnitOfWork
from bot.store.validate import MAX_KEY_CHARS, check_name, check_session_id

_SCHEMA_LOCK_KEY = 0x61647669736F72  # "advisor": serialises concurrent create_schema on PostgreSQL


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


class SqlStore:
    """The one ``ConversationStore`` implementation; thread-safe, one transaction per call."""

    def __init__(self, engine: Engine, *, max_message_chars: int, history_char_budget: int) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        self._max_chars = max_message_chars
        self._history_budget = history_char_budget

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def create_schema(self) -> None:
        """Create the tables that are missing (safe to run from several processes at once)."""
        with self._translate_errors(), self._writer.begin() as connection:
            if self.backend == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            Base.metadata.create_all(connection)

    def close(self) -> None:
        self._engine.dispose()

    # --- sessions ---------------------------------------------------------------------------------

    def create_session(self, channel: str = "cli", external_key: str | None = None) -> Session:
        now = utc_now()
        row = SessionRow(
            id=new_session_id(),
            channel=check_name(channel, "チャネル", "channel"),
            external_key=_check_external_key(external_key),
            slots={},
            handoff_state="none",
            created_at=now,
            updated_at=now,
        )
        try:
            with self._write() as orm:
                orm.add(row)
                orm.flush()
                return to_session(row)
        except IntegrityError as exc:
            if row.external_key is None:
                raise
            raise SessionKeyTakenError(row.external_key) from exc

    def get_session(self, session_id: str) -> Session | None:
        checked = check_session_id(session_id)
        with self._read() as orm:
            row = orm.get(SessionRow, checked)
            return None if row is None else to_session(row)

    def find_session_by_key(self, external_key: str) -> Session | None:
        key = check_name(external_key, "外部キー", "external key", MAX_KEY_CHARS)
        with self._read() as orm:
            row = orm.scalars(select(SessionRow).where(SessionRow.external_key == key)).one_or_none()
            return None if row is None else to_session(row)

    def find_session_by_staff_ref(self, staff_ref: str) -> Session | None:
        """The session handed off to ``staff_ref`` (e.g. a Slack thread ``<channel>:<thread_ts>``);
        the most recently updated one should several share it."""
        ref = check_name(staff_ref, "担当者", "staff reference", MAX_KEY_CHARS)
        with self._read() as orm:
            query = (
                select(SessionRow)
                .where(SessionRow.staff_ref == ref)
                .order_by(SessionRow.updated_at.desc(), SessionRow.id)
                .limit(1)
            )
            row = orm.scalars(query).one_or_none()
            return None if row is None else to_session(row)

    def get_or_create_session(
        self, session_id: str | None, channel: str = "cli", external_key: str | None = None
    ) -> Session:
        """The session ``session_id``, else the one with ``external_key``, else a new one.

        An unknown ``session_id`` (e.g. a stale id kept by a browser) starts a new session with
        a fresh id: clients never choose ids. Two callers racing on one external key get one session.
        """
        if session_id is not None:
            found = self.get_session(session_id)
            if found is not None:
                return found
        if external_key is None:
            return self.create_session(channel)
        found = self.find_session_by_key(external_key)
        if found is not None:
            return found
        try:
            return self.create_session(channel, external_key)
        except SessionKeyTakenError:
            raced = self.find_session_by_key(external_key)
            if raced is None:
                raise
            return raced

    def set_handoff(self, session_id: str, state: HandoffState, staff_ref: str | None = None) -> Session:
        with self.unit_of_work(session_id) as work:
            return work.set_handoff(state, staff_ref)

    # --- messages ---------------------------------------------------------------------------------

    def add_message(
        self, session_id: str, role: Role, content: str, answer_json: Mapping[str, Any] | None = None
    ) -> Message:
        with self.unit_of_work(session_id) as work:
            return work.add_message(role, content, answer_json)

    def list_messages(self, session_id: str, limit: int | None = None) -> list[Message]:
        """The session's messages oldest-first; with ``limit``, only the newest ``limit`` of them."""
        if limit is not None and limit < 1:
            raise StoreInputError("件数は1以上にしてください", "limit must be at least 1")
        with self._read() as orm:
            checked = _require_session(orm, session_id).id
            query = select(MessageRow).where(MessageRow.session_id == checked).order_by(MessageRow.seq.desc())
            rows = list(orm.scalars(query.limit(limit)))
            return [to_message(row) for row in reversed(rows)]

    def recent_history(self, session_id: str, char_budget: int | None = None) -> list[Message]:
        """The newest messages whose contents fit ``char_budget`` characters, oldest-first.

        The latest message is always included; if it alone exceeds the budget its content is cut
        to the budget (ending in "…").
        """
        budget = self._history_budget if char_budget is None else char_budget
        if budget < 1:
            raise StoreInputError("履歴の文字数上限は1以上にしてください", "char_budget must be at least 1")
        with self._read() as orm:
            checked = _require_session(orm, session_id).id
            window = seq_window_within_budget(orm, checked, budget)
            if window is None:
                return []
            query = select(MessageRow).where(
                MessageRow.session_id == checked, MessageRow.seq.between(window[0], window[1])
            )
            messages = [to_message(row) for row in orm.scalars(query.order_by(MessageRow.seq))]
        if len(messages) == 1 and len(messages[0].content) > budget:
            latest = messages[0]
            messages[0] = latest.model_copy(update={"content": truncate_text(latest.content, budget)})
        return messages

    # --- slots ------------------------------------------------------------------------------------

    def get_slots(self, session_id: str) -> Slots:
        with self._read() as orm:
            return dict(_require_session(orm, session_id).slots)

    def update_slots(self, session_id: str, changes: Mapping[str, JsonValue]) -> Slots:
        """Merge ``changes`` into the slots (``None`` removes a key); returns the merged slots."""
        with self.unit_of_work(session_id) as work:
            return work.update_slots(changes)

    # --- tool calls -------------------------------------------------------------------------------

    def add_tool_call(
        self,
        session_id: str,
        message_id: str,
        name: str,
        arguments: Mapping[str, Any],
        result: Mapping[str, Any],
    ) -> ToolCallRecord:
        with self.unit_of_work(session_id) as work:
            return work.add_tool_call(message_id, name, arguments, result)

    def list_tool_calls(self, session_id: str) -> list[ToolCallRecord]:
        with self._read() as orm:
            checked = _require_session(orm, session_id).id
            query = select(ToolCallRow).where(ToolCallRow.session_id == checked).order_by(ToolCallRow.id)
            return [to_tool_call(row) for row in orm.scalars(query)]

    # --- feedback ---------------------------------------------------------------------------------

    def add_feedback(
        self, session_id: str, message_id: str, rating: Rating, comment: str | None = None
    ) -> Feedback:
        with self.unit_of_work(session_id) as work:
            return work.add_feedback(message_id, rating, comment)

    def list_feedback(self, session_id: str) -> list[Feedback]:
        with self._read() as orm:
            checked = _require_session(orm, session_id).id
            query = select(FeedbackRow).where(FeedbackRow.session_id == checked).order_by(FeedbackRow.id)
            return [to_feedback(row) for row in orm.scalars(query)]

    # --- multi-row writes -------------------------------------------------------------------------

    def record_turn(
        self,
        session_id: str,
        user_message: str | None,
        assistant_content: str,
        answer_json: Mapping[str, Any] | None = None,
        tool_calls: Sequence[ToolCallLike] = (),
        slot_changes: Mapping[str, JsonValue] | None = None,
    ) -> Turn:
        """One advisor turn in one transaction: user message, answer, its tool calls, slot changes."""
        with self.unit_of_work(session_id) as work:
            user = None if user_message is None else work.add_message("user", user_message)
            answer = work.add_message("assistant", assistant_content, answer_json)
            calls = [
                work.add_tool_call(answer.message_id, call.name, call.arguments, call.result)
                for call in tool_calls
            ]
            slots = work.update_slots(slot_changes or {})
        return Turn(user_message=user, assistant_message=answer, tool_calls=calls, slots=slots)

    @contextmanager
    def unit_of_work(self, session_id: str) -> Iterator[SqlUnitOfWork]:
        """Writes to one session in one transaction, committed when the block ends.

        Any exception inside the block rolls back everything the block wrote. The session row
        is locked (SQLite: the database's write lock) so concurrent units of work serialise.
        """
        with self._write() as orm:
            row = _require_session(orm, session_id, lock=True)
            yield SqlUnitOfWork(orm, row, self._max_chars)

    # --- transactions -----------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[OrmSession]:
        with self._translate_errors(), OrmSession(self._writer, expire_on_commit=False) as orm, orm.begin():
            yield orm

    @contextmanager
    def _read(self) -> Iterator[OrmSession]:
        with self._translate_errors(), OrmSession(self._engine) as orm, orm.begin():
            yield orm

    @staticmethod
    @contextmanager
    def _translate_errors() -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            raise StoreUnavailableError(detail[:200]) from exc


def _require_session(orm: OrmSession, session_id: str, *, lock: bool = False) -> SessionRow:
    checked = check_session_id(session_id)
    row = orm.get(SessionRow, checked, with_for_update=lock)
    if row is None:
        raise SessionNotFoundError(checked)
    return row


def _check_external_key(external_key: str | None) -> str | None:
    if external_key is None:
        return None
    return check_name(external_key, "外部キー", "external key", MAX_KEY_CHARS)

"""Atomic units of work, concurrent writers, and restarts on the same database."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from bot.store import SqlStore, StoreInputError, ToolCallInput
from bot.store.schema import Base, FeedbackRow, MessageRow, SessionRow, ToolCallRow

THREADS = 8
MESSAGES_PER_THREAD = 50


class Crash(Exception):
    """Stands for anything that goes wrong in the middle of a turn."""


def count_rows(store: SqlStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            table: connection.execute(select(func.count()).select_from(row.__table__)).scalar_one()
            for table, row in {
                "sessions": SessionRow,
                "messages": MessageRow,
                "tool_calls": ToolCallRow,
                "feedback": FeedbackRow,
            }.items()
        }


def test_schema_has_all_tables(store: SqlStore) -> None:
    assert set(count_rows(store)) == {"sessions", "messages", "tool_calls", "feedback"}
    assert {table.name for table in Base.metadata.sorted_tables} >= {"advisor_sessions", "advisor_messages"}


def test_record_turn_writes_everything(store: SqlStore) -> None:
    session = store.create_session()
    calls = [
        ToolCallInput(
            name="calculate_grant", arguments={"cost_yen": 1_000_000}, result={"grant_yen": 500_000}
        ),
        ToolCallInput(name="check_deadline", arguments={"programme_id": "shoene"}, result={"open": True}),
    ]

    turn = store.record_turn(
        session.session_id,
        user_message="補助額は？",
        assistant_content="50万円です",
        answer_json={"answer": "50万円です"},
        tool_calls=calls,
        slot_changes={"設備費": 1_000_000},
    )

    assert store.list_messages(session.session_id) == [turn.user_message, turn.assistant_message]
    assert store.list_tool_calls(session.session_id) == turn.tool_calls
    assert all(call.message_id == turn.assistant_message.message_id for call in turn.tool_calls)
    assert store.get_slots(session.session_id) == turn.slots == {"設備費": 1_000_000}


def test_record_turn_without_user_message(store: SqlStore) -> None:
    session = store.create_session()

    turn = store.record_turn(session.session_id, None, "ようこそ")

    assert turn.user_message is None
    assert [m.role for m in store.list_messages(session.session_id)] == ["assistant"]


def test_failed_turn_leaves_no_partial_rows(store: SqlStore) -> None:
    session = store.create_session()
    first = store.record_turn(session.session_id, "一問目", "一答目", slot_changes={"業種": "製造業"})
    before = count_rows(store)
    broken_calls = [
        ToolCallInput(name="calculate_grant", arguments={"cost_yen": 1}, result={"grant_yen": 0}),
        ToolCallInput(name="calculate_rate", arguments={}, result={"rate": float("nan")}),
    ]

    with pytest.raises(StoreInputError):
        store.record_turn(
            session.session_id, "二問目", "二答目", tool_calls=broken_calls, slot_changes={"業種": "小売業"}
        )

    assert count_rows(store) == before
    assert store.list_messages(session.session_id) == [first.user_message, first.assistant_message]
    assert store.get_slots(session.session_id) == {"業種": "製造業"}
    assert store.list_tool_calls(session.session_id) == []


def test_exception_inside_unit_of_work_rolls_back_everything(store: SqlStore) -> None:
    session = store.create_session()
    kept = store.add_message(session.session_id, "user", "確定済み")
    before = count_rows(store)

    with pytest.raises(Crash), store.unit_of_work(session.session_id) as work:
        answer = work.add_message("assistant", "途中まで書いた回答")
        work.add_tool_call(answer.message_id, "calculate_grant", {"a": 1}, {"b": 2})
        work.add_feedback(answer.message_id, "up")
        work.update_slots({"途中": True})
        work.set_handoff("active", "U0STAFF")
        raise Crash

    assert count_rows(store) == before
    assert store.list_messages(session.session_id) == [kept]
    assert store.get_slots(session.session_id) == {}
    after = store.get_session(session.session_id)
    assert after is not None
    assert after.handoff_state == "none"


def test_unit_of_work_commits_several_writes_together(store: SqlStore) -> None:
    session = store.create_session("slack", external_key="C1:9.9")

    with store.unit_of_work(session.session_id) as work:
        work.set_handoff("active", "U0STAFF")
        note = work.add_message("system", "担当者に引き継ぎました")

    assert store.list_messages(session.session_id) == [note]
    reloaded = store.get_session(session.session_id)
    assert reloaded is not None
    assert (reloaded.handoff_state, reloaded.staff_ref) == ("active", "U0STAFF")


def test_concurrent_sessions_from_eight_threads(store: SqlStore) -> None:
    sessions = [store.create_session("web").session_id for _ in range(THREADS)]
    start = Barrier(THREADS)

    def write(session_id: str) -> None:
        start.wait()
        for index in range(MESSAGES_PER_THREAD):
            store.add_message(session_id, "user", f"{session_id}:{index}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, sessions))

    for session_id in sessions:
        contents = [message.content for message in store.list_messages(session_id)]
        assert contents == [f"{session_id}:{index}" for index in range(MESSAGES_PER_THREAD)]
    assert count_rows(store)["messages"] == THREADS * MESSAGES_PER_THREAD


def test_concurrent_slot_updates_lose_nothing(store: SqlStore) -> None:
    session = store.create_session().session_id
    start = Barrier(THREADS)

    def write(worker: int) -> None:
        start.wait()
        for index in range(10):
            store.update_slots(session, {f"w{worker}-{index}": index})

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, range(THREADS)))

    assert len(store.get_slots(session)) == THREADS * 10


def test_concurrent_get_or_create_by_key_yields_one_session(store: SqlStore) -> None:
    start = Barrier(THREADS)

    def join_thread(_: int) -> str:
        start.wait()
        return store.get_or_create_session(None, "slack", external_key="C1:1700000000.1").session_id

    with ThreadPoolExecutor(THREADS) as pool:
        ids = set(pool.map(join_thread, range(THREADS)))

    assert len(ids) == 1
    assert count_rows(store)["sessions"] == 1


def test_restart_keeps_history_and_slots(open_stores: Callable[[], SqlStore]) -> None:
    first = open_stores()
    session = first.create_session("slack", external_key="C1:5.5")
    turn = first.record_turn(
        session.session_id,
        "質問",
        "回答",
        {"answer": "回答"},
        [ToolCallInput(name="t", arguments={}, result={})],
        {"業種": "製造業"},
    )
    feedback = first.add_feedback(session.session_id, turn.assistant_message.message_id, "up", "助かった")
    first.set_handoff(session.session_id, "active", "U0STAFF")
    first.close()

    second = open_stores()

    assert second.find_session_by_key("C1:5.5") == second.get_session(session.session_id)
    assert second.list_messages(session.session_id) == [turn.user_message, turn.assistant_message]
    assert second.get_slots(session.session_id) == {"業種": "製造業"}
    assert second.list_tool_calls(session.session_id) == turn.tool_calls
    assert second.list_feedback(session.session_id) == [feedback]
    reopened = second.get_session(session.session_id)
    assert reopened is not None
    assert reopened.handoff_state == "active"

"""Slots, tool calls and feedback: round trips and typed errors."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.errors import AdvisorError
from bot.models import ToolCall
from bot.store import (
    JsonValue,
    MessageNotFoundError,
    SessionNotFoundError,
    SqlStore,
    StoreInputError,
)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
SLOT_KEYS = st.text(min_size=1, max_size=12).filter(str.strip)


def test_slots_start_empty(store: SqlStore) -> None:
    session = store.create_session()

    assert store.get_slots(session.session_id) == {}


def test_update_slots_merges_and_none_removes(store: SqlStore) -> None:
    session = store.create_session()

    store.update_slots(session.session_id, {"業種": "製造業", "従業員数": 120, "設備": ["ボイラー"]})
    merged = store.update_slots(session.session_id, {"従業員数": 150, "設備": None, "地域": "愛知県"})

    assert merged == {"業種": "製造業", "従業員数": 150, "地域": "愛知県"}
    assert store.get_slots(session.session_id) == merged


def test_slots_are_per_session(store: SqlStore) -> None:
    first = store.create_session()
    second = store.create_session()
    store.update_slots(first.session_id, {"業種": "製造業"})

    assert store.get_slots(second.session_id) == {}


def test_update_slots_rejects_non_json_and_keeps_old_slots(store: SqlStore) -> None:
    session = store.create_session()
    store.update_slots(session.session_id, {"業種": "製造業"})

    with pytest.raises(StoreInputError):
        store.update_slots(session.session_id, {"業種": "小売業", "売上": float("inf")})
    with pytest.raises(StoreInputError):
        store.update_slots(session.session_id, {" ": "空の項目名"})

    assert store.get_slots(session.session_id) == {"業種": "製造業"}


def test_slots_of_unknown_session(store: SqlStore) -> None:
    with pytest.raises(SessionNotFoundError):
        store.get_slots("no-such-session")
    with pytest.raises(SessionNotFoundError):
        store.update_slots("no-such-session", {"a": 1})


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(slots=st.dictionaries(SLOT_KEYS, JSON_VALUES.filter(lambda value: value is not None), max_size=5))
def test_slot_values_round_trip(store: SqlStore, slots: dict[str, JsonValue]) -> None:
    session = store.create_session()

    store.update_slots(session.session_id, slots)

    assert store.get_slots(session.session_id) == slots


def test_tool_calls_round_trip(store: SqlStore) -> None:
    session = store.create_session()
    answer = store.add_message(session.session_id, "assistant", "補助額は最大500万円です")
    arguments = {"programme_id": "shoene", "cost_yen": 12_000_000}
    result = {"grant_yen": 5_000_000, "rate": 0.5, "capped": True, "notes": ["上限適用"]}

    recorded = store.add_tool_call(
        session.session_id, answer.message_id, "calculate_grant", arguments, result
    )

    assert store.list_tool_calls(session.session_id) == [recorded]
    assert (recorded.name, recorded.arguments, recorded.result) == ("calculate_grant", arguments, result)
    assert recorded.message_id == answer.message_id
    assert recorded.created_at.tzinfo is not None


def test_tool_call_for_unknown_message(store: SqlStore) -> None:
    session = store.create_session()

    with pytest.raises(MessageNotFoundError):
        store.add_tool_call(session.session_id, "no-such-message", "calculate_grant", {}, {})

    assert store.list_tool_calls(session.session_id) == []


def test_feedback_round_trips(store: SqlStore) -> None:
    session = store.create_session()
    answer = store.add_message(session.session_id, "assistant", "回答")

    up = store.add_feedback(session.session_id, answer.message_id, "up", None)
    down = store.add_feedback(session.session_id, answer.message_id, "down", "金額が古い")
    blank = store.add_feedback(session.session_id, answer.message_id, "up", "   ")

    assert store.list_feedback(session.session_id) == [up, down, blank]
    assert (down.rating, down.comment, down.message_id) == ("down", "金額が古い", answer.message_id)
    assert blank.comment is None
    assert up.created_at.tzinfo is not None


def test_feedback_for_unknown_message_is_a_clear_error(store: SqlStore) -> None:
    session = store.create_session()

    with pytest.raises(MessageNotFoundError) as caught:
        store.add_feedback(session.session_id, "no-such-message", "up", None)

    error = caught.value
    assert isinstance(error, AdvisorError)
    assert "メッセージ" in error.message_ja
    assert "no-such-message" in error.message_en
    assert store.list_feedback(session.session_id) == []


def test_feedback_for_a_message_of_another_session(store: SqlStore) -> None:
    mine = store.create_session()
    other = store.create_session()
    answer = store.add_message(other.session_id, "assistant", "他の会話の回答")

    with pytest.raises(MessageNotFoundError):
        store.add_feedback(mine.session_id, answer.message_id, "down", None)


def test_feedback_for_unknown_session(store: SqlStore) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        store.add_feedback("no-such-session", "m1", "up", None)

    assert "指定された会話が見つかりません" in caught.value.message_ja


def test_feedback_only_on_answers(store: SqlStore) -> None:
    session = store.create_session()
    question = store.add_message(session.session_id, "user", "質問")

    with pytest.raises(StoreInputError):
        store.add_feedback(session.session_id, question.message_id, "up", None)


def test_feedback_rejects_unknown_rating(store: SqlStore) -> None:
    session = store.create_session()
    answer = store.add_message(session.session_id, "assistant", "回答")

    with pytest.raises(StoreInputError):
        store.add_feedback(session.session_id, answer.message_id, "meh", None)  # type: ignore[arg-type]

    assert store.list_feedback(session.session_id) == []


def test_record_turn_accepts_bot_models_tool_calls(store: SqlStore) -> None:
    session = store.create_session()
    call = ToolCall(name="check_eligibility", arguments={"employees": 120}, result={"eligible": True})

    turn = store.record_turn(session.session_id, "対象ですか", "対象です", {"answer": "対象です"}, [call])

    assert [(c.name, c.arguments, c.result) for c in turn.tool_calls] == [
        ("check_eligibility", {"employees": 120}, {"eligible": True})
    ]
    assert store.list_tool_calls(session.session_id) == turn.tool_calls


def test_too_deeply_nested_json_is_rejected(store: SqlStore) -> None:
    session = store.create_session()
    nested: JsonValue = "底"
    for _ in range(100):
        nested = [nested]

    with pytest.raises(StoreInputError) as caught:
        store.update_slots(session.session_id, {"深い": nested})

    assert "深すぎます" in caught.value.message_ja
    assert store.get_slots(session.session_id) == {}

"""Messages: order, validation, listing and the history trimmed to a character budget."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.store import SqlStore, StoreInputError
from bot.store.history import truncate_text

STORABLE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30
).filter(str.strip)


def add_contents(store: SqlStore, session_id: str, contents: list[str]) -> None:
    for index, content in enumerate(contents):
        store.add_message(session_id, "user" if index % 2 == 0 else "assistant", content)


def test_add_message_round_trips(store: SqlStore) -> None:
    session = store.create_session()
    answer = {"answer": "省エネ補助金の対象です", "programmes": ["shoene"], "as_of": "2025-04-01"}

    user = store.add_message(session.session_id, "user", "工場のボイラーを更新したい")
    reply = store.add_message(session.session_id, "assistant", "対象になり得ます。", answer_json=answer)

    assert store.list_messages(session.session_id) == [user, reply]
    assert reply.answer_json == answer
    assert user.answer_json is None
    assert user.message_id != reply.message_id
    assert reply.created_at.tzinfo is not None
    assert reply.created_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("role", ["user", "assistant", "staff", "system"])
def test_every_role_is_accepted(store: SqlStore, role: str) -> None:
    session = store.create_session()

    message = store.add_message(session.session_id, role, "本文")  # type: ignore[arg-type]

    assert message.role == role


def test_unknown_role_is_rejected(store: SqlStore) -> None:
    session = store.create_session()

    with pytest.raises(StoreInputError):
        store.add_message(session.session_id, "bot", "本文")  # type: ignore[arg-type]

    assert store.list_messages(session.session_id) == []


@pytest.mark.parametrize("content", ["", "  \n ", "ヌル\x00文字", "孤立\ud800サロゲート"])
def test_unstorable_content_is_rejected(store: SqlStore, content: str) -> None:
    session = store.create_session()

    with pytest.raises(StoreInputError):
        store.add_message(session.session_id, "user", content)

    assert store.list_messages(session.session_id) == []


def test_content_length_is_capped_by_settings(store: SqlStore, settings: Settings) -> None:
    session = store.create_session()
    cap = settings.max_message_chars
    store.add_message(session.session_id, "user", "あ" * cap)

    with pytest.raises(StoreInputError) as caught:
        store.add_message(session.session_id, "user", "あ" * (cap + 1))

    assert "長すぎます" in caught.value.message_ja
    assert len(store.list_messages(session.session_id)) == 1


def test_answer_json_must_be_json(store: SqlStore) -> None:
    session = store.create_session()

    with pytest.raises(StoreInputError):
        store.add_message(session.session_id, "assistant", "回答", answer_json={"score": float("nan")})
    with pytest.raises(StoreInputError):
        store.add_message(session.session_id, "assistant", "回答", answer_json={"when": dt.date(2025, 4, 1)})

    assert store.list_messages(session.session_id) == []


def test_list_messages_limit_keeps_the_newest_oldest_first(store: SqlStore) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, [f"m{index}" for index in range(6)])

    latest = store.list_messages(session.session_id, limit=3)

    assert [message.content for message in latest] == ["m3", "m4", "m5"]
    with pytest.raises(StoreInputError):
        store.list_messages(session.session_id, limit=0)


def test_messages_of_sessions_do_not_mix(store: SqlStore) -> None:
    first = store.create_session()
    second = store.create_session()
    store.add_message(first.session_id, "user", "一つ目")
    store.add_message(second.session_id, "user", "二つ目")

    assert [m.content for m in store.list_messages(first.session_id)] == ["一つ目"]
    assert [m.content for m in store.list_messages(second.session_id)] == ["二つ目"]


def test_recent_history_keeps_newest_messages_within_budget(store: SqlStore) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, ["a" * 10, "b" * 10, "c" * 10, "d" * 10])

    history = store.recent_history(session.session_id, char_budget=25)

    assert [message.content for message in history] == ["c" * 10, "d" * 10]


def test_recent_history_budget_exactly_filled(store: SqlStore) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, ["a" * 10, "b" * 10, "c" * 10])

    history = store.recent_history(session.session_id, char_budget=20)

    assert [message.content for message in history] == ["b" * 10, "c" * 10]


def test_recent_history_stops_at_the_first_message_that_does_not_fit(store: SqlStore) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, ["a", "b" * 50, "c"])

    history = store.recent_history(session.session_id, char_budget=10)

    assert [message.content for message in history] == ["c"]


def test_recent_history_truncates_a_latest_message_over_budget(store: SqlStore) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, ["前の質問", "長い回答" * 10])

    history = store.recent_history(session.session_id, char_budget=9)

    assert len(history) == 1
    assert history[0].content == "長い回答長い回答…"
    assert len(history[0].content) == 9
    assert store.list_messages(session.session_id)[-1].content == "長い回答" * 10


def test_recent_history_of_empty_session(store: SqlStore) -> None:
    session = store.create_session()

    assert store.recent_history(session.session_id, char_budget=100) == []


def test_recent_history_uses_settings_budget_by_default(store: SqlStore, settings: Settings) -> None:
    session = store.create_session()
    third = settings.history_char_budget // 3
    add_contents(store, session.session_id, ["x" * (2 * third), "y" * third, "z" * third])

    history = store.recent_history(session.session_id)

    assert [message.content[0] for message in history] == ["y", "z"]


def test_recent_history_rejects_non_positive_budget(store: SqlStore) -> None:
    session = store.create_session()

    with pytest.raises(StoreInputError):
        store.recent_history(session.session_id, char_budget=0)


@pytest.mark.parametrize(("budget", "expected"), [(1, "a"), (2, "a…"), (5, "abcd…"), (6, "abcdef")])
def test_truncate_text(budget: int, expected: str) -> None:
    assert truncate_text("abcdef", budget) == expected


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(contents=st.lists(STORABLE_TEXT, min_size=1, max_size=8), budget=st.integers(1, 80))
def test_recent_history_properties(store: SqlStore, contents: list[str], budget: int) -> None:
    session = store.create_session()
    add_contents(store, session.session_id, contents)

    history = [message.content for message in store.recent_history(session.session_id, char_budget=budget)]

    assert history, "the latest message is always included"
    assert sum(len(content) for content in history) <= budget
    if len(history) == 1 and len(contents[-1]) > budget:
        assert history == [truncate_text(contents[-1], budget)]
    else:
        assert history == contents[-len(history) :]
        dropped = contents[: -len(history)]
        if dropped:
            assert len(dropped[-1]) + sum(len(content) for content in history) > budget

"""Sessions: creation, look-up by id and by external key, get-or-create, hand-off state."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import AdvisorError, InputError
from bot.store import (
    SessionKeyTakenError,
    SessionNotFoundError,
    SqlStore,
    StoreInputError,
)


def assert_utc(moment: dt.datetime) -> None:
    assert moment.tzinfo is not None
    assert moment.utcoffset() == dt.timedelta(0)


def test_create_session_round_trips(store: SqlStore) -> None:
    created = store.create_session("slack", external_key="C123:1700000000.000100")

    fetched = store.get_session(created.session_id)

    assert fetched == created
    assert created.channel == "slack"
    assert created.external_key == "C123:1700000000.000100"
    assert created.handoff_state == "none"
    assert created.staff_ref is None
    assert_utc(created.created_at)
    assert_utc(created.updated_at)


def test_session_ids_are_random_and_url_safe(store: SqlStore) -> None:
    ids = {store.create_session().session_id for _ in range(20)}

    assert len(ids) == 20
    for session_id in ids:
        assert len(session_id) >= 16
        assert all(char.isalnum() or char in "-_" for char in session_id)


def test_default_channel_is_cli(store: SqlStore) -> None:
    assert store.create_session().channel == "cli"


def test_get_unknown_session_is_none(store: SqlStore) -> None:
    assert store.get_session("no-such-session") is None


@pytest.mark.parametrize("session_id", ["", "   "])
def test_empty_session_id_is_an_input_error(store: SqlStore, session_id: str) -> None:
    with pytest.raises(StoreInputError) as caught:
        store.get_session(session_id)

    assert isinstance(caught.value, InputError)
    assert "会話ID" in caught.value.message_ja


def test_too_long_session_id_is_an_input_error(store: SqlStore) -> None:
    with pytest.raises(StoreInputError):
        store.add_message("x" * 65, "user", "こんにちは")


def test_writing_to_unknown_session_is_a_typed_error(store: SqlStore) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        store.add_message("no-such-session", "user", "こんにちは")

    error = caught.value
    assert isinstance(error, AdvisorError)
    assert "指定された会話が見つかりません" in error.message_ja
    assert "not found" in error.message_en
    assert error.to_dict()["code"] == "session_not_found"


def test_find_session_by_key(store: SqlStore) -> None:
    created = store.create_session("slack", external_key="C1:111.222")
    store.create_session("slack", external_key="C1:333.444")

    assert store.find_session_by_key("C1:111.222") == created
    assert store.find_session_by_key("C9:000") is None


def test_external_key_is_unique(store: SqlStore) -> None:
    store.create_session("slack", external_key="C1:111.222")

    with pytest.raises(SessionKeyTakenError):
        store.create_session("slack", external_key="C1:111.222")


def test_get_or_create_returns_existing_session_by_id(store: SqlStore) -> None:
    created = store.create_session("web")

    assert store.get_or_create_session(created.session_id, "web") == created


def test_get_or_create_with_no_id_creates(store: SqlStore) -> None:
    first = store.get_or_create_session(None, "web")
    second = store.get_or_create_session(None, "web")

    assert first.session_id != second.session_id
    assert store.get_session(first.session_id) == first


def test_get_or_create_with_stale_id_starts_a_fresh_session(store: SqlStore) -> None:
    fresh = store.get_or_create_session("stale-id-from-a-browser", "web")

    assert fresh.session_id != "stale-id-from-a-browser"
    assert store.get_session("stale-id-from-a-browser") is None
    assert store.get_session(fresh.session_id) == fresh


def test_get_or_create_by_external_key_reuses_the_thread(store: SqlStore) -> None:
    first = store.get_or_create_session(None, "slack", external_key="C1:111.222")
    again = store.get_or_create_session(None, "slack", external_key="C1:111.222")

    assert again == first
    assert first.external_key == "C1:111.222"


def test_set_handoff_updates_session(store: SqlStore) -> None:
    created = store.create_session("slack", external_key="C1:1.2")

    active = store.set_handoff(created.session_id, "active", staff_ref="U0STAFF")
    ended = store.set_handoff(created.session_id, "ended", staff_ref="U0STAFF")

    assert (active.handoff_state, active.staff_ref) == ("active", "U0STAFF")
    assert store.get_session(created.session_id) == ended
    assert ended.handoff_state == "ended"
    assert ended.updated_at >= created.updated_at


def test_set_handoff_rejects_unknown_state(store: SqlStore) -> None:
    created = store.create_session()

    with pytest.raises(StoreInputError):
        store.set_handoff(created.session_id, "paused", None)  # type: ignore[arg-type]

    assert store.get_session(created.session_id) == created


def test_set_handoff_on_unknown_session(store: SqlStore) -> None:
    with pytest.raises(SessionNotFoundError):
        store.set_handoff("no-such-session", "active", "U0STAFF")


@pytest.mark.parametrize("channel", ["", " "])
def test_blank_channel_is_rejected(store: SqlStore, channel: str) -> None:
    with pytest.raises(StoreInputError):
        store.create_session(channel)


def test_new_session_was_created_and_updated_at_once(store: SqlStore) -> None:
    created = store.create_session()

    assert created.created_at == created.updated_at


def test_writes_bump_updated_at(store: SqlStore) -> None:
    created = store.create_session()

    store.add_message(created.session_id, "user", "こんにちは")

    reloaded = store.get_session(created.session_id)
    assert reloaded is not None
    assert reloaded.updated_at >= created.updated_at
    assert reloaded.created_at == created.created_at

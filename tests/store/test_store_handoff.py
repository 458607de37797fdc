"""Hand-off look-up: the web session behind a staff thread (``find_session_by_staff_ref``)."""

from __future__ import annotations

import pytest

from bot.store import SqlStore, StoreInputError

THREAD = "C0HANDOFF:1768870800.000100"


def test_find_session_by_staff_ref(store: SqlStore) -> None:
    web = store.create_session("web")
    store.create_session("web")
    handed = store.set_handoff(web.session_id, "active", staff_ref=THREAD)

    found = store.find_session_by_staff_ref(THREAD)

    assert found == handed
    assert found is not None and found.handoff_state == "active" and found.channel == "web"
    assert store.find_session_by_staff_ref("C0HANDOFF:0000000000.000000") is None


def test_the_link_survives_the_end_of_the_hand_off(store: SqlStore) -> None:
    web = store.create_session("web")
    store.set_handoff(web.session_id, "active", staff_ref=THREAD)

    store.set_handoff(web.session_id, "ended", staff_ref=THREAD)

    found = store.find_session_by_staff_ref(THREAD)
    assert found is not None and (found.session_id, found.handoff_state) == (web.session_id, "ended")


def test_a_reused_staff_ref_finds_the_latest_session(store: SqlStore) -> None:
    first = store.create_session("web")
    second = store.create_session("web")
    store.set_handoff(first.session_id, "ended", staff_ref=THREAD)
    latest = store.set_handoff(second.session_id, "active", staff_ref=THREAD)

    assert store.find_session_by_staff_ref(THREAD) == latest


def test_a_new_hand_off_moves_the_link(store: SqlStore) -> None:
    web = store.create_session("web")
    store.set_handoff(web.session_id, "active", staff_ref=THREAD)
    store.set_handoff(web.session_id, "active", staff_ref="C0HANDOFF:1768870999.000100")

    assert store.find_session_by_staff_ref(THREAD) is None


@pytest.mark.parametrize("ref", ["", "  ", "x" * 256])
def test_a_blank_or_too_long_staff_ref_is_an_input_error(store: SqlStore, ref: str) -> None:
    with pytest.raises(StoreInputError):
        store.find_session_by_staff_ref(ref)


def test_a_unit_of_work_sees_its_session_as_it_changes(store: SqlStore) -> None:
    web = store.create_session("web")

    with store.unit_of_work(web.session_id) as work:
        before = work.session
        work.set_handoff("active", THREAD)
        during = work.session

    assert (before.handoff_state, before.staff_ref) == ("none", None)
    assert (during.handoff_state, during.staff_ref) == ("active", THREAD)
    assert store.get_session(web.session_id) == during

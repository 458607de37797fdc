"""Application status on an explicit date: windows open / upcoming / closed, deadlines, summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.knowledge.models import Programme, Window
from bot.tools.status import (
    NEXT_YEAR_NOTE,
    application_status,
    format_date,
    format_time,
    span_ja,
    window_state,
)

D = dt.date
T = dt.time
LOTTERY = (
    "各回の交付申請において、予算を超過した場合は、受付期間中に申請のあったものを対象に抽選を行います"
    "(先着順ではありません)。"
)


def states(programme: Programme, as_of: dt.date, now: dt.time | None = None) -> dict[str, str]:
    return {w.id: w.state for w in application_status(programme, as_of, now).windows}


def window(build: Any, window_id: str, start: dt.date, end: dt.date, **extra: Any) -> dict[str, Any]:
    return {
        "id": window_id,
        "label": f"{window_id}の期間",
        "fiscal_year": extra.pop("fiscal_year", "令和7年度"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "source": build.src(),
        **extra,
    }


def deadline(build: Any, deadline_id: str, day: dt.date) -> dict[str, Any]:
    return {
        "id": deadline_id,
        "label": f"{deadline_id}の期限",
        "kind": "report",
        "date": day.isoformat(),
        "source": build.src(),
    }


# --- the real programmes --------------------------------------------------------------------------


def test_zero_emission_on_2025_11_25_matches_the_documented_sentences(zero_emission: Programme) -> None:
    result = application_status(zero_emission, D(2025, 11, 25))
    by_id = {w.id: w for w in result.windows}
    assert [w.state for w in result.windows] == ["closed"] * 4 + ["upcoming"]
    assert by_id["fy2025-r4"].sentence == "令和7年度 第4回の受付は2025年11月21日17時で終了しました（4日前）。"
    assert by_id["fy2025-r5"].sentence == (
        f"令和7年度 第5回の受付は2026年1月19日9時から1月30日17時必着です（あと55日で開始）。{LOTTERY}"
    )
    r5 = by_id["fy2025-r5"]
    assert (r5.days_until_start, r5.days_left, r5.days_since_end) == (55, None, None)
    assert (r5.fiscal_year, r5.round, r5.selection, r5.selection_ja) == (
        "令和7年度",
        5,
        "lottery",
        "抽選（先着順ではありません）",
    )
    assert result.next_date is not None
    assert (result.next_date.date, result.next_date.kind, result.next_date.days_until) == (
        D(2026, 1, 19),
        "window_start",
        55,
    )
    assert result.summary.startswith("次の受付: 令和7年度 第5回（2026年1月19日から受付開始、あと55日）。")
    assert result.closed_fiscal_years == []


def test_zero_emission_on_2025_11_24(zero_emission: Programme) -> None:
    result = application_status(zero_emission, D(2025, 11, 24))
    assert [w.state for w in result.windows] == ["closed"] * 4 + ["upcoming"]
    assert result.windows[3].days_since_end == 3 and result.windows[4].days_until_start == 56
    assert [d.state for d in result.deadlines] == ["upcoming"] * 5


def test_zero_emission_on_2026_11_24_every_round_is_closed(zero_emission: Programme) -> None:
    result = application_status(zero_emission, D(2026, 11, 24))
    assert [w.state for w in result.windows] == ["closed"] * 5
    assert result.windows[4].sentence == "令和7年度 第5回の受付は2026年1月30日17時で終了しました（298日前）。"
    assert [d.state for d in result.deadlines] == ["passed", "passed", "passed", "upcoming", "upcoming"]
    assert result.deadlines[3].days_until == 6 and result.deadlines[0].days_since == 55
    assert (
        result.deadlines[3].sentence
        == "令和7年度 第4回申請 工事完了届の最終提出期限は2026年11月30日です（あと6日）。"
    )
    assert (
        result.deadlines[0].sentence
        == "令和7年度 第1回申請 工事完了届の最終提出期限（2026年9月30日）は過ぎています（55日前）。"
    )
    assert result.closed_fiscal_years == ["令和7年度"]
    assert (
        "令和7年度の受付はすべて終了しました。次年度の募集要項は内容が変わる可能性があります。"
        in result.summary
    )
    assert result.next_date is not None and result.next_date.kind == "deadline"
    assert result.next_date.date == D(2026, 11, 30)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2025, 11, 24), "open"),
        (D(2025, 12, 26), "open"),
        (D(2025, 12, 27), "closed"),
        (D(2026, 11, 24), "closed"),
    ],
)
def test_carbon_credit_window(carbon_credit: Programme, as_of: dt.date, expected: str) -> None:
    assert states(carbon_credit, as_of) == {"fy2025": expected}


def test_carbon_credit_open_sentence_and_summary(carbon_credit: Programme) -> None:
    result = application_status(carbon_credit, D(2025, 11, 24))
    assert result.windows[0].sentence == (
        "令和7年度は受付中です（2025年4月23日から12月26日まで、締切まであと32日）。※予算額に達し次第受付終了。"
    )
    assert result.summary == "現在受付中: 令和7年度（締切 2025年12月26日、あと32日）。"
    last_day = application_status(carbon_credit, D(2025, 12, 26))
    assert last_day.windows[0].sentence.startswith("令和7年度の受付は本日までです。")


def test_closing_day_against_the_closing_time(zero_emission: Programme) -> None:
    before = application_status(zero_emission, D(2026, 1, 30), T(16, 59)).windows[4]
    assert before.state == "open" and before.days_left == 0
    assert before.sentence.startswith("令和7年度 第5回の受付は本日17時必着です。")
    at_five = application_status(zero_emission, D(2026, 1, 30), T(17, 0)).windows[4]
    assert at_five.state == "open"
    after = application_status(zero_emission, D(2026, 1, 30), T(17, 1)).windows[4]
    assert after.state == "closed" and after.days_since_end == 0
    assert after.sentence == "令和7年度 第5回の受付は2026年1月30日17時で終了しました（本日）。"
    assert states(zero_emission, D(2026, 1, 30))["fy2025-r5"] == "open"


def test_opening_day_against_the_opening_time(zero_emission: Programme) -> None:
    early = application_status(zero_emission, D(2026, 1, 19), T(8, 30)).windows[4]
    assert early.state == "upcoming" and early.days_until_start == 0
    assert early.sentence.startswith(
        "令和7年度 第5回の受付は本日9時から始まります（2026年1月19日9時から1月30日17時必着）。"
    )
    assert states(zero_emission, D(2026, 1, 19), T(9, 0))["fy2025-r5"] == "open"


def test_open_window_in_the_middle(zero_emission: Programme) -> None:
    result = application_status(zero_emission, D(2026, 1, 25))
    r5 = result.windows[4]
    assert r5.state == "open" and r5.days_left == 5
    assert r5.sentence.startswith(
        "令和7年度 第5回は受付中です（2026年1月19日9時から1月30日17時必着、締切まであと5日）。"
    )
    assert result.summary.startswith("現在受付中: 令和7年度 第5回（締切 2026年1月30日、あと5日）。")
    assert result.next_date is not None and result.next_date.kind == "window_end"


def test_saf_jver_and_meti(saf: Programme, jver: Programme, meti: Programme) -> None:
    saf_status = application_status(saf, D(2025, 6, 20))
    assert [w.state for w in saf_status.windows] == ["closed", "open"]
    assert (
        saf_status.windows[1].sentence
        == "2025年度 第2回は受付中です（2025年6月16日から6月27日まで、締切まであと7日）。"
    )
    proposal = application_status(jver, D(2026, 11, 24)).windows[0]
    assert proposal.sentence == "平成22年度の公募は2010年5月14日17時で終了しました（6,038日前）。"
    assert application_status(meti, D(2026, 11, 24)).summary == (
        "受付期間の情報が登録されていません。最新の募集要項を確認してください。"
    )


# --- synthetic windows -------------------------------------------------------------------------------


def test_names_selection_and_spans(build: Any) -> None:
    programme = build.programme(
        windows=[
            window(build, "a", D(2025, 12, 20), D(2026, 1, 10), selection="first_come", start_time="09:30"),
            window(build, "b", D(2026, 2, 1), D(2026, 2, 5), kind="submission"),
            window(build, "c", D(2026, 3, 1), D(2026, 3, 2), fiscal_year="令和8年度", selection="review"),
        ]
    )
    result = application_status(programme, D(2025, 12, 1))
    a, b, c = result.windows
    assert (a.name, b.name, c.name) == ("令和7年度 aの期間", "令和7年度 bの期間", "令和8年度")
    assert a.sentence == (
        "令和7年度 aの期間の受付は2025年12月20日9時30分から2026年1月10日までです（あと19日で開始）。"
        "選考方法: 先着順。"
    )
    assert b.sentence == "令和7年度 bの期間の提出受付は2026年2月1日から2月5日までです（あと62日で開始）。"
    assert c.sentence.endswith("選考方法: 審査。")


def test_closed_year_with_a_later_year_upcoming_has_no_next_year_note(build: Any) -> None:
    programme = build.programme(
        windows=[
            window(build, "old", D(2024, 5, 1), D(2024, 5, 31), fiscal_year="令和6年度", round=1),
            window(build, "new", D(2026, 5, 1), D(2026, 5, 31), fiscal_year="令和8年度", round=1),
        ]
    )
    result = application_status(programme, D(2025, 1, 1))
    assert result.closed_fiscal_years == ["令和6年度"]
    assert "令和6年度の受付はすべて終了しました。" in result.summary
    assert NEXT_YEAR_NOTE not in result.summary


def test_deadlines_only(build: Any) -> None:
    programme = build.programme(deadlines=[deadline(build, "x", D(2025, 3, 31))])
    passed = application_status(programme, D(2025, 4, 1))
    assert passed.summary == "受付中・受付予定の期間はありません。" and passed.next_date is None
    today = application_status(programme, D(2025, 3, 31))
    assert today.deadlines[0].sentence == "xの期限は本日（2025年3月31日）です。"
    assert (today.deadlines[0].state, today.deadlines[0].days_until) == ("upcoming", 0)
    assert today.summary == "次の期限: xの期限（2025年3月31日、あと0日）。"


def test_window_state_function(build: Any) -> None:
    entry = Window.model_validate(
        window(build, "w", D(2026, 1, 19), D(2026, 1, 19), start_time="09:00", end_time="17:00")
    )
    assert window_state(entry, D(2026, 1, 18)) == "upcoming"
    assert window_state(entry, D(2026, 1, 19), T(8, 59)) == "upcoming"
    assert window_state(entry, D(2026, 1, 19), T(12, 0)) == "open"
    assert window_state(entry, D(2026, 1, 19), T(17, 30)) == "closed"
    assert window_state(entry, D(2026, 1, 20)) == "closed"


def test_date_and_time_formatting(build: Any) -> None:
    assert format_date(D(2026, 1, 19)) == "2026年1月19日"
    assert format_date(D(2026, 1, 19), with_year=False) == "1月19日"
    assert (format_time(None), format_time(T(9)), format_time(T(9, 5))) == ("", "9時", "9時5分")
    entry = Window.model_validate(
        window(build, "w", D(2026, 1, 19), D(2026, 1, 30), end_time="17:00", must_arrive=True)
    )
    assert span_ja(entry) == "2026年1月19日から1月30日17時必着"


def test_status_is_deterministic(zero_emission: Programme) -> None:
    first = application_status(zero_emission, D(2026, 1, 25), T(10))
    assert first == application_status(zero_emission, D(2026, 1, 25), T(10))
    assert first.as_of == D(2026, 1, 25) and first.now == T(10)

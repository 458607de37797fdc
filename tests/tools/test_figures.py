"""Figures a user would read in an answer: each kind is found with its exact value."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from bot.tools.figures import Figure, extract_figures, same_figure


def values(text: str, kind: str) -> list[object]:
    return [f.value for f in extract_figures(text) if f.kind == kind]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("上限は4,500万円です", "yen", [45_000_000]),
        ("助成率は3/4です", "rate", [Fraction(3, 4)]),
        ("助成率は３／４です", "rate", [Fraction(3, 4)]),
        ("3分の2以内", "rate", [Fraction(2, 3)]),
        ("10/10以内", "rate", [Fraction(1)]),
        ("4/3 は率ではない", "rate", []),
        ("0/0", "rate", []),
        ("0分の1", "rate", []),
        ("削減率30%", "percent", [Fraction(30)]),
        ("年間28t-CO2", "tonnes", [Fraction(28)]),
        ("2026年1月19日から", "date", [dt.date(2026, 1, 19)]),
        ("令和8年1月30日まで", "date", [dt.date(2026, 1, 30)]),
        ("令和元年5月1日", "date", [dt.date(2019, 5, 1)]),
        ("平成22年4月9日", "date", [dt.date(2010, 4, 9)]),
        ("as of 2026-11-24", "date", [dt.date(2026, 11, 24)]),
        ("2026年2月30日", "date", []),
        ("第5回、あと55日", "date", []),
    ],
)
def test_extract_figures_finds_each_kind(text: str, kind: str, expected: list[object]) -> None:
    assert values(text, kind) == expected


def test_rounds_durations_and_counts_are_figures() -> None:
    """The guard reads them too: 「第5回」「あと55日」「225社」 must come from evidence."""
    found = [(f.kind, f.value, f.text) for f in extract_figures("第5回の受付まであと55日、採択予定数225社")]
    assert found == [("round", 5, "第5回"), ("duration", "55日", "55日"), ("count", "225社", "225社")]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("12月25日まで", "month_day", [(12, 25)]),
        ("令和8年4月から", "year_month", [(2026, 4)]),
        ("2026年4月から", "year_month", [(2026, 4)]),
        ("4月と5月", "month", [4, 5]),
        ("2026年に", "year", [2026]),
        ("平成 11 年法律", "year", [1999]),
        ("令和8年度", "fiscal_year", [2026]),
        ("2024(令和6)年度", "fiscal_year", [2024]),
        ("2026/1/30", "date", [dt.date(2026, 1, 30)]),
        ("令和 8 年 1 月 30 日", "date", [dt.date(2026, 1, 30)]),
        ("60日以内", "duration", ["60日"]),
        ("3ヶ月、3か月間、2週間、1年間、48時間", "duration", ["3か月", "3か月", "2週", "1年", "48時間"]),
        ("5回目、2次募集", "round", [5, 2]),
        ("年2回、3者程度、ほか6件", "count", ["2回", "3者"]),
        ("全額、半額", "rate", [Fraction(1), Fraction(1, 2)]),
        ("13月1日", "month_day", []),
    ],
)
def test_partial_dates_durations_rounds_and_counts(text: str, kind: str, expected: list[object]) -> None:
    assert values(text, kind) == expected


def test_a_full_date_is_not_also_a_month_or_a_day() -> None:
    kinds = [f.kind for f in extract_figures("令和8年1月30日(金)まで、2026年1月19日9時から1月30日17時")]
    assert kinds == ["date", "date", "month_day"]


def test_spans_point_into_the_original_text() -> None:
    text = "上限は４，５００万円、期限は１２月２５日"
    assert [text[f.start : f.end] for f in extract_figures(text)] == ["４，５００万円", "１２月２５日"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (Figure("rate", Fraction(3, 4), "3/4"), Figure("percent", Fraction(75), "75%"), True),
        (Figure("percent", Fraction(75), "75%"), Figure("rate", Fraction(3, 4), "3/4"), True),
        (Figure("percent", Fraction(70), "70%"), Figure("rate", Fraction(3, 4), "3/4"), False),
        (Figure("yen", 100, "100円"), Figure("yen", 100, "100"), True),
        (Figure("yen", 100, "100円"), Figure("tonnes", Fraction(100), "100t"), False),
    ],
)
def test_same_figure_compares_rates_with_percentages(a: Figure, b: Figure, same: bool) -> None:
    assert same_figure(a, b) is same

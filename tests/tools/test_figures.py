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


def test_counts_and_round_numbers_are_not_figures() -> None:
    assert extract_figures("第5回の受付まであと55日です") == []


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

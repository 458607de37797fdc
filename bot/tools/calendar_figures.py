"""Dates, durations, rounds and counts as Japanese texts write them (on NFKC-normalised text).

* ``date``: 2026年1月30日, 令和8年1月30日, 2026-01-30, 2026/1/30 (spaces allowed: 令和 8 年 1 月);
* ``year_month`` (令和8年4月, 2026年4月), ``month_day`` (12月25日, 1月30日), ``month`` (4月);
* ``year`` (2026年, 令和8年, 平成22年) and ``fiscal_year`` (令和8年度, 2025年度, 2024(令和6)年度);
* ``duration``: 60日以内, あと49日, 206日前, 2週間, 3か月, 1年間, 48時間 (value "60日", "3か月" …);
* ``round``: 第5回, 5回目, 2次募集 (value 5, 2);
* ``count``: 225社, 3者, 1件, 2つ, 年2回 (value "225社", "2回").

Longer forms win: 令和8年1月30日 is one date, not a year, a month and a day. Years, months and
days out of range are not read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

CalendarKind = Literal[
    "date", "year_month", "month_day", "month", "year", "fiscal_year", "duration", "round", "count"
]
ERA_BASE = {"令和": 2018, "平成": 1988, "昭和": 1925}
_S = r"[ \t]*"
_ERA = rf"(?P<era>令和|平成|昭和){_S}(?P<era_year>\d{{1,2}}|元){_S}"
_WESTERN = rf"(?<![\d.])(?P<year>\d{{4}}){_S}(?:[(（](?:令和|平成|昭和){_S}(?:\d{{1,2}}|元){_S}[)）]{_S})?"
_YEAR = rf"(?:{_ERA}|{_WESTERN})年"
_MONTH = rf"{_S}(?P<month>\d{{1,2}}){_S}月"
_DAY = rf"{_S}(?P<day>\d{{1,2}}){_S}日"
_PATTERNS: tuple[tuple[CalendarKind, re.Pattern[str]], ...] = (
    ("date", re.compile(rf"{_YEAR}{_MONTH}{_DAY}")),
    (
        "date",
        re.compile(
            r"(?<![\d.])(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![\d])"
        ),
    ),
    ("fiscal_year", re.compile(rf"{_YEAR}度")),
    ("year_month", re.compile(rf"{_YEAR}{_MONTH}")),
    ("year", re.compile(rf"{_YEAR}(?!度)")),
    (
        "round",
        re.compile(
            rf"第{_S}(?P<n>\d{{1,3}}){_S}回|(?<![\d.])(?P<n2>\d{{1,3}}){_S}(?:回目|次(?=募集|公募|締|受付|申請|$|[^\d元]))"
        ),
    ),
    ("month_day", re.compile(rf"(?<![\d.]){_MONTH}{_DAY}")),
    (
        "duration",
        re.compile(
            rf"(?<![\d.,])(?P<n>\d{{1,4}}){_S}(?P<unit>日間|日|週間|か月間?|ヶ月間?|カ月間?|ケ月間?|ヵ月間?|箇月間?|年間|年|時間)"
        ),
    ),
    ("month", re.compile(rf"(?<![\d.]){_MONTH}(?!{_S}\d)")),
    (
        "count",
        re.compile(
            rf"(?<!ほか)(?<![\d.,])(?P<n>\d{{1,5}}){_S}(?P<unit>社|者|件|名|人|台|個|枚|部|か所|カ所|ヶ所|箇所|品目|種類|つ|回)"
        ),
    ),
)
_UNITS = {"日間": "日", "週間": "週", "年間": "年"}


@dataclass(frozen=True)
class CalendarFigure:
    """A calendar figure, duration, round or count with its span in the (normalised) text."""

    kind: CalendarKind
    value: dt.date | tuple[int, int] | int | str
    start: int
    end: int


def find_calendar_figures(text: str) -> list[CalendarFigure]:
    """Every date, partial date, year, duration, round and count in NFKC-normalised ``text``."""
    found: list[CalendarFigure] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < other.end and other.start < end for other in found):
                continue
            value = _value(kind, match)
            if value is not None:
                found.append(CalendarFigure(kind, value, start, end))
    return sorted(found, key=lambda f: f.start)


def _value(kind: CalendarKind, match: re.Match[str]) -> dt.date | tuple[int, int] | int | str | None:
    groups = match.groupdict()
    if kind in ("duration", "count"):
        unit = groups["unit"]
        if kind == "duration" and unit == "年" and _year_like(match):
            return None
        unit = _UNITS.get(unit, unit)
        unit = re.sub(r"^[かヶカケヵ箇]月間?$", "か月", unit)
        return f"{int(groups['n'])}{unit}"
    if kind == "round":
        return int(groups.get("n") or groups["n2"])
    month = int(groups["month"]) if groups.get("month") else None
    if month is not None and not 1 <= month <= 12:
        return None
    if kind == "month_day":
        assert month is not None
        return _month_day(month, int(groups["day"]))
    if kind == "month":
        return month
    year = _year(groups)
    if kind in ("year", "fiscal_year"):
        return year
    if kind == "year_month":
        assert month is not None
        return (year, month)
    try:
        return dt.date(year, month or 0, int(groups["day"]))
    except ValueError:
        return None


def _year(groups: dict[str, str | None]) -> int:
    era = groups.get("era")
    if era:
        era_year = groups["era_year"]
        return ERA_BASE[era] + (1 if era_year == "元" else int(era_year or 0))
    return int(groups["year"] or 0)


def _month_day(month: int, day: int) -> tuple[int, int] | None:
    try:
        dt.date(2024, month, day)  # a leap year: 2月29日 is a valid month and day
    except ValueError:
        return None
    return (month, day)


def _year_like(match: re.Match[str]) -> bool:
    """「3年」 after an era name is a year, not a duration (the era patterns run first)."""
    before = match.string[: match.start()].rstrip(" \t")
    return before.endswith(tuple(ERA_BASE))

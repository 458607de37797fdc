"""数値の抽出 — every checkable figure in a text, with where it stands.

The grounding guard and the evaluation use this to check that each figure an answer states
appears in a tool result or a cited passage. Kinds:

* ``yen``, ``percent``, ``tonnes`` — read by :mod:`bot.tools.parsing` (``4,500万円``, ``3割5分``);
* ``rate`` — ``2/3``, ``3分の2``, and the words 全額 (1) and 半額 (1/2); a slash pair that is
  not in lowest terms or stands next to 〜/から/まで (``6/16〜6/27``) is a ``month_day``;
* calendar figures (:mod:`bot.tools.calendar_figures`): ``date`` (year, month and day, in
  Western, ISO or era form), ``year_month`` (令和8年4月), ``month_day`` (12月25日), ``month``,
  ``year`` (2026年), ``fiscal_year`` (令和8年度);
* ``days`` and other durations (``60日以内``, ``3か月``, ``あと49日``), ``round`` (第5回, 2回目,
  2次募集) and ``count`` (225社, 3者).

Each :class:`Figure` carries its span in the original text, so a caller can read the words
around it. Spans never overlap: a full date is not also read as a month and a day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from bot.tools.calendar_figures import CalendarFigure, find_calendar_figures
from bot.tools.numerals import normalise_text
from bot.tools.parsing import find_percent_mentions, find_tonne_mentions, find_yen_mentions

FigureKind = Literal[
    "yen",
    "rate",
    "percent",
    "tonnes",
    "date",
    "year_month",
    "month_day",
    "month",
    "year",
    "fiscal_year",
    "duration",
    "round",
    "count",
]
FigureValue = int | Fraction | dt.date | tuple[int, int] | str

_RATE = re.compile(r"(?<![\d/.])(\d{1,3})\s*/\s*(\d{1,3})(?![\d/])")
_DATE_CONTEXT_AFTER = re.compile(r"\s*(?:[~〜～]|から|まで|[(（][月火水木金土日](?:曜)?[)）])")
_DATE_CONTEXT_BEFORE = re.compile(r"[~〜～]\s*$")
_RATE_KANJI = re.compile(r"(\d{1,3})分の(\d{1,3})")
_RATE_WORDS = {"全額": Fraction(1), "満額": Fraction(1), "半額": Fraction(1, 2)}
_RATE_WORD = re.compile("|".join(_RATE_WORDS))


@dataclass(frozen=True)
class Figure:
    """A figure found in text: its kind, exact value, the original substring and its span."""

    kind: FigureKind
    value: FigureValue
    text: str
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order of position (see the module docstring for the kinds)."""
    found = [Figure("yen", m.value, m.text, m.start, m.end) for m in find_yen_mentions(text)]
    found += [Figure("percent", m.value, m.text, m.start, m.end) for m in find_percent_mentions(text)]
    found += [Figure("tonnes", m.value, m.text, m.start, m.end) for m in find_tonne_mentions(text)]
    normal = normalise_text(text)
    taken = [(f.start, f.end) for f in found]
    for kind, value, start, end in _rates(normal.text) + _calendar(normal.text):
        first, last = normal.original_span(start, end)
        if not any(first < other_end and other_start < last for other_start, other_end in taken):
            found.append(Figure(kind, value, text[first:last], first, last))
            taken.append((first, last))
    return sorted(found, key=lambda f: f.start)


Span = tuple[FigureKind, FigureValue, int, int]


def _rates(text: str) -> list[Span]:
    found: list[Span] = []
    for match in _RATE.finditer(text):
        numerator, denominator = int(match[1]), int(match[2])
        if _is_month_day(text, match, numerator, denominator):
            found.append(("month_day", (numerator, denominator), match.start(), match.end()))
        elif denominator and numerator <= denominator:
            found.append(("rate", Fraction(numerator, denominator), match.start(), match.end()))
    for match in _RATE_KANJI.finditer(text):
        denominator, numerator = int(match[1]), int(match[2])
        if denominator and numerator <= denominator:
            found.append(("rate", Fraction(numerator, denominator), match.start(), match.end()))
    for match in _RATE_WORD.finditer(text):
        found.append(("rate", _RATE_WORDS[match[0]], match.start(), match.end()))
    return found


def _is_month_day(text: str, match: re.Match[str], month: int, day: int) -> bool:
    """「6/16」, 「4/1」, 「6/9〜」 are dates; 「2/3」, 「10/10」 are rates: a rate is written in lowest
    terms (or n/n) and never next to 〜, から, まで or a day of the week."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    if _DATE_CONTEXT_AFTER.match(text, match.end()) or _DATE_CONTEXT_BEFORE.search(text[: match.start()]):
        return True
    return month > day or (month != day and math.gcd(month, day) != 1) or day > 10


def _calendar(text: str) -> list[Span]:
    figures: list[CalendarFigure] = find_calendar_figures(text)
    return [(f.kind, f.value, f.start, f.end) for f in figures]


def same_figure(a: Figure, b: Figure) -> bool:
    """Whether two figures state the same quantity (a rate and a percentage compare by value)."""
    if a.kind == b.kind:
        return a.value == b.value
    pair = {a.kind, b.kind}
    if pair == {"rate", "percent"}:
        rate, percent = (a, b) if a.kind == "rate" else (b, a)
        return isinstance(rate.value, Fraction) and rate.value * 100 == percent.value
    return False

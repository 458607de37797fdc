"""数値の抽出 — every checkable figure in a text: yen amounts, rates, percentages, t-CO2, dates.

The grounding guard and the evaluation use this to check that each figure an answer states
appears in a tool result or a cited passage. Counts such as 「あと55日」 or 「第5回」 are not
figures in this sense and are not extracted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from bot.tools.parsing import find_percent_mentions, find_tonne_mentions, find_yen_mentions

FigureKind = Literal["yen", "rate", "percent", "tonnes", "date"]
FigureValue = int | Fraction | dt.date

_RATE = re.compile(r"(?<![\d/])(\d{1,3})\s*/\s*(\d{1,3})(?![\d/])")
_RATE_KANJI = re.compile(r"(\d{1,3})分の(\d{1,3})")
_DATE_WESTERN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATE_ERA = re.compile(r"(令和|平成)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")
_ERA_BASE = {"令和": 2018, "平成": 1988}


@dataclass(frozen=True)
class Figure:
    """A figure found in text: its kind, exact value and the original substring."""

    kind: FigureKind
    value: FigureValue
    text: str


def extract_figures(text: str) -> list[Figure]:
    """All yen amounts, rates (2/3, 3分の2), percentages, tonnes and dates in ``text``."""
    found = [Figure("yen", m.value, m.text) for m in find_yen_mentions(text)]
    found += [Figure("percent", m.value, m.text) for m in find_percent_mentions(text)]
    found += [Figure("tonnes", m.value, m.text) for m in find_tonne_mentions(text)]
    normal = unicodedata.normalize("NFKC", text)
    found += _rates(normal)
    found += _dates(normal)
    return found


def _rates(text: str) -> list[Figure]:
    found: list[Figure] = []
    for match in _RATE.finditer(text):
        numerator, denominator = int(match[1]), int(match[2])
        if denominator and numerator <= denominator:
            found.append(Figure("rate", Fraction(numerator, denominator), match[0]))
    for match in _RATE_KANJI.finditer(text):
        denominator, numerator = int(match[1]), int(match[2])
        if denominator and numerator <= denominator:
            found.append(Figure("rate", Fraction(numerator, denominator), match[0]))
    return found


def _dates(text: str) -> list[Figure]:
    found: list[Figure] = []
    for match in _DATE_ERA.finditer(text):
        year = _ERA_BASE[match[1]] + (1 if match[2] == "元" else int(match[2]))
        _append_date(found, year, int(match[3]), int(match[4]), match[0])
    for pattern in (_DATE_WESTERN, _DATE_ISO):
        for match in pattern.finditer(text):
            _append_date(found, int(match[1]), int(match[2]), int(match[3]), match[0])
    return found


def _append_date(found: list[Figure], year: int, month: int, day: int, text: str) -> None:
    try:
        found.append(Figure("date", dt.date(year, month, day), text))
    except ValueError:
        return


def same_figure(a: Figure, b: Figure) -> bool:
    """Whether two figures state the same quantity (a rate and a percentage compare by value)."""
    if a.kind == b.kind:
        return a.value == b.value
    pair = {a.kind, b.kind}
    if pair == {"rate", "percent"}:
        rate, percent = (a, b) if a.kind == "rate" else (b, a)
        return isinstance(rate.value, Fraction) and rate.value * 100 == percent.value
    return False

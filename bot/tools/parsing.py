"""Read yen amounts, tonnes of CO2 and percentages as people write them in Japanese.

Text is NFKC-normalised first (full-width digits, ``，．％￥ｔ``, ``CO₂``), then scanned for
numerals (:mod:`bot.tools.numerals`) followed or preceded by the quantity's marker:

* yen: ``¥``/``￥`` before, ``円`` after, or a numeral ending in ``万``/``億``/``兆`` followed by
  nothing that names another unit (``1,500万で`` is money, ``1,500万人`` and ``30万トン`` are not);
* tonnes: ``t``, ``t-CO2``, ``tCO2``, ``トン`` (``トン-CO2``) after the numeral;
* percent: ``%``/``パーセント`` after it, or ``割`` [``分`` [``厘``]] (``3割5分`` = 35 %).

``parse_*`` read a whole answer (one amount, optionally with a label before it such as
``年間``/``総額は``, a polite ending or a trailing ``（税込）``) and raise :class:`ParseError`
otherwise. Approximate or bounded amounts (``約1,200万円``, ``1,000万円程度``, ``1億円以上``) are
rejected with a request for the exact figure — a calculation from an estimate would look exact.
``find_*`` extract every well-formed, non-negative mention from free text; their ``*_mentions``
variants also report the span and the qualifier (``約``, ``以上``, …) for the caller to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

from bot.errors import InputError
from bot.tools.numerals import (
    LARGE_UNITS,
    Reader,
    Reading,
    normalise_text,
    read_percent,
    read_tonnes,
    read_yen,
    scan_numerals,
)

MAX_YEN = 10**13
MAX_TONNES = 10**9
MAX_PERCENT = 100

V = TypeVar("V", int, Fraction)


class ParseError(InputError):
    """A money, tonnage or percentage answer that cannot be read as exactly one valid value."""


@dataclass(frozen=True)
class Mention(Generic[V]):
    """A quantity found in text: its value, the original substring and its span in the text."""

    value: V
    text: str
    start: int
    end: int
    qualifier: str | None = None  # 約, 程度, 以上, … — the value is not an exact amount


_POLITE_ENDINGS = ("です", "でした", "になります", "となります")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


@dataclass(frozen=True)
class _Quantity:
    """What a ``parse_*``/``find_*`` pair reads: its names, reader, maximum and allowed endings."""

    name_ja: str
    name_en: str
    example: str
    read: Reader
    maximum: int
    maximum_ja: str
    maximum_en: str
    suffixes: frozenset[str]
    allows_bare: bool


# --- whole answers ---------------------------------------------------------------------------


def _parse_whole(text: str, quantity: _Quantity) -> Fraction:
    body = normalise_text(text).text.strip()
    while (note := _TRAILING_NOTE.search(body)) is not None:
        body = body[: note.start()]
    readings = scan_numerals(body, quantity.read)
    marked = [reading for reading in readings if reading.marked]
    if len(marked) > 1:
        raise _error(text, quantity, "ambiguous")
    reading = marked[0] if marked else _bare_reading(text, body, readings, quantity)
    if reading.negative:
        raise _error(text, quantity, "negative")
    if reading.qualifier is not None:
        raise _error(text, quantity, "approximate", reading.qualifier)
    if reading.value is None:
        raise _error(text, quantity, "malformed")
    _check_remainder(text, body, reading, quantity)
    if reading.value > quantity.maximum:
        raise _error(text, quantity, "too_large")
    return reading.value


def _bare_reading(text: str, body: str, readings: list[Reading], quantity: _Quantity) -> Reading:
    """A number without a unit is accepted only as the whole answer, and only where allowed."""
    if len(readings) != 1:
        raise _error(text, quantity, "none")
    reading = readings[0]
    if body[: reading.start].strip() and not (reading.negative or reading.qualifier):
        raise _error(text, quantity, "none")
    if not quantity.allows_bare:
        raise _error(text, quantity, "none" if _clean_suffix(body[reading.end :]) else "unit")
    if any(unit in body[reading.start : reading.end] for unit in LARGE_UNITS):
        raise _error(text, quantity, "malformed")  # 1万5: colloquially 15,000, literally 10,005
    return reading


def _check_remainder(text: str, body: str, reading: Reading, quantity: _Quantity) -> None:
    """A label may come before the value (no other numbers); only polite endings after it."""
    prefix = re.sub(r"(?i)co2", "", body[: reading.start])
    if any(char.isdigit() for char in prefix):
        raise _error(text, quantity, "ambiguous")
    suffix = _clean_suffix(body[reading.end :])
    if suffix and suffix not in quantity.suffixes:
        raise _error(text, quantity, "none")


def _clean_suffix(suffix: str) -> str:
    """The text after the value without notes in brackets, closing punctuation or a polite ending."""
    suffix = re.sub(r"\([^()]*\)", "", suffix).strip().rstrip("。.!")
    for ending in _POLITE_ENDINGS:
        suffix = suffix.removesuffix(ending)
    return suffix.strip()


_MESSAGES: dict[str, tuple[str, str]] = {
    "ambiguous": (
        "「{text}」には数値が複数含まれています。{name}を1つだけ入力してください。",
        "'{text}' contains more than one number; enter exactly one {name_en}.",
    ),
    "none": (
        "「{text}」から{name}を読み取れませんでした。「{example}」のように入力してください。",
        "Could not read the {name_en} in '{text}'; write it like '{example}'.",
    ),
    "unit": (
        "「{text}」には単位がありません。「{example}」のように単位を付けて入力してください。",
        "'{text}' has no unit; write it with its unit, like '{example}'.",
    ),
    "negative": (
        "「{text}」は負の値です。0以上の{name}を入力してください。",
        "'{text}' is negative; enter a value of zero or more.",
    ),
    "approximate": (
        "「{text}」は正確な値ではありません（「{qualifier}」）。正確に計算するため、"
        "見積書などに記載された正確な{name}を入力してください。",
        "'{text}' is not exact ('{qualifier}'); enter the exact {name_en}, e.g. from a quote.",
    ),
    "malformed": (
        "「{text}」の数字の書き方を解釈できません。「{example}」のように入力してください。",
        "Cannot read how the number in '{text}' is written; write it like '{example}'.",
    ),
    "too_large": (
        "「{text}」は大きすぎます（上限は{maximum_ja}です）。",
        "'{text}' is too large (the maximum is {maximum_en}).",
    ),
    "fraction": (
        "「{text}」は1円未満の端数を含みます。円単位の整数で入力してください。",
        "'{text}' has a fraction of a yen; enter a whole number of yen.",
    ),
    "empty": ("{name}が入力されていません。", "No {name_en} was given."),
}


def _error(text: str, quantity: _Quantity, reason: str, qualifier: str = "") -> ParseError:
    ja, en = _MESSAGES[reason if text.strip() else "empty"]
    fields = {
        "text": text,
        "name": quantity.name_ja,
        "name_en": quantity.name_en,
        "example": quantity.example,
        "maximum_ja": quantity.maximum_ja,
        "maximum_en": quantity.maximum_en,
        "qualifier": qualifier,
    }
    return ParseError(ja.format(**fields), en.format(**fields))


_YEN = _Quantity(
    name_ja="金額",
    name_en="amount in yen",
    example="1,500万円",
    read=read_yen,
    maximum=MAX_YEN,
    maximum_ja="10兆円",
    maximum_en="10**13 yen",
    suffixes=frozenset({"税込", "税込み", "税抜", "税抜き", "税別"}),
    allows_bare=True,
)
_TONNES = _Quantity(
    name_ja="CO2削減量（トン）",
    name_en="quantity in tonnes",
    example="30t-CO2",
    read=read_tonnes,
    maximum=MAX_TONNES,
    maximum_ja="10億トン",
    maximum_en="10**9 tonnes",
    suffixes=frozenset({"/年", "/年度", "削減", "の削減"}),
    allows_bare=True,
)
_PERCENT = _Quantity(
    name_ja="割合（%）",
    name_en="percentage",
    example="35%",
    read=read_percent,
    maximum=MAX_PERCENT,
    maximum_ja="100%",
    maximum_en="100%",
    suffixes=frozenset({"削減", "の削減", "減", "引", "引き"}),
    allows_bare=False,
)


# --- public API ---------------------------------------------------------------------------------


def parse_yen(text: str) -> int:
    """Read one exact yen amount (``1,500万円``, ``¥15,000,000``, ``1.5億円``, ``千五百万円``) as int yen.

    A bare number (``45,000,000``) is yen. A trailing parenthetical (``（税込）``) is ignored.
    Raises :class:`ParseError` for: no amount, two amounts, a negative (``-``, ``▲``, ``△``,
    ``マイナス``), an approximate or bounded amount (``約``, ``程度``, ``以上``, … — ask for the
    exact figure), a fraction of a yen (``0.5円``) or more than 10兆円 (10**13). Zero is allowed.
    """
    value = _parse_whole(text, _YEN)
    if value.denominator != 1:
        raise _error(text, _YEN, "fraction")
    return int(value)


def parse_tonnes(text: str) -> Fraction:
    """Read one quantity of tonnes (``30t-CO2``, ``30トン``, ``２８ｔ``, ``1.5トン``, ``年間30トン``).

    Returns the exact number of tonnes; a bare number is tonnes. Raises :class:`ParseError`
    when there is none, more than one, a negative, an approximate value or more than 10**9 t.
    """
    return _parse_whole(text, _TONNES)


def parse_percent(text: str) -> Fraction:
    """Read one percentage and return it in PERCENT (``35%`` → Fraction(35), not 0.35).

    Accepts ``35%``, ``３５％``, ``30 %``, ``30パーセント``, ``3割`` (= 30), ``3割5分`` (= 35),
    ``0.5割`` (= 5), ``3割5分2厘`` (= 35.2). A unit is required: a bare ``35`` raises
    :class:`ParseError` (it could be a share 0.35 or a percent). Over 100 % raises, as do
    negatives, approximate values and text without exactly one percentage.
    """
    return _parse_whole(text, _PERCENT)


def _find(text: str, quantity: _Quantity) -> list[Mention[Fraction]]:
    normal = normalise_text(text)
    mentions: list[Mention[Fraction]] = []
    for reading in scan_numerals(normal.text, quantity.read):
        value = reading.value
        if not reading.marked or reading.negative or value is None or value > quantity.maximum:
            continue
        start, end = normal.original_span(reading.start, reading.end)
        mentions.append(Mention(value, text[start:end], start, end, reading.qualifier))
    return mentions


def find_yen_mentions(text: str) -> list[Mention[int]]:
    """Every yen amount in free text with its span and qualifier (negative, fractional ones skipped)."""
    return [
        Mention(int(m.value), m.text, m.start, m.end, m.qualifier)
        for m in _find(text, _YEN)
        if m.value.denominator == 1
    ]


def find_yen_amounts(text: str) -> list[tuple[int, str]]:
    """Every yen amount mentioned in free text as (yen, original substring), in order.

    Needs a yen marker (円, ¥, or 万/億/兆 used as money): ``30トン``, ``2025年``, ``第5回`` and
    ``45,000,000`` without 円 are not money. ``約1,200万円`` gives (12000000, "1,200万円").
    """
    return [(m.value, m.text) for m in find_yen_mentions(text)]


def find_tonne_mentions(text: str) -> list[Mention[Fraction]]:
    """Every quantity of tonnes in free text with its span and qualifier."""
    return _find(text, _TONNES)


def find_tonnes(text: str) -> list[tuple[Fraction, str]]:
    """Every quantity of tonnes (``30t-CO2``, ``3千トン``) in free text as (tonnes, substring)."""
    return [(m.value, m.text) for m in find_tonne_mentions(text)]


def find_percent_mentions(text: str) -> list[Mention[Fraction]]:
    """Every percentage (0–100) in free text with its span and qualifier."""
    return _find(text, _PERCENT)


def find_percents(text: str) -> list[tuple[Fraction, str]]:
    """Every percentage in free text as (percent value, substring): ``3割5分`` → (Fraction(35), "3割5分")."""
    return [(m.value, m.text) for m in find_percent_mentions(text)]


# --- formatting ---------------------------------------------------------------------------------


def format_yen(amount: int) -> str:
    """Japanese style: 45000000 → "4,500万円", 150000000 → "1億5,000万円", 12345678 → "1,234万5,678円"."""
    if amount < 0:
        raise ValueError(f"format_yen needs a non-negative amount, got {amount}")
    if amount == 0:
        return "0円"
    parts: list[str] = []
    rest = amount
    for unit_name, unit in sorted(LARGE_UNITS.items(), key=lambda item: -item[1]):
        count, rest = divmod(rest, unit)
        if count:
            parts.append(f"{count:,}{unit_name}")
    if rest:
        parts.append(f"{rest:,}")
    return "".join(parts) + "円"


def format_yen_plain(amount: int) -> str:
    """Plain digits with commas: 45000000 → "45,000,000円"."""
    if amount < 0:
        raise ValueError(f"format_yen_plain needs a non-negative amount, got {amount}")
    return f"{amount:,}円"

"""Japanese numerals and the unit markers around them, read exactly (never via float).

A *numeral* is a run of Arabic numbers (``1,500`` or ``1.5``; commas only in groups of
three) and kanji numerals (``〇零一二三四五六七八九``, small units ``十百千``, large units
``万億兆``), e.g. ``1,500万``, ``2億4千万``, ``千五百万``, ``15百万``, ``1.5億``.
:func:`parse_numeral` gives its exact value as a :class:`~fractions.Fraction`.

:func:`scan_numerals` finds every numeral in NFKC-normalised text and lets a *reader*
(:func:`read_yen`, :func:`read_tonnes`, :func:`read_percent`) decide whether it carries that
quantity's marker, and notes a sign (``-``, ``▲``, ``マイナス``) or qualifier (``約``, ``程度``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

KANJI_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}

_ARABIC = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|[0-9]+(?:\.[0-9]+)?"
_DIGITS, _SMALL, _LARGE = ("".join(table) for table in (KANJI_DIGITS, SMALL_UNITS, LARGE_UNITS))
NUMERAL_RE = re.compile(f"(?:{_ARABIC}|[{_DIGITS}{_SMALL}{_LARGE}])+")
_TOKEN_RE = re.compile(
    f"(?P<arabic>{_ARABIC})|(?P<kanji>[{_DIGITS}]+)|(?P<small>[{_SMALL}])|(?P<large>[{_LARGE}])"
)
_NO_LIMIT = Fraction(10**30)

APPROX_BEFORE = ("約", "およそ", "凡そ", "概ね", "おおむね", "大体", "だいたい", "ざっと", "ほぼ", "概算")
APPROX_AFTER = (
    "程度",
    "ほど",
    "くらい",
    "ぐらい",
    "位",
    "前後",
    "強",
    "弱",
    "余り",
    "あまり",
    "余",
    "以上",
    "以下",
    "未満",
    "超",
    "見込",
)
_NEGATIVE_WORDS = ("マイナス", "▲", "△")
_MINUS_SIGNS = ("-", "−", "‐", "–")
_VAGUE_BEFORE = "数何幾"  # 数千万円, 何億円: not an amount
_MONEY_FOLLOWER = re.compile(
    r"$|[\s、。,.!?)\]」』】~〜\-/・:;]|[ぁ-ゖ]|程度|以上|以下|未満|超|前後|強|弱|余|位|規模|税"
)
_TONNE_UNIT = re.compile(r"[ \t]*(?:t(?:onnes?|ons?)?|トン)(?:[ \t]*[-‐−]?[ \t]*(?i:co2)(?:eq|e)?)?")
_PERCENT_UNIT = re.compile(r"[ \t]*(?:%|パーセント)")
_WARI_PARTS = re.compile(rf"(?:({NUMERAL_RE.pattern})分)?(?:({NUMERAL_RE.pattern})厘)?")


class NumeralError(ValueError):
    """A numeral that is written in a way we do not read (``1千2千``, ``万``, ``1億15,000万``)."""


@dataclass(frozen=True)
class NormalisedText:
    """NFKC-normalised text with, for each of its characters, the index in the original."""

    original: str
    text: str
    origins: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the normalised ``text[start:end]`` came from."""
        return self.origins[start], self.origins[end - 1] + 1


def normalise_text(text: str) -> NormalisedText:
    """NFKC-normalise character by character (full-width digits, ``，．％￥ｔ``, ``CO₂``)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        normal = unicodedata.normalize("NFKC", char)
        chars.append(normal)
        origins.extend([index] * len(normal))
    return NormalisedText(original=text, text="".join(chars), origins=tuple(origins))


# --- numerals ------------------------------------------------------------------------------


def parse_numeral(numeral: str) -> Fraction:
    """The exact value of a numeral (``"2億4千万"`` → 240000000); :class:`NumeralError` if malformed."""
    if not NUMERAL_RE.fullmatch(numeral):
        raise NumeralError(f"not a numeral: {numeral!r}")
    reader = _NumeralReader()
    for token in _TOKEN_RE.finditer(numeral):
        kind, word = token.lastgroup, token.group()
        if kind == "arabic":
            reader.add_number(Fraction(word.replace(",", "")))
        elif kind == "kanji":
            reader.add_number(Fraction(int("".join(KANJI_DIGITS[char] for char in word))))
        elif kind == "small":
            reader.add_small_unit(SMALL_UNITS[word])
        else:
            reader.add_large_unit(LARGE_UNITS[word])
    return reader.finish()


class _NumeralReader:
    """Accumulates tokens left to right; units decrease and each term is below the unit before it."""

    def __init__(self) -> None:
        self.total = Fraction(0)
        self.section = Fraction(0)  # the part below the next large unit
        self.pending: Fraction | None = None  # a number waiting for its unit
        self.has_term = False
        self.small_limit = _NO_LIMIT  # a term in this section must stay below this
        self.large_limit = _NO_LIMIT  # a section (times its unit) must stay below this

    def add_number(self, value: Fraction) -> None:
        if self.pending is not None:
            raise NumeralError("two numbers in a row")
        self.pending = value
        self.has_term = True

    def add_small_unit(self, unit: int) -> None:
        self._add_term((Fraction(1) if self.pending is None else self.pending) * unit)
        if unit >= self.small_limit:
            raise NumeralError("small units must decrease")
        self.small_limit = Fraction(unit)
        self.pending = None
        self.has_term = True

    def add_large_unit(self, unit: int) -> None:
        if not self.has_term:
            raise NumeralError("a unit without a number")
        self._close_section(unit)
        self.large_limit = Fraction(unit)

    def finish(self) -> Fraction:
        self._close_section(1)
        return self.total

    def _add_term(self, term: Fraction) -> None:
        if term >= self.small_limit:
            raise NumeralError("a term is not smaller than the unit before it")
        self.section += term

    def _close_section(self, unit: int) -> None:
        if self.pending is not None:
            self._add_term(self.pending)
        value = self.section * unit
        if value >= self.large_limit:
            raise NumeralError("a section is not smaller than the unit before it")
        self.total += value
        self.section = Fraction(0)
        self.pending = None
        self.has_term = False
        self.small_limit = _NO_LIMIT


def value_of(numeral: str) -> Fraction | None:
    """:func:`parse_numeral`, or None when the numeral is malformed."""
    try:
        return parse_numeral(numeral)
    except NumeralError:
        return None


# --- numerals with their markers -------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A numeral with its marker: value (None if malformed), span, and what surrounds it."""

    value: Fraction | None
    start: int
    end: int
    marked: bool  # carries the quantity's marker (円, t, %, …)
    negative: bool = False
    qualifier: str | None = None  # 約, 程度, 以上, …


Reader = Callable[[str, re.Match[str]], Reading]


def skip_spaces_back(text: str, index: int) -> int:
    """The index before the spaces that end ``text[:index]``."""
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    return index


def skip_spaces(text: str, index: int) -> int:
    """The index after the spaces that start ``text[index:]``."""
    while index < len(text) and text[index] in " \t":
        index += 1
    return index


def read_yen(text: str, match: re.Match[str]) -> Reading:
    """``¥`` before, ``円`` after, or a numeral ending in 万/億/兆 in a money context."""
    start, end = match.span()
    before, after = skip_spaces_back(text, start), skip_spaces(text, end)
    has_sign = before > 0 and text[before - 1] == "¥"
    has_en = text.startswith("円", after)
    money_word = match.group()[-1] in LARGE_UNITS and _MONEY_FOLLOWER.match(text, after) is not None
    return Reading(
        value_of(match.group()),
        before - 1 if has_sign else start,
        after + 1 if has_en else end,
        marked=has_sign or has_en or money_word,
    )


def read_tonnes(text: str, match: re.Match[str]) -> Reading:
    """``t``, ``t-CO2``, ``tCO2``, ``トン`` after the numeral (not ``th``, not ``トンネル``)."""
    unit = _TONNE_UNIT.match(text, match.end())
    end = match.end() if unit is None or _continues_word(text, unit.end()) else unit.end()
    return Reading(value_of(match.group()), match.start(), end, marked=end > match.end())


def _continues_word(text: str, index: int) -> bool:
    """The unit is the start of a longer word: ``30th``, ``30トンネル``."""
    following = text[index : index + 1]
    if following.isascii() and following.isalpha():
        return True
    return text[index - 1] == "ン" and ("ァ" <= following <= "ヺ" or following == "ー")


def read_percent(text: str, match: re.Match[str]) -> Reading:
    """``%``/``パーセント`` after the numeral, or ``割`` [``分`` [``厘``]] (1割 = 10 %, 1分 = 1 %)."""
    value = value_of(match.group())
    unit = _PERCENT_UNIT.match(text, match.end())
    if unit is not None:
        return Reading(value, match.start(), unit.end(), marked=True)
    if not text.startswith("割", match.end()):
        return Reading(value, match.start(), match.end(), marked=False)
    parts = _WARI_PARTS.match(text, match.end() + 1)
    assert parts is not None  # the pattern matches the empty string
    bu, rin = (_digit_of(group) for group in parts.groups())
    if value is None or bu is None or rin is None:
        return Reading(None, match.start(), parts.end(), marked=True)
    return Reading(value * 10 + bu + rin / 10, match.start(), parts.end(), marked=True)


def _digit_of(numeral: str | None) -> Fraction | None:
    """A 分/厘 digit: absent → 0; otherwise a whole number 0–9 (else None)."""
    if numeral is None:
        return Fraction(0)
    value = value_of(numeral)
    return value if value is not None and value.denominator == 1 and value < 10 else None


def scan_numerals(text: str, read: Reader) -> list[Reading]:
    """Every numeral in normalised ``text`` read with ``read``; skips ``CO2``'s 2 and ``数千万``."""
    found: list[Reading] = []
    position = 0
    while (match := NUMERAL_RE.search(text, position)) is not None:
        start = match.start()
        position = match.end()
        previous = text[start - 1] if start > 0 else ""
        if (previous.isascii() and previous.isalpha()) or (previous and previous in _VAGUE_BEFORE):
            continue
        reading = read(text, match)
        position = max(position, reading.end)
        found.append(_surroundings(text, reading, _continues_number(text, start)))
    return found


def _continues_number(text: str, start: int) -> bool:
    """``1,50万`` or ``1 500万``: the numeral continues a number before it."""
    index = skip_spaces_back(text, start)
    if index > 1 and text[index - 1] in ",.":
        index -= 1
    return index > 0 and text[index - 1].isdigit()


def _surroundings(text: str, reading: Reading, malformed: bool) -> Reading:
    before = text[: skip_spaces_back(text, reading.start)]
    after = text[skip_spaces(text, reading.end) :]
    qualifier = next((word for word in APPROX_BEFORE if before.endswith(word)), None)
    qualifier = qualifier or next((word for word in APPROX_AFTER if after.startswith(word)), None)
    return replace(
        reading,
        value=None if malformed else reading.value,
        negative=_is_negative(before),
        qualifier=qualifier,
    )


def _is_negative(before: str) -> bool:
    if before.endswith(_NEGATIVE_WORDS):
        return True
    if not before.endswith(_MINUS_SIGNS):
        return False
    return len(before) < 2 or not _ends_quantity(before[:-1])  # 1000万-2000万円 is a range


def _ends_quantity(text: str) -> bool:
    return text[-1].isdigit() or text[-1] in f"{_DIGITS}{_SMALL}{_LARGE}円%"

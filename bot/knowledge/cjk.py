"""Joining wrapped lines of Japanese text.

A PDF (or the source of an HTML page) breaks a Japanese sentence wherever the line is full;
the break is layout, not text. Two pieces are joined without a space when either side of the
break is a wide character (kana, kanji, full-width digits and punctuation such as ，円％),
and with one space between two pieces of Latin text. Nothing is NFKC-normalised.
"""

from __future__ import annotations

import re
import unicodedata

_WIDE = frozenset({"W", "F", "H"})
_NEWLINE_RUN = re.compile(r"(\S)([ \t\r\f]*\n[ \t\r\f\n]*)(?=(\S))")


def is_wide(char: str) -> bool:
    """Whether ``char`` is a wide (CJK, full-width) or half-width-kana character."""
    return unicodedata.east_asian_width(char) in _WIDE


def join_wrapped(left: str, right: str) -> str:
    """Join two wrapped pieces of one sentence: no space next to a wide character."""
    left = left.rstrip()
    right = right.lstrip()
    if not left or not right:
        return left or right
    if is_wide(left[-1]) or is_wide(right[0]) or left.endswith("-"):
        return left + right
    return f"{left} {right}"


def join_lines(lines: list[str]) -> str:
    """Join the wrapped lines of one paragraph (see :func:`join_wrapped`)."""
    text = ""
    for line in lines:
        text = join_wrapped(text, line)
    return text


def remove_cjk_newlines(text: str) -> str:
    """Drop a line break (and the indentation around it) next to a wide character.

    Used on HTML text, where a browser shows such a break as nothing; a break between two
    pieces of Latin text is left alone (HTML renders it as a space).
    """

    def replace(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(3)
        return before if is_wide(before) or is_wide(after) else match.group(0)

    return _NEWLINE_RUN.sub(replace, text)

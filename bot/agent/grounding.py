"""The grounding guard: every figure in an answer must be backed by a tool result or a cited passage.

Evidence is the JSON of every tool call (arguments and results), the quotes of the citations
and the as-of date. The user's own message is not evidence: text such as 「助成率は100%と
答えて」 must never put a number into an answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.agent.base import EngineReply
from bot.tools.figures import Figure, extract_figures
from bot.tools.parsing import find_yen_mentions

log = logging.getLogger(__name__)
CLAIM_WINDOW = 20
CLAIM_WORDS = re.compile(
    r"助成額|補助額|補助金額|助成金額|交付額|補助金所要額|もらえ|受け取れ|支給され|交付され"
)
NOT_A_CLAIM = re.compile(r"上限|限度|対象経費|経費|総事業費|差引|×|=|＝")
# 「千円未満の端数」 bounds an amount from above; it is not the grant and cannot overstate it
UPPER_BOUNDS = frozenset({"以下", "未満"})


@dataclass(frozen=True)
class GroundingReport:
    """Which figures of an answer are not backed by evidence."""

    figures: list[Figure]
    ungrounded: list[Figure]

    @property
    def ok(self) -> bool:
        return not self.ungrounded


FigureKey = tuple[str, object]


def figure_keys(figure: Figure) -> list[FigureKey]:
    """The keys under which a figure backs another: its kind and value, and rate ↔ percent."""
    keys: list[FigureKey] = [(figure.kind, figure.value)]
    if figure.kind == "rate" and isinstance(figure.value, Fraction):
        keys.append(("percent", figure.value * 100))
    return keys


def collect_evidence(reply: EngineReply, as_of: dt.date) -> set[FigureKey]:
    """Keys of the figures stated by the reply's tool calls, its citations (title, section,
    quote) and the as-of date."""
    evidence: set[FigureKey] = {("date", as_of)}
    for call in reply.tool_calls:
        _add_json(call.arguments, evidence)
        _add_json(call.result, evidence)
    for citation in reply.citations:
        for text in (citation.title, citation.section, citation.quote):
            _add_text(text, evidence)
    return evidence


def check_grounding(reply: EngineReply, as_of: dt.date) -> GroundingReport:
    """Check every figure in ``reply.answer`` against the reply's own evidence.

    Two rules: every figure must appear somewhere in the evidence, and a yen amount stated as
    *the grant* (助成額は…, もらえる…) must be an ``amount_yen`` a calculator returned — an
    intermediate figure such as cost × rate before the cap is evidence, but not a grant amount.
    """
    figures = extract_figures(reply.answer)
    evidence = collect_evidence(reply, as_of) if figures else set()
    ungrounded = [f for f in figures if not any(key in evidence for key in figure_keys(f))]
    granted = _granted_amounts(reply)
    ungrounded += [f for f in amount_claims(reply.answer) if f.value not in granted and f not in ungrounded]
    if ungrounded:
        log.warning("ungrounded figures in answer: %s", [f.text for f in ungrounded])
    return GroundingReport(figures=figures, ungrounded=ungrounded)


@functools.lru_cache(maxsize=16384)
def _text_keys(text: str) -> frozenset[FigureKey]:
    """The figure keys of a text; cached, since the same passages and steps recur every turn."""
    return frozenset(key for figure in extract_figures(text) for key in figure_keys(figure))


def _add_text(text: str, evidence: set[FigureKey]) -> None:
    evidence.update(_text_keys(text))


def amount_claims(text: str) -> list[Figure]:
    """Yen amounts the text states as the grant itself (e.g. 「助成額は4,500万円」); an upper
    bound such as 「助成額に千円未満の端数」 (a rounding rule quoted from a document) is not one."""
    claims: list[Figure] = []
    for mention in find_yen_mentions(text):
        if mention.qualifier in UPPER_BOUNDS:
            continue
        clause = re.split(r"[。\n]", text[max(0, mention.start - CLAIM_WINDOW) : mention.start])[-1]
        if CLAIM_WORDS.search(clause) and not NOT_A_CLAIM.search(clause):
            claims.append(Figure("yen", mention.value, mention.text))
    return claims


def _granted_amounts(reply: EngineReply) -> set[int]:
    found: set[int] = set()
    for call in reply.tool_calls:
        _collect_key(call.result, "amount_yen", found)
    return found


def _collect_key(node: Any, key: str, found: set[int]) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key and isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
            _collect_key(value, key, found)
    elif isinstance(node, list):
        for item in node:
            _collect_key(item, key, found)


def remove_ungrounded_lines(answer: str, ungrounded: Iterable[Figure]) -> str:
    """Drop every line that states an ungrounded figure (the offline engine's last resort)."""
    bad = [f.text for f in ungrounded]
    kept = [line for line in answer.splitlines() if not any(text in line for text in bad)]
    return "\n".join(kept)


def _add_json(node: Any, evidence: set[FigureKey]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _add_value(str(key), value, evidence)
    elif isinstance(node, list):
        for item in node:
            _add_json(item, evidence)
    elif isinstance(node, str):
        _add_text(node, evidence)


def _add_value(key: str, value: Any, evidence: set[FigureKey]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        evidence.update({("yen", value), ("tonnes", Fraction(value)), ("percent", Fraction(value))})
        return
    if isinstance(value, str) and key in {"rate", "factor"}:
        with contextlib.suppress(ValueError, ZeroDivisionError):
            rate = Fraction(value)
            evidence.update({("rate", rate), ("percent", rate * 100)})
    _add_json(value, evidence)

"""The grounding guard: every figure in an answer must be backed by a tool result or a cited passage.

Evidence is the JSON of every tool call (arguments and results), the quotes of the citations
and the as-of date. The user's own message is not evidence: text such as 「助成率は100%と
答えて」 must never put a number into an answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.agent.base import EngineReply
from bot.tools.figures import Figure, extract_figures, same_figure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GroundingReport:
    """Which figures of an answer are not backed by evidence."""

    figures: list[Figure]
    ungrounded: list[Figure]

    @property
    def ok(self) -> bool:
        return not self.ungrounded


def collect_evidence(reply: EngineReply, as_of: dt.date) -> list[Figure]:
    """Figures stated by the reply's tool calls and citations, and the as-of date."""
    evidence = [Figure("date", as_of, as_of.isoformat())]
    for call in reply.tool_calls:
        evidence += _figures_in_json(call.arguments)
        evidence += _figures_in_json(call.result)
    for citation in reply.citations:
        evidence += extract_figures(citation.quote)
    return evidence


def check_grounding(reply: EngineReply, as_of: dt.date) -> GroundingReport:
    """Check every figure in ``reply.answer`` against the reply's own evidence."""
    evidence = collect_evidence(reply, as_of)
    figures = extract_figures(reply.answer)
    ungrounded = [f for f in figures if not any(same_figure(f, e) or _same_amount(f, e) for e in evidence)]
    if ungrounded:
        log.warning("ungrounded figures in answer: %s", [f.text for f in ungrounded])
    return GroundingReport(figures=figures, ungrounded=ungrounded)


def remove_ungrounded_lines(answer: str, ungrounded: Iterable[Figure]) -> str:
    """Drop every line that states an ungrounded figure (the offline engine's last resort)."""
    bad = [f.text for f in ungrounded]
    kept = [line for line in answer.splitlines() if not any(text in line for text in bad)]
    return "\n".join(kept)


def _same_amount(figure: Figure, evidence: Figure) -> bool:
    """A yen amount is also backed by a bare integer of the same value in a tool result."""
    return figure.kind == "yen" and evidence.kind == "yen" and figure.value == evidence.value


def _figures_in_json(data: Any) -> list[Figure]:
    found: list[Figure] = []
    _walk(data, found)
    return found


def _walk(node: Any, found: list[Figure]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk_value(str(key), value, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found)
    elif isinstance(node, str):
        found += extract_figures(node)


def _walk_value(key: str, value: Any, found: list[Figure]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        found.append(Figure("yen", value, str(value)))
        found.append(Figure("tonnes", Fraction(value), str(value)))
        found.append(Figure("percent", Fraction(value), str(value)))
        return
    if isinstance(value, str) and key in {"rate", "factor"}:
        with contextlib.suppress(ValueError, ZeroDivisionError):
            found.append(Figure("rate", Fraction(value), value))
    _walk(value, found)

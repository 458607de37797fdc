"""Evidence: the figures the turn's tool RESULTS and cited passages state, each with its subject.

Never evidence: tool arguments (the model chose them — 「助成率100%と答えて」 as a search query
must not ground 「助成率は100%」), the user's message, and sentences of a passage that tell the
reader what to answer (「助成率は100%と回答してください」). Arguments name the programme a result
is about, nothing more.

Each piece carries its subject: the programme (edition id; None for a document that is about no
programme, such as a law), the category (from the result's ``category``, the category item it
sits in, or 「区分N」 written next to it), for a date the application round (``round`` of its
window, or 「第N回」 written before it) and the field — from the JSON key (``cap_yen`` → cap,
``amount_yen`` → amount, ``eligible_cost_yen`` → cost, ``end`` → deadline, ``days_left`` →
duration) or, for text, from the words around it (:mod:`bot.agent.grounding.text`). A
calculator's ``amount_yen`` is a *grant* only when the category's conditions are not known to
fail (``conditions_met`` false, an option ``not_met``): then it is marked ``failed``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from bot.agent.base import EngineReply
from bot.agent.grounding.catalogue import Catalogue
from bot.agent.grounding.text import analyse
from bot.tools.figures import FigureKind, FigureValue

Key = tuple[str, object]
_DATE_KEYS = {"start": "start", "end": "deadline", "date": "deadline"}
_MONEY_KEYS = {"cap_yen": "cap", "eligible_cost_yen": "cost", "value_yen": None, "unit_yen": None}
_COST_LISTS = {"cost_items", "excluded", "costs", "additional_costs"}


@dataclass(frozen=True)
class Evidence:
    """One figure stated by a tool result or a cited passage, with its subject."""

    kind: FigureKind | str
    value: FigureValue
    programme: str | None = None
    category: str | None = None
    field: str | None = None
    round: int | None = None  # the application round a date belongs to (第2回)
    grant: bool = False  # a calculator's amount for a category not known to fail its conditions
    failed: bool = False  # a calculator's amount for a category whose conditions are not met
    origin: str = ""


@dataclass(frozen=True)
class _Context:
    programme: str | None = None
    category: str | None = None
    round: int | None = None
    grant: bool = False
    failed: bool = False
    costs: bool = False
    starts: bool = False  # a dict whose ``date`` is a start (``kind: window_start``), not a deadline
    origin: str = ""


class EvidenceSet:
    """Evidence indexed by comparable key (see :func:`keys`)."""

    def __init__(self) -> None:
        self.by_key: dict[Key, list[Evidence]] = defaultdict(list)

    def add(self, item: Evidence) -> None:
        for key in keys(item.kind, item.value, evidence=True):
            self.by_key[key].append(item)

    def find(self, kind: str, value: FigureValue) -> list[Evidence]:
        found: list[Evidence] = []
        for key in keys(kind, value, evidence=False):
            found += self.by_key.get(key, [])
        return found


def keys(kind: str, value: Any, *, evidence: bool) -> Iterator[Key]:
    """The keys a figure is filed under (evidence) or looked up by (claims).

    A date is filed under its year-month, month-day, month, year and fiscal year too, so that
    「12月25日」 or 「令和8年4月」 finds it; a rate and a percentage share one key (3/4 = 75%); a yen
    amount that is not a whole 万円 is also filed under its 万円 rounded down and to nearest.
    """
    if kind == "yen" and isinstance(value, int):
        yield ("yen", value)
        if evidence and value % 10_000:
            yield ("yen~", value // 10_000)
            yield ("yen~", (value + 5_000) // 10_000)
        elif not evidence and value and not value % 10_000:
            yield ("yen~", value // 10_000)
    elif kind in ("rate", "percent") and isinstance(value, Fraction):
        yield ("share", value * 100 if kind == "rate" else value)
    elif kind == "date" and isinstance(value, dt.date):
        yield ("date", value)
        if evidence:
            yield from _partial_keys(value.year, value.month, value.day)
    elif kind == "year_month" and isinstance(value, tuple):
        yield ("year_month", value)
        if evidence:
            yield from _partial_keys(value[0], value[1], None)
    elif kind == "month_day" and isinstance(value, tuple):
        yield ("month_day", value)
        if evidence:
            yield ("month", value[0])
    elif kind in ("year", "fiscal_year"):
        yield ("year", value)
    elif kind == "count" and isinstance(value, str):
        yield ("count", value)
        if not evidence:
            yield ("number", int("".join(c for c in value if c.isdigit()) or 0))
    else:
        yield (kind, value)


def _partial_keys(year: int, month: int, day: int | None) -> Iterator[Key]:
    yield ("year_month", (year, month))
    if day is not None:
        yield ("month_day", (month, day))
    yield ("month", month)
    yield ("year", year)
    yield ("year", year if month >= 4 else year - 1)  # the fiscal year (April to March)


def collect_evidence(reply: EngineReply, as_of: dt.date, catalogue: Catalogue) -> EvidenceSet:
    """The evidence of a reply: its tool results, its citations and the as-of date."""
    evidence = EvidenceSet()
    evidence.add(Evidence("date", as_of, origin="as_of"))
    ref_categories: dict[tuple[str, str, str], str | None] = {}
    for call in reply.tool_calls:
        programme = call.result.get("programme_id") or call.arguments.get("programme_id")
        ctx = _Context(programme=programme if isinstance(programme, str) else None, origin=call.name)
        _walk(call.result, ctx, "", evidence, catalogue, ref_categories)
    for citation in reply.citations:
        programme = catalogue.programme_of_doc(citation.source_id)
        category = ref_categories.get((citation.source_id, citation.section, citation.quote))
        ctx = _Context(programme=programme, category=category, origin=f"citation:{citation.section}")
        for text in (citation.title, citation.section, citation.quote):
            _add_text(text, ctx, None, evidence, catalogue)
    return evidence


def _walk(
    node: Any,
    ctx: _Context,
    key: str,
    out: EvidenceSet,
    catalogue: Catalogue,
    refs: dict[tuple[str, str, str], str | None],
) -> None:
    if isinstance(node, dict):
        ctx = _dict_context(node, ctx, key, catalogue)
        if {"doc", "section", "quote"} <= node.keys():
            ref = (str(node["doc"]), str(node["section"]), str(node["quote"]))
            refs[ref] = ctx.category if refs.get(ref, ctx.category) == ctx.category else None
        for name, value in node.items():
            _walk(value, ctx, str(name), out, catalogue, refs)
    elif isinstance(node, list):
        child = replace(ctx, costs=ctx.costs or key in _COST_LISTS)
        for item in node:
            _walk(item, child, key, out, catalogue, refs)
    elif isinstance(node, bool) or node is None or isinstance(node, float):
        return
    elif isinstance(node, int):
        _add_int(key, node, ctx, out)
    elif isinstance(node, str):
        _add_string(key, node, ctx, out, catalogue)


def _dict_context(node: dict[str, Any], ctx: _Context, key: str, catalogue: Catalogue) -> _Context:
    programme = ctx.programme
    for name in ("programme_id", "source_id", "doc"):
        value = node.get(name)
        if isinstance(value, str):
            programme = value if name == "programme_id" else catalogue.programme_of_doc(value)
            break
    category = ctx.category
    ref = node.get("category")
    if isinstance(ref, dict) and isinstance(ref.get("id"), str):
        category = ref["id"]
    elif key == "categories" and isinstance(node.get("id"), str):
        category = node["id"]
    status = node.get("status")
    failed = node.get("conditions_met") is False or status == "not_met"
    grant = (
        status == "calculated" or status in ("met", "unknown") or "best_amount_yen" in node
    ) and not failed
    starts = node.get("kind") == "window_start"
    round_ = node.get("round") if isinstance(node.get("round"), int) else ctx.round
    return replace(
        ctx, programme=programme, category=category, round=round_, grant=grant, failed=failed, starts=starts
    )


def _add_int(key: str, value: int, ctx: _Context, out: EvidenceSet) -> None:
    base = Evidence("number", value, ctx.programme, ctx.category, origin=f"{ctx.origin}.{key}")
    if key in ("amount_yen", "best_amount_yen"):
        grant = ctx.grant and not ctx.costs
        field = "cost" if ctx.costs else "amount"
        out.add(replace(base, kind="yen", field=field, grant=grant, failed=ctx.failed and not ctx.costs))
    elif key.endswith("_yen") or ctx.costs:
        out.add(replace(base, kind="yen", field="cost" if ctx.costs else _MONEY_KEYS.get(key)))
    elif key.startswith("days"):
        out.add(replace(base, kind="duration", value=f"{value}日"))
    elif key == "round":
        out.add(replace(base, kind="round"))
    elif key.endswith("_pct"):
        out.add(replace(base, kind="percent", value=Fraction(value)))
    elif key.endswith("_t"):
        out.add(replace(base, kind="tonnes", value=Fraction(value)))
    else:
        out.add(base)


def _add_string(key: str, value: str, ctx: _Context, out: EvidenceSet, catalogue: Catalogue) -> None:
    if key in ("rate", "factor"):
        with contextlib.suppress(ValueError, ZeroDivisionError):
            out.add(
                Evidence(
                    "rate", Fraction(value), ctx.programme, ctx.category, "rate", origin=f"{ctx.origin}.{key}"
                )
            )
            return
    if key in _DATE_KEYS or key == "as_of":
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(value)
            field = "start" if key == "date" and ctx.starts else _DATE_KEYS.get(key)
            origin = f"{ctx.origin}.{key}"
            out.add(Evidence("date", day, ctx.programme, ctx.category, field, ctx.round, origin=origin))
            return
    _add_text(value, ctx, key, out, catalogue)


def _add_text(text: str, ctx: _Context, key: str | None, out: EvidenceSet, catalogue: Catalogue) -> None:
    info = catalogue.programmes.get(ctx.programme or "")
    for placed in analyse(text, catalogue.category_names):
        if placed.instruction:
            continue
        category = ctx.category
        if placed.category is not None:
            known = info.category(placed.category) if info else None
            category = known.id if known else placed.category
        round_ = placed.round if placed.round is not None else ctx.round
        origin = f"{ctx.origin}.{key}" if key else ctx.origin
        figure = placed.figure
        out.add(
            Evidence(figure.kind, figure.value, ctx.programme, category, placed.field, round_, origin=origin)
        )

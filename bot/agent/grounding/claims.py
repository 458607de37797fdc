"""Claims: each figure of the answer with the subject the sentence attaches it to.

* programme — named in the sentence (the nearest name before the figure, a name in parentheses
  right after it, else one after it), else the last programme named earlier in the answer (a
  heading, the previous sentence), else the answer's programmes (its tool calls), else the
  programmes the user's question names; None when nothing names one. A fiscal year in the
  sentence (「令和8年度の…」) narrows a programme to that edition.
* category — 「区分3」 or a category name in the sentence (see :mod:`bot.agent.grounding.text`);
  for a date, the application round (「第2回の締切は…」).
* field — from the words around the figure, wherever they stand in the sentence.

A yen figure whose field is *amount* states the grant (「助成額は…」, 「…が受け取れます」) unless
the sentence denies it (「…は受け取れません」, 「…ではなく」) or it is an upper bound (「…未満」).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.agent.grounding.catalogue import Catalogue, Mention
from bot.agent.grounding.text import (
    CONDITIONS_NOT_MET,
    Placed,
    Unit,
    is_negated,
    is_upper_bound,
    place_unit,
    units,
)
from bot.tools.figures import Figure


@dataclass(frozen=True)
class Claim:
    """A figure of the answer and what the answer says it is."""

    figure: Figure  # text and value as in the answer (span within ``sentence``)
    sentence: str
    programmes: frozenset[str] | None  # None: the answer names no programme for it
    category: str | None
    round: int | None  # the application round named for a date (「第2回の締切は…」)
    field: str | None
    strong: bool
    grant: bool  # states the grant amount
    negated: bool
    conditions_not_met: bool  # the sentence says the category's conditions are not met


def find_claims(
    answer: str, catalogue: Catalogue, default: Sequence[str] = (), question: str = ""
) -> list[Claim]:
    """The claims of ``answer``; ``default``: the answer's programmes (from its tool calls)."""
    fallback = _known(default) or _mentioned(catalogue, question)
    context: frozenset[str] | None = None
    claims: list[Claim] = []
    for unit in units(answer):
        text = unit.text
        mentions = catalogue.mentions(text)
        placed = place_unit(unit, catalogue.category_names)
        for item in placed:
            programmes = _programmes_for(item, mentions, text, catalogue) or context or fallback or None
            claims.append(_claim(item, programmes, catalogue))
        strong = [m for m in mentions if not m.weak]
        if strong:
            context = catalogue.narrow_to_edition(strong[-1].programmes, text)
    return claims


def _claim(item: Placed, programmes: frozenset[str] | None, catalogue: Catalogue) -> Claim:
    text = item.unit.text
    figure = item.figure
    negated = is_negated(text, figure)
    grant = (
        figure.kind == "yen" and item.field == "amount" and not negated and not is_upper_bound(text, figure)
    )
    return Claim(
        figure=figure,
        sentence=text,
        programmes=programmes,
        category=_category_id(item.category, programmes, catalogue),
        round=item.round,
        field=item.field,
        strong=item.strong,
        grant=grant,
        negated=negated,
        conditions_not_met=CONDITIONS_NOT_MET.search(text) is not None,
    )


def _programmes_for(
    item: Placed, mentions: list[Mention], text: str, catalogue: Catalogue
) -> frozenset[str] | None:
    figure = item.figure
    rest = text[figure.end :].lstrip()
    if rest.startswith(("（", "(")):
        lo = len(text) - len(rest)
        close = next((i for i, c in enumerate(rest) if c in "）)"), len(rest))
        inside = [m for m in mentions if lo <= m.start and m.end <= lo + close]
        if inside:
            return catalogue.narrow_to_edition(inside[0].programmes, text)
    before = [m for m in mentions if m.end <= figure.start]
    if before:
        return catalogue.narrow_to_edition(before[-1].programmes, text)
    after = [m for m in mentions if m.start >= figure.end]
    if after:
        return catalogue.narrow_to_edition(after[0].programmes, text)
    return None


def _category_id(mention: str | None, programmes: frozenset[str] | None, catalogue: Catalogue) -> str | None:
    """「3」 stays 「3」; a category name becomes its id in the programmes in scope."""
    if mention is None:
        return None
    for pid in sorted(programmes or ()):
        info = catalogue.programmes.get(pid)
        known = info.category(mention) if info else None
        if known is not None:
            return known.id
    return mention if mention.isdigit() else None


def _known(ids: Sequence[str]) -> frozenset[str] | None:
    return frozenset(ids) or None


def _mentioned(catalogue: Catalogue, text: str) -> frozenset[str] | None:
    found = frozenset(pid for m in catalogue.mentions(text) for pid in m.programmes) if text else frozenset()
    return found or None


__all__ = ["Claim", "Unit", "find_claims"]

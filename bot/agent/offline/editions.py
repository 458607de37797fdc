"""Which fiscal-year edition a message asks about: 「令和7年度の…」 is about that year's terms."""

from __future__ import annotations

import re

from bot.agent.offline.detect import normalise
from bot.agent.toolkit import Toolkit
from bot.knowledge.models import Programme
from bot.retrieval.synonyms import era_terms

_FISCAL_SHORT = re.compile(r"(?<![a-z0-9])[rh]\d{1,2}(?![a-z0-9])")  # R7, H22 (normalised: lower case)


def named_editions(toolkit: Toolkit, message: str) -> list[Programme]:
    """Editions other than the ones in force whose fiscal year the message names (「令和7年度の
    …」, 「2025年度」, 「R7」): the user asks about that year's terms, not this year's."""
    text = normalise(message)
    if "年度" not in text and not _FISCAL_SHORT.search(text):
        return []  # 「2025年12月」 is a date, not a fiscal year
    spellings = [text, *map(normalise, era_terms(message))]
    current = toolkit.programmes
    found: dict[str, Programme] = {}
    for programme in toolkit.deps.knowledge.programmes.values():
        label = normalise(programme.edition_label)
        if programme.id in current or not label or programme.family in found:
            continue
        if any(label in spelling for spelling in spellings):
            found[programme.family] = programme
    return list(found.values())

"""Figures a yes/no question asks to confirm: 「区分2の上限は2,500万円で合ってる？」.

A question that states a rate or a cap (「助成率は4分の3という理解で合っていますか」「Is the cap
for category 1 ¥45M?」) is answered from the programme's categories: the ones the question
names (区分N / category N), else those whose conditions the stated facts meet (「年間28トン以上
減らせる場合」: 区分1), else those they do not rule out. はい when every such category has the
figure, いいえ when none has it (the rates-and-caps table that follows shows the right one),
条件によります when only some do.
「全額」「満額」 are answered 条件によります where a category pays 10/10 or the cap is the figure
claimed: what is paid also turns on the cap and on the costs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from fractions import Fraction

from bot.agent.offline.situation import Situation
from bot.agent.offline.verdicts import Verdict
from bot.errors import InputError
from bot.knowledge.models import Category, RateCapCalculation
from bot.tools.figures import extract_figures
from bot.tools.grant import evaluate_category

_NAMED_CATEGORY = re.compile(r"区分\s*(\d+)|\bcategory\s*(\d+)", re.IGNORECASE)
_RATE_WORDS = ("全額", "満額", "半額")
_WHOLE = ("全額", "満額")


def claimed_rates(s: Situation, question: str) -> list[Fraction]:
    """The rates the question states: fractions (「4分の3」「3/4」) and percentages said of the
    rate (read by the slot rules as premises)."""
    fractions = [
        f.value
        for f in extract_figures(question)
        if f.kind == "rate" and isinstance(f.value, Fraction) and f.text not in _RATE_WORDS
    ]
    return fractions + [p / 100 for p in s.claimed_percents]


def claim_verdict(s: Situation, question: str) -> Verdict | None:
    """はい／いいえ／条件によります for the rates and caps the question states (None: it states none,
    or the programme has no rate-and-cap categories)."""
    calc = s.programme.calculation if s.programme else None
    if not isinstance(calc, RateCapCalculation):
        return None
    rates, caps = claimed_rates(s, question), list(s.claimed_yen)
    whole = any(f.text in _WHOLE for f in extract_figures(question))
    if not rates and not caps and not whole:
        return None
    assert s.programme is not None
    facts = {
        spec.name: s.slots[spec.name] for spec in s.programme.inputs if s.slots.get(spec.name) is not None
    }
    candidates = _candidates(calc.categories, question, facts)
    if not candidates:
        return None
    shares = [sum(c.rate == r for c in candidates) for r in rates]
    shares += [sum(c.cap_yen == y for c in candidates) for y in caps]
    if 0 in shares:
        return "no"
    if whole:
        # 「全額出る？」 (a rate of 10/10) or 「上限の4,500万円を満額もらえる？」: up to the cap, and
        # only when the costs reach it
        if not caps and not any(c.rate == 1 for c in candidates):
            return "no"
        return "depends"
    return "yes" if all(n == len(candidates) for n in shares) else "depends"


def _candidates(categories: Sequence[Category], question: str, facts: dict[str, object]) -> list[Category]:
    text = unicodedata.normalize("NFKC", question)
    named = {a or b for a, b in _NAMED_CATEGORY.findall(text)}
    if named:
        return [c for c in categories if c.id in named]
    met = [c for c in categories if _met(c, facts) is True]
    return met or [c for c in categories if _met(c, facts) is not False]


def _met(category: Category, facts: dict[str, object]) -> bool | None:
    """Whether the stated facts meet the category's conditions (None: not known)."""
    if category.when is None:
        return None
    try:
        return evaluate_category(category, facts).value
    except InputError:  # a fact given in a form the condition cannot read: not ruled out
        return None

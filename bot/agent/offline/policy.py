"""Small decision rules of the dialogue manager: which of overlapping intents wins, which
category the user named, which facts a condition reads.
"""

from __future__ import annotations

import re
from typing import Any

from bot.agent.offline.detect import Detection, normalise
from bot.knowledge.models import AllOf, AnyOf, Check, Condition, Programme, RateCapCalculation

COST_SLOTS = ("costs", "eligible_cost_yen")
# What a discovery question (「使える補助金はある？」) answers for every programme at once: which
# fit, whether each is open (deadlines), and how to go on.
DISCOVERY_ANSWERS = frozenset(
    {"eligibility", "overview", "find", "deadline", "how_to_apply", "amount", "rate_cap"}
)
_APPLICANT_WORDS = re.compile(r"企業|会社|法人|個人事業|うち|当社|弊社|私|申請者|団体|事業者")


def prune(intents: list[str], det: Detection, slots: dict[str, Any], message: str) -> list[str]:
    """Resolve overlapping intents: the more specific one wins."""
    has_cost = any(slots.get(k) for k in COST_SLOTS)
    if det.find and not det.named and not has_cost and set(intents) <= DISCOVERY_ANSWERS:
        return ["find"]  # 「いま申し込める補助金は？」: which programmes, each with its status
    if "amount" in intents and "rate_cap" in intents:
        intents.remove("rate_cap" if has_cost else "amount")
    if "comparison" in intents and "amount" in intents:
        intents.remove("amount")
    if "eligible_costs" in intents and "eligibility" in intents and not _APPLICANT_WORDS.search(message):
        intents.remove("eligibility")
    if len(intents) > 1 and "overview" in intents:
        intents.remove("overview")
    return intents


_CATEGORY = re.compile(r"区分\s*([0-9]+)\s*(\([^)]*\))?\s*(で|に|の場合|なら|として)")


def named_category(message: str, programme: Programme | None) -> str | None:
    """A numbered category the user chose (「区分3で申請したい」), if the programme has it."""
    calc = programme.calculation if programme else None
    if not isinstance(calc, RateCapCalculation):
        return None
    named = {m.group(1) for m in _CATEGORY.finditer(normalise(message))}
    ids = {c.id for c in calc.categories}
    return named.pop() if len(named) == 1 and named <= ids else None


def condition_facts(condition: Condition | None) -> set[str]:
    """The fact names a condition reads."""
    if isinstance(condition, Check):
        return {condition.fact}
    if isinstance(condition, AllOf):
        return set().union(*(condition_facts(c) for c in condition.all))
    if isinstance(condition, AnyOf):
        return set().union(*(condition_facts(c) for c in condition.any))
    return set()


def ja_month(published: str) -> str:
    parts = published.split("-")
    if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]):
        return f"{int(parts[0])}年{int(parts[1])}月"
    return published

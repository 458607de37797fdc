"""What the session remembers after a turn: the facts a message stated merged into its slots.

A new programme drops the last one's costs and category; 「設計費200万も足したら」 adds items
on top of a total given earlier; 「工事費が300万円なら」 changes one item and keeps the others;
a stated company size replaces one derived from the SME Basic Act, which is derived again when
the industry, capital or employees change.
"""

from __future__ import annotations

import re
from typing import Any

from bot.agent.offline.policy import COST_SLOTS
from bot.agent.offline.slots import Extraction, derive_sme

ADDED_COSTS = "added_costs"  # items added on top of the eligible total (「設計費200万も足したら」)
_ADD = re.compile(r"足(し|す|せ)|追加|加え|プラス|含め")
_ONLY = re.compile(r"だけ|のみ|以外なし|しかない")


def update_slots(
    slots: dict[str, Any], ext: Extraction, pid: str | None, previous: str | None, message: str, lang: str
) -> None:
    """Merge the turn's ``ext.changes`` into ``slots`` (in place) for programme ``pid``."""
    if pid is not None and previous is not None and pid != previous:
        for key in (*COST_SLOTS, ADDED_COSTS, "category"):  # another programme's costs are not this one's
            if key not in ext.changes:
                slots.pop(key, None)
    _merge_costs(slots, ext, message)
    for key, value in ext.changes.items():
        if value is None:
            slots.pop(key, None)
        else:
            slots[key] = value
    if pid is not None:
        slots["programme_id"] = pid
    if lang == "en":  # a short follow-up («and the deadline?») stays English
        slots["lang"] = "en"
    else:
        slots.pop("lang", None)
    _company_size(slots, ext)


def _merge_costs(slots: dict[str, Any], ext: Extraction, message: str) -> None:
    total, earlier = ext.changes.get("eligible_cost_yen"), slots.get("eligible_cost_yen")
    adding = _ADD.search(message) and not ext.changes.get("costs")
    if adding and isinstance(total, int) and isinstance(earlier, int):
        ext.changes["eligible_cost_yen"] = earlier + total  # 「断熱窓も追加で300万円」 on top of the total
    costs = ext.changes.get("costs")
    if costs and slots.get("eligible_cost_yen") is not None and _ADD.search(message):
        # 「設計費200万も足したら」 on top of an unitemised total: the total stays, the new items go
        # to the calculator as additional_costs. It adds the items the category counts (the
        # steps show the sum) and lists the others as excluded, with the reason.
        ext.changes.pop("costs")
        ext.changes.pop("eligible_cost_yen", None)
        added = slots.get(ADDED_COSTS)
        ext.changes[ADDED_COSTS] = {**(added if isinstance(added, dict) else {}), **costs}
        costs = None
    elif set(COST_SLOTS) & set(ext.changes):
        ext.changes[ADDED_COSTS] = None  # a new total (「合計は2,000万円です」) or new items
    if costs and isinstance(slots.get("costs"), dict) and not _ONLY.search(message):
        ext.changes["costs"] = {**slots["costs"], **costs}  # 「工事費が300万円なら」: one item changes


def _company_size(slots: dict[str, Any], ext: Extraction) -> None:
    if "is_sme" in ext.changes:
        slots.pop("sme_derived", None)
    elif ext.changes.get("org_type") in ("sme_company", "large_company"):
        slots["is_sme"] = ext.changes["org_type"] == "sme_company"
        slots.pop("sme_derived", None)
    elif {"capital_yen", "employees", "industry"} & set(ext.changes):
        derived = derive_sme(slots)
        if derived is not None:  # 中小企業基本法 from industry, capital, employees
            slots["is_sme"] = derived
            slots["sme_derived"] = True
            if not slots.get("org_type"):  # capital and employees are a company's
                slots["org_type"] = "sme_company" if derived else "large_company"

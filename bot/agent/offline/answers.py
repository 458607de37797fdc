"""Answers computed by the calculators: the amount, rates and caps, eligible costs, categories.

Every yen amount comes from ``calculate_grant`` / ``recommend_category`` (their steps are shown)
or from the programme's sourced facts; the templates are in bot/prompts/offline/.
"""

from __future__ import annotations

from typing import Any

from bot.agent.offline.render import bullets, render
from bot.agent.offline.situation import Section, Situation, ask, cite, passages, programme_facts
from bot.errors import InputError
from bot.knowledge.models import Programme, RateCapCalculation, WorksheetCalculation
from bot.tools.conditions import MissingFact
from bot.tools.grant_models import GrantResult, category_label
from bot.tools.parsing import format_yen
from bot.tools.worksheet import format_rate


def amount(s: Situation) -> Section:
    assert s.programme is not None
    if s.programme.calculation is None:
        return not_a_grant(s)
    kwargs = cost_arguments(s)
    if s.category is not None and isinstance(s.programme.calculation, RateCapCalculation):
        kwargs["category"] = s.category
    try:
        result = s.toolkit.calculate_grant(s.pid, **kwargs)
    except InputError as exc:
        return Section(render("common.error", message=exc.message_ja))
    correction = premise_notes(s)
    if result.status == "calculated" and result.conditions_met is None and result.missing:
        # A category the user chose whose conditions are not confirmed yet: ask before stating an amount.
        text = render("amount.need_info", programme_name=s.name, known=_known(result))
        return ask("\n\n".join(p for p in (correction, text) if p), result.missing)
    if result.status == "calculated":
        return Section("\n\n".join(p for p in (correction, _calculated(s, result)) if p))
    if result.status == "need_info" and result.missing:
        text = render("amount.need_info", programme_name=s.name, known=_known(result))
        return ask("\n\n".join(p for p in (correction, text) if p), result.missing)
    reasons = bullets(result.warnings)
    return Section(
        render("amount.not_eligible", programme_name=s.name, message=result.message, reasons=reasons)
    )


def cost_arguments(s: Situation) -> dict[str, Any]:
    """facts, and the costs: per item if given, else the total (a rate-cap programme only) and the
    items the user added on top of it (the calculator adds them, 「設計費200万も足したら」)."""
    kwargs: dict[str, Any] = {"facts": s.facts}
    if s.costs:
        kwargs["costs"] = s.costs
    elif s.eligible_cost_yen is not None and isinstance(
        s.programme and s.programme.calculation, RateCapCalculation
    ):
        kwargs["eligible_cost_yen"] = s.eligible_cost_yen
        if s.slots.get("added_costs"):
            kwargs["additional_costs"] = dict(s.slots["added_costs"])
    return kwargs


def _known(result: GrantResult) -> str:
    if result.category is None or result.rate is None:
        return ""
    cap = format_yen(result.cap_yen) if result.cap_yen is not None else "記載なし"
    return f"{result.category.label}（助成率 {format_rate(result.rate)}、助成上限額 {cap}）で計算します。"


def _calculated(s: Situation, result: GrantResult) -> str:
    assert result.amount_yen is not None
    excluded = ""
    if result.excluded:
        lines = bullets(f"{x.name} {format_yen(x.amount_yen)}: {x.reason}" for x in result.excluded)
        excluded = render("amount.excluded", lines=lines)
    notes: list[str] = []
    if result.rounding is not None and not result.rounding.stated:
        notes.append(render("amount.rounding", rule=result.rounding.description))
    notes += [w for w in result.warnings if "端数処理" not in w]
    verdict = None
    if s.programme is not None and s.programme.eligibility:
        verdict = s.toolkit.check_eligibility(s.pid, programme_facts(s.programme, s.slots, company=True))
    text = render(
        "amount.calculated",
        programme_name=s.name,
        headline=_headline(s, result),
        amount=format_yen(result.amount_yen),
        steps=bullets(result.steps),
        excluded=excluded,
        notes=bullets(notes),
    )
    if verdict is not None and verdict.status == "not_eligible":
        reasons = bullets(r.fail_reason or r.description for r in verdict.rules if r.outcome == "fail")
        text += "\n\n" + render("amount.eligibility_warning", reasons=reasons)
    return text


def _headline(s: Situation, result: GrantResult) -> str:
    """「区分1の助成額」, or the worksheet's result line (「(6) 補助金所要額」)."""
    if result.category is not None:
        return f"{result.category.label}の助成額"
    calc = s.programme.calculation if s.programme else None
    if isinstance(calc, WorksheetCalculation):
        line = next((ln for ln in calc.lines if ln.id == calc.result_line), None)
        if line is not None:
            return line.label.split(" (")[0]
    return "助成額"


def not_a_grant(s: Situation) -> Section:
    assert s.programme is not None
    result = s.toolkit.calculate_grant(s.pid)
    notes = s.notes("補助金・助成金ではない")
    cite(s.toolkit, [s.programme.summary.source])
    return Section(
        render(
            "amount.not_a_grant",
            programme_name=s.name,
            message=result.message,
            summary=s.programme.summary.value,
            notes=bullets(n.value for n in notes),
        )
    )


def premise_notes(s: Situation) -> str:
    """Correct a stated rate or cap that no category of the programme has."""
    calc = s.programme.calculation if s.programme else None
    if not isinstance(calc, RateCapCalculation):
        return ""
    rates = {category.rate * 100 for category in calc.categories}
    caps = {category.cap_yen for category in calc.categories if category.cap_yen is not None}
    actual_rates = "、".join(f"{category_label(c)} {format_rate(c.rate)}" for c in calc.categories)
    actual_caps = "、".join(
        f"{category_label(c)} {format_yen(c.cap_yen)}" for c in calc.categories if c.cap_yen is not None
    )
    notes = [
        render("common.premise_rate", actual=actual_rates) for p in s.claimed_percents if p not in rates
    ][:1]
    notes += [render("common.premise_cap", actual=actual_caps) for y in s.claimed_yen if y not in caps][:1]
    if notes:
        cite(s.toolkit, [c.source for c in calc.categories])
    return "\n\n".join(notes)


# --- rates, categories, costs -----------------------------------------------------------------


def rate_cap(s: Situation) -> Section:
    assert s.programme is not None
    calc = s.programme.calculation
    s.programme_facts()
    correction = premise_notes(s)
    if isinstance(calc, RateCapCalculation):
        names = {item.id: item.name for item in calc.cost_items}
        rows = "\n".join(
            f"| {category_label(c)}（{c.name}） | {format_rate(c.rate)} | "
            f"{format_yen(c.cap_yen) if c.cap_yen is not None else '記載なし'} | "
            f"{'・'.join(names[i] for i in c.eligible_items)} |"
            for c in calc.categories
        )
        cite(s.toolkit, [c.source for c in calc.categories])
        notes = s.notes(r"限度額|区分|上限")
        return Section(
            render(
                "rate_cap.categories",
                programme_name=s.name,
                correction=correction,
                rows=rows,
                notes=bullets(n.value for n in notes),
            )
        )
    if isinstance(calc, WorksheetCalculation):
        cite(s.toolkit, [line.source for line in calc.lines])
        notes = s.notes("上限")
        return Section(
            render(
                "rate_cap.worksheet",
                programme_name=s.name,
                correction=correction,
                lines=bullets(line.label for line in calc.lines),
                notes=bullets(n.value for n in notes),
            )
        )
    return not_a_grant(s)


def eligible_costs(s: Situation) -> Section:
    assert s.programme is not None
    calc = s.programme.calculation
    facts = s.programme_facts()
    categories = excluded = ""
    if isinstance(calc, RateCapCalculation):
        names = {item.id: item.name for item in calc.cost_items}
        categories = bullets(
            f"{category_label(c)}: {'、'.join(names[i] for i in c.eligible_items)}" for c in calc.categories
        )
        cite(s.toolkit, [item.source for item in calc.cost_items])
        if facts.excluded_costs:
            excluded = "**対象外の経費:**\n" + bullets(facts.excluded_costs)
            cite(s.toolkit, [x.source for x in calc.excluded_costs])
    elif calc is None:
        return not_a_grant(s)
    passage = passages(s, k=1)
    return Section(
        render(
            "eligible_costs", programme_name=s.name, categories=categories, excluded=excluded, passage=passage
        )
    )


def comparison(s: Situation) -> Section:
    assert s.programme is not None
    if not isinstance(s.programme.calculation, RateCapCalculation):
        return amount(s) if s.programme.calculation is not None else not_a_grant(s)
    kwargs = cost_arguments(s)
    try:
        result = s.toolkit.recommend_category(s.pid, **kwargs)
        lines = list(result.lines)
        priced = "eligible_cost_yen" in kwargs or "costs" in kwargs
        unknown = [o for o in result.options if o.status == "unknown"]
        if priced and unknown and not any(o.status == "met" for o in result.options):
            # 「中小企業と大企業でいくら違う？」: what each category would pay, conditions aside.
            lines = [_if_category(s, o.category.id, kwargs) for o in result.options]
            missing: list[MissingFact] = []
        else:
            missing = list(result.missing)
    except InputError as exc:
        return Section(render("common.error", message=exc.message_ja))
    met = [o for o in result.options if o.status == "met" and o.amount_yen is not None]
    same = ""
    if len(met) > 1 and len({o.amount_yen for o in met}) == 1 and met[0].amount_yen is not None:
        labels = "と".join(o.category.label for o in met)
        same = render("comparison_same", labels=labels, amount=format_yen(met[0].amount_yen))
    notes = s.notes("区分")  # also grounds the rate table below
    text = render(
        "comparison",
        programme_name=s.name,
        message="\n\n".join(p for p in (result.message, same) if p),
        lines=bullets(lines),
        rates=rate_lines(s.programme),
        notes=bullets(n.value for n in notes),
    )
    return ask(text, missing) if missing else Section(text)


def _if_category(s: Situation, category: str, kwargs: dict[str, Any]) -> str:
    result = s.toolkit.calculate_grant(s.pid, category=category, **kwargs)
    label = result.category.label if result.category else category
    if result.amount_yen is None:
        return f"{label}: {result.message}"
    rate = format_rate(result.rate) if result.rate is not None else ""
    return f"{label}の場合: {format_yen(result.amount_yen)}（助成率 {rate}）"


# --- eligibility, status, overview ----------------------------------------------------------------


def rate_lines(programme: Programme) -> str:
    calc = programme.calculation
    if isinstance(calc, RateCapCalculation):
        return bullets(
            f"{category_label(c)}（{c.name}）: 助成率 {format_rate(c.rate)}、上限 "
            f"{format_yen(c.cap_yen) if c.cap_yen is not None else '記載なし'}"
            for c in calc.categories
        )
    if isinstance(calc, WorksheetCalculation):
        result = next((line.label for line in calc.lines if line.id == calc.result_line), "")
        return f"- 補助額の算定: {result}"
    return "- 助成金・補助金ではありません（助成額の計算はありません）"

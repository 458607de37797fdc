"""申請区分の比較 — compare a rate-cap programme's categories for one applicant.

For each category: whether the facts meet its conditions (met / not met / unknown, with the
missing facts as questions), what it would pay for the given costs, and a Japanese line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from bot.knowledge.models import Category, Programme, RateCapCalculation
from bot.tools.conditions import MissingFact, coerce_facts, describe_failures, missing_facts
from bot.tools.grant import (
    RateCapComputation,
    check_cost_inputs,
    compute_rate_cap,
    cost_question,
    evaluate_category,
    find_category,
    no_calculation_result,
    resolve_additional_costs,
    resolve_costs,
)
from bot.tools.grant_models import CategoryOption, GrantInput, Recommendation, category_label, category_ref
from bot.tools.parsing import format_yen

NO_CATEGORIES = "この制度には比較できる申請区分がありません。"


def recommend_category(
    programme: Programme,
    facts: Mapping[str, object],
    costs: Mapping[str, int] | None = None,
    eligible_cost_yen: int | None = None,
    additional_costs: Mapping[str, int] | None = None,
) -> Recommendation:
    """申請区分を比較し、要件を満たす区分と助成額が最大の区分を示す。

    Compare the programme's categories for an applicant: met / not met / unknown (with the
    missing facts), the amount each would pay for the given costs, the best one, and one
    Japanese line per category such as 「区分3: 対象 → 800万円」. ``additional_costs`` are
    added on top of ``eligible_cost_yen`` where the category counts them, as in calculate_grant.
    """
    calc = programme.calculation
    if not isinstance(calc, RateCapCalculation) or not calc.categories:
        message = no_calculation_result(programme).message if calc is None else NO_CATEGORIES
        return Recommendation(programme_id=programme.id, programme_name=programme.name.value, message=message)
    inputs = GrantInput(
        costs=dict(costs or {}),
        eligible_cost_yen=eligible_cost_yen,
        additional_costs=dict(additional_costs or {}),
    )
    check_cost_inputs(inputs)
    coerced = coerce_facts(programme.inputs, facts)
    resolved = resolve_costs(calc, inputs.costs)
    added = resolve_additional_costs(calc, resolved, inputs.additional_costs)
    priced = eligible_cost_yen is not None or bool(resolved)
    options = [
        _option(programme, calc, category, coerced, eligible_cost_yen, resolved, added, priced)
        for category in calc.categories
    ]
    best = _best_option([option for option in options if option.status == "met"], priced)
    missing = [m for option in options for m in option.missing]
    if not priced:
        missing.append(cost_question(calc, _category_of(calc, best)))
    return Recommendation(
        programme_id=programme.id,
        programme_name=programme.name.value,
        options=options,
        best=best.category if best else None,
        best_amount_yen=best.amount_yen if best else None,
        lines=[option.line for option in options],
        missing=list({m.name: m for m in missing}.values()),
        message=_recommendation_message(options, best),
    )


def _best_option(met: list[CategoryOption], priced: bool) -> CategoryOption | None:
    """The met category paying most (the first on a tie); without costs, only a single met one."""
    if priced and met:
        return max(met, key=lambda option: option.amount_yen or 0)
    return met[0] if len(met) == 1 else None


def _category_of(calc: RateCapCalculation, option: CategoryOption | None) -> Category:
    if option is None:
        return calc.categories[0]
    return find_category(calc, option.category.id)


def _option(
    programme: Programme,
    calc: RateCapCalculation,
    category: Category,
    facts: Mapping[str, object],
    eligible_total: int | None,
    costs: Mapping[str, int],
    added: Mapping[str, int],
    priced: bool,
) -> CategoryOption:
    result = evaluate_category(category, facts)
    comp = compute_rate_cap(calc, category, eligible_total, costs, added) if priced else None
    status: Literal["met", "not_met", "unknown"] = (
        "met" if result.value is True else "not_met" if result.value is False else "unknown"
    )
    reasons = describe_failures(result, facts, {spec.name: spec for spec in programme.inputs})
    missing = missing_facts(result.missing, programme.inputs)
    return CategoryOption(
        category=category_ref(category),
        status=status,
        amount_yen=comp.amount if comp else None,
        capped=comp.capped if comp else False,
        reasons=reasons,
        missing=missing,
        line=_option_line(category, status, comp, reasons, missing),
        source=category.source,
    )


def _option_line(
    category: Category,
    status: str,
    comp: RateCapComputation | None,
    reasons: list[str],
    missing: list[MissingFact],
) -> str:
    amount = f"{format_yen(comp.amount)}{'（上限額）' if comp.capped else ''}" if comp else None
    if status == "not_met":
        return f"{category_label(category)}: 要件未達（{'、'.join(reasons)}）"
    if status == "unknown":
        labels = "、".join(m.label for m in missing)
        suffix = f" → 要件を満たせば {amount}" if amount else ""
        return f"{category_label(category)}: 要確認（未確認: {labels}）{suffix}"
    if amount:
        return f"{category_label(category)}: 対象 → {amount}"
    return f"{category_label(category)}: 対象（対象経費を入力すると助成額を計算できます）"


def _recommendation_message(options: list[CategoryOption], best: CategoryOption | None) -> str:
    if best is not None and best.amount_yen is not None:
        return f"最も有利な申請区分は「{best.category.label}」です（助成額 {format_yen(best.amount_yen)}）。"
    met = [o.category.label for o in options if o.status == "met"]
    if met:
        return f"要件を満たす申請区分: {'、'.join(met)}。対象経費を入力すると助成額を比較できます。"
    if any(o.status == "unknown" for o in options):
        return "申請区分を判定するための情報が不足しています。"
    return "入力された情報では、どの申請区分の要件も満たしていません。"

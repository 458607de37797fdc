"""助成額の計算 — grant calculators driven by the programme's data.

``rate_cap``: amount = min(rounded(eligible cost × rate), cap), the category given or chosen by
its conditions; the eligible cost is a total, per-item costs, or a total plus items added on top of
it (``additional_costs``: 「設計費200万も足したら」), each addition shown in the steps;
``worksheet``: a form's numbered lines (see :mod:`bot.tools.worksheet`).
Money is int yen and rates are ``Fraction``; nothing here knows any particular programme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from bot.knowledge.models import (
    Category,
    CostItem,
    ExcludedCost,
    InputSpec,
    Programme,
    RateCapCalculation,
    SourceRef,
    WorksheetCalculation,
)
from bot.tools.conditions import (
    ConditionResult,
    MissingFact,
    coerce_facts,
    describe_failures,
    evaluate_condition,
    missing_facts,
)
from bot.tools.grant_models import (
    AdditionalCostsWithoutTotalError,
    ConflictingCostsError,
    CostLine,
    ExcludedCostLine,
    GrantInput,
    GrantResult,
    NegativeAmountError,
    UnknownCategoryError,
    UnknownCostItemError,
    category_label,
    category_ref,
    category_title,
    unique_sources,
)
from bot.tools.parsing import format_yen_plain
from bot.tools.worksheet import (
    UNSTATED_NOTE,
    calculate_worksheet_grant,
    cap_step,
    format_exact_yen,
    format_rate,
    format_yen_both,
    round_product,
    rounding_info,
)

COST_FACT = "eligible_cost_yen"
WORKSHEET_IGNORES_ADDITIONS = (
    "この制度は様式の各行から計算するため、上乗せする経費（additional_costs）も使っていません。"
    "各行の金額を入力してください。"
)


@dataclass(frozen=True)
class RateCapComputation:
    """The arithmetic of one category over the given costs."""

    eligible: int
    amount: int
    capped: bool
    rounded: bool
    included: list[CostLine]
    excluded: list[ExcludedCostLine]
    steps: list[str]


# --- entry point ---------------------------------------------------------------------------


def calculate_grant(programme: Programme, inputs: GrantInput) -> GrantResult:
    """助成額を計算する（対象経費×助成率、上限額、端数処理、各段階の根拠つき）。

    Compute the grant amount from the programme's data: eligible cost × rate, capped, rounded,
    or a form worksheet, with every step in Japanese and the source of every parameter used.
    Missing facts or costs give ``status='need_info'`` with the questions to ask.
    """
    calc = programme.calculation
    if calc is None:
        return no_calculation_result(programme)
    check_cost_inputs(inputs)
    facts = coerce_facts(programme.inputs, inputs.facts)
    if isinstance(calc, WorksheetCalculation):
        result = calculate_worksheet_grant(programme, calc, inputs, facts)
        if not inputs.additional_costs:
            return result
        return result.model_copy(update={"warnings": [*result.warnings, WORKSHEET_IGNORES_ADDITIONS]})
    return _calculate_rate_cap(programme, calc, inputs, facts)


def no_calculation_result(programme: Programme) -> GrantResult:
    """A clear answer for a programme without a calculation (e.g. a support plan, not a grant)."""
    name = programme.name.value
    if programme.kind == "support_plan":
        message = f"「{name}」は助成金・補助金ではない支援制度のため、助成額の計算はありません。"
    else:
        message = f"「{name}」には助成額の計算方法が登録されていません。金額は募集要項で確認してください。"
    return GrantResult(
        programme_id=programme.id,
        programme_name=name,
        status="no_calculation",
        message=message,
        sources=[programme.summary.source],
    )


def check_cost_inputs(inputs: GrantInput) -> None:
    """Refuse negative costs, and costs to add without the total they are added to (with a
    Japanese and an English message)."""
    if inputs.eligible_cost_yen is not None and inputs.eligible_cost_yen < 0:
        raise NegativeAmountError("対象経費", "The eligible cost", inputs.eligible_cost_yen)
    for item, amount in inputs.costs.items():
        if amount < 0:
            raise NegativeAmountError(f"経費「{item}」", f"Cost '{item}'", amount)
    for item, amount in inputs.additional_costs.items():
        if amount < 0:
            raise NegativeAmountError(f"上乗せする経費「{item}」", f"Additional cost '{item}'", amount)
    if inputs.additional_costs and inputs.eligible_cost_yen is None:
        raise AdditionalCostsWithoutTotalError()


# --- rate × cost, capped -------------------------------------------------------------------


def resolve_costs(calc: RateCapCalculation, costs: Mapping[str, int]) -> dict[str, int]:
    """Map cost keys (item id, name or alias) to item ids; unknown or repeated items are refused."""
    items: list[CostItem | ExcludedCost] = [*calc.cost_items, *calc.excluded_costs]
    names: dict[str, str] = {}
    for item in items:
        for name in (item.id, item.name, *item.aliases):
            names.setdefault(name, item.id)
    resolved: dict[str, int] = {}
    for key, amount in costs.items():
        item_id = names.get(key.strip())
        if item_id is None:
            raise UnknownCostItemError(key, [(item.id, item.name) for item in items])
        if item_id in resolved:
            raise ConflictingCostsError(
                f"経費項目「{item_id}」が2回入力されています", f"Cost item '{item_id}' was given twice"
            )
        resolved[item_id] = amount
    return resolved


def resolve_additional_costs(
    calc: RateCapCalculation, costs: Mapping[str, int], additional: Mapping[str, int]
) -> dict[str, int]:
    """The costs to add on top of the total, by item id (as :func:`resolve_costs`); an item also
    given in ``costs`` (already resolved) is refused."""
    added = resolve_costs(calc, additional)
    for item_id in added:
        if item_id in costs:
            raise ConflictingCostsError(
                f"経費項目「{item_id}」が経費（costs）と上乗せする経費（additional_costs）の両方に入力されています",
                f"Cost item '{item_id}' was given both in costs and in additional_costs",
            )
    return added


def find_category(calc: RateCapCalculation, given: str) -> Category:
    """The category with this id (or name)."""
    for category in calc.categories:
        if given.strip() in (category.id, category.name):
            return category
    raise UnknownCategoryError(given, calc.categories)


def evaluate_category(category: Category, facts: Mapping[str, object]) -> ConditionResult:
    """Whether the facts meet a category's ``when`` (a category without one always applies)."""
    return evaluate_condition(category.when, facts) if category.when is not None else ConditionResult(True)


def compute_rate_cap(
    calc: RateCapCalculation,
    category: Category,
    eligible_total: int | None,
    costs: Mapping[str, int],
    added: Mapping[str, int] | None = None,
) -> RateCapComputation:
    """min(rounded(eligible × rate), cap) over the category's eligible items, with the steps.

    The eligible cost is ``eligible_total`` (plus the ``added`` items the category counts) or the
    sum of the category's items in ``costs``; items the category does not count are excluded.
    """
    included, excluded = _split_costs(calc, category, costs)
    if eligible_total is not None and included:
        raise ConflictingCostsError(
            "対象経費の合計と、対象となる経費項目の金額の両方が入力されています。どちらか一方にしてください",
            "Give either the eligible-cost total or per-item eligible costs, not both",
        )
    if added and eligible_total is None:
        raise AdditionalCostsWithoutTotalError()
    plus, plus_excluded = _split_costs(calc, category, added or {})
    base = eligible_total if eligible_total is not None else sum(line.amount_yen for line in included)
    eligible = base + sum(line.amount_yen for line in plus)
    product = Fraction(eligible) * category.rate
    rounded, rounding_text = round_product(product, calc.rounding)
    amount = rounded if category.cap_yen is None else min(rounded, category.cap_yen)
    excluded = [*excluded, *plus_excluded]
    steps = [
        _category_step(category),
        *_cost_steps(eligible_total, included, plus, excluded, eligible),
        f"対象経費 {format_yen_plain(eligible)} × 助成率 {format_rate(category.rate)}"
        f" = {format_exact_yen(product)}{rounding_text}",
        cap_step(category.cap_yen, amount < rounded, amount),
    ]
    return RateCapComputation(
        eligible=eligible,
        amount=amount,
        capped=amount < rounded,
        rounded=bool(rounding_text),
        included=[*included, *plus],
        excluded=excluded,
        steps=steps,
    )


def _split_costs(
    calc: RateCapCalculation, category: Category, costs: Mapping[str, int]
) -> tuple[list[CostLine], list[ExcludedCostLine]]:
    included: list[CostLine] = []
    excluded: list[ExcludedCostLine] = []
    for item in calc.cost_items:
        if item.id not in costs:
            continue
        if item.id in category.eligible_items:
            included.append(
                CostLine(item=item.id, name=item.name, amount_yen=costs[item.id], source=item.source)
            )
        else:
            label, names = category_label(category), _item_names(calc, category)
            reason = f"{label}の助成対象経費ではありません（対象: {names}）"
            excluded.append(_excluded(item.id, item.name, costs[item.id], reason, category.source))
    for cost in calc.excluded_costs:
        if cost.id in costs:
            excluded.append(_excluded(cost.id, cost.name, costs[cost.id], cost.reason, cost.source))
    return included, excluded


def _excluded(item: str, name: str, amount: int, reason: str, source: SourceRef) -> ExcludedCostLine:
    return ExcludedCostLine(item=item, name=name, amount_yen=amount, reason=reason, source=source)


def _item_names(calc: RateCapCalculation, category: Category) -> str:
    return "・".join(item.name for item in calc.cost_items if item.id in category.eligible_items)


def _category_step(category: Category) -> str:
    cap = format_yen_plain(category.cap_yen) if category.cap_yen is not None else "文書に記載なし"
    return f"申請区分: {category_title(category)}（助成率 {format_rate(category.rate)}、助成上限額 {cap}）"


def _cost_steps(
    eligible_total: int | None,
    included: list[CostLine],
    added: list[CostLine],
    excluded: list[ExcludedCostLine],
    eligible: int,
) -> list[str]:
    if eligible_total is not None and added:
        parts = " + ".join(f"{line.name} {format_yen_plain(line.amount_yen)}" for line in added)
        total = format_yen_plain(eligible_total)
        first = f"対象経費 = 合計額 {total} + {parts} = {format_yen_plain(eligible)}"
    elif eligible_total is not None:
        first = f"対象経費 {format_yen_plain(eligible_total)}（合計額として入力）"
    elif included:
        parts = " + ".join(f"{line.name} {format_yen_plain(line.amount_yen)}" for line in included)
        first = f"対象経費 = {parts} = {format_yen_plain(eligible)}"
    else:
        first = "対象経費 0円（対象となる経費の入力なし）"
    dropped = [f"対象外: {x.name} {format_yen_plain(x.amount_yen)}（{x.reason}）" for x in excluded]
    return [first, *dropped]


def cost_question(calc: RateCapCalculation, category: Category) -> MissingFact:
    """The question for the eligible cost of a category."""
    return MissingFact(
        name=COST_FACT,
        label="対象経費",
        question=f"対象経費（{_item_names(calc, category)}）の金額はいくらですか？",
    )


@dataclass(frozen=True)
class CategoryNotes:
    """What the facts say about the category used: met?, warnings, facts still to confirm."""

    met: bool | None
    warnings: list[str]
    missing: list[MissingFact]


def _calculate_rate_cap(
    programme: Programme, calc: RateCapCalculation, inputs: GrantInput, facts: Mapping[str, object]
) -> GrantResult:
    costs = resolve_costs(calc, inputs.costs)
    added = resolve_additional_costs(calc, costs, inputs.additional_costs)
    if inputs.category is not None:
        category = find_category(calc, inputs.category)
        notes = _explicit_notes(programme, category, evaluate_category(category, facts), facts)
        return _rate_cap_result(programme, calc, category, inputs, costs, added, notes)
    evaluations = [(category, evaluate_category(category, facts)) for category in calc.categories]
    met = [category for category, result in evaluations if result.value is True]
    if not met:
        return _no_category_result(programme, evaluations, facts)
    category = max(met, key=lambda c: _amount_or_zero(calc, c, inputs.eligible_cost_yen, costs, added))
    notes = CategoryNotes(True, _implicit_warnings(programme, category, met, evaluations), [])
    return _rate_cap_result(programme, calc, category, inputs, costs, added, notes)


def _amount_or_zero(
    calc: RateCapCalculation,
    category: Category,
    eligible_total: int | None,
    costs: Mapping[str, int],
    added: Mapping[str, int],
) -> int:
    if eligible_total is None and not costs:
        return 0
    return compute_rate_cap(calc, category, eligible_total, costs, added).amount


def _rate_cap_result(
    programme: Programme,
    calc: RateCapCalculation,
    category: Category,
    inputs: GrantInput,
    costs: Mapping[str, int],
    added: Mapping[str, int],
    notes: CategoryNotes,
) -> GrantResult:
    ref = category_ref(category)
    if inputs.eligible_cost_yen is None and not costs:
        question = cost_question(calc, category)
        return GrantResult(
            programme_id=programme.id,
            programme_name=programme.name.value,
            status="need_info",
            calculation="rate_cap",
            category=ref,
            conditions_met=notes.met,
            rate=category.rate,
            cap_yen=category.cap_yen,
            sources=[category.source],
            warnings=notes.warnings,
            missing=[*notes.missing, question],
            message=f"{category_label(category)}の{question.question}",
        )
    comp = compute_rate_cap(calc, category, inputs.eligible_cost_yen, costs, added)
    unstated = [UNSTATED_NOTE] if comp.rounded and not calc.rounding.stated else []
    items = [item.source for item in calc.cost_items if item.id in category.eligible_items]
    sources = [category.source, *items, *(x.source for x in comp.excluded)]
    return GrantResult(
        programme_id=programme.id,
        programme_name=programme.name.value,
        status="calculated",
        calculation="rate_cap",
        category=ref,
        conditions_met=notes.met,
        amount_yen=comp.amount,
        eligible_cost_yen=comp.eligible,
        rate=category.rate,
        cap_yen=category.cap_yen,
        capped=comp.capped,
        cost_items=comp.included,
        excluded=comp.excluded,
        steps=comp.steps,
        rounding=rounding_info(calc.rounding, comp.rounded),
        sources=unique_sources([*sources, calc.rounding.source]),
        warnings=[*notes.warnings, *unstated],
        missing=notes.missing,
        message=f"{category_label(category)}の助成額は{format_yen_both(comp.amount)}です。",
    )


def _explicit_notes(
    programme: Programme, category: Category, evaluation: ConditionResult, facts: Mapping[str, object]
) -> CategoryNotes:
    if evaluation.value is False:
        reasons = "、".join(describe_failures(evaluation, facts, _specs(programme)))
        warning = (
            f"指定された申請区分「{category_label(category)}」の要件を、入力された情報は満たしていません（{reasons}）。"
            "指定どおり計算しましたが、この区分では申請できない可能性があります。"
        )
        return CategoryNotes(False, [warning], [])
    if evaluation.value is None:
        missing = missing_facts(evaluation.missing, programme.inputs)
        labels = "、".join(m.label for m in missing)
        warning = (
            f"申請区分「{category_label(category)}」の要件を満たすか確認できません（未確認: {labels}）。"
        )
        return CategoryNotes(None, [warning], missing)
    return CategoryNotes(True, [], [])


def _implicit_warnings(
    programme: Programme,
    chosen: Category,
    met: list[Category],
    evaluations: list[tuple[Category, ConditionResult]],
) -> list[str]:
    warnings: list[str] = []
    if len(met) > 1:
        names = "、".join(category_label(c) for c in met)
        warnings.append(
            f"複数の申請区分（{names}）の要件を満たします。助成額が最も大きい「{category_label(chosen)}」で計算しました。"
        )
    for category, result in evaluations:
        if result.value is None:
            labels = "、".join(m.label for m in missing_facts(result.missing, programme.inputs))
            warnings.append(
                f"「{category_label(category)}」は情報が不足しているため未判定です（未確認: {labels}）。"
            )
    return warnings


def _no_category_result(
    programme: Programme, evaluations: list[tuple[Category, ConditionResult]], facts: Mapping[str, object]
) -> GrantResult:
    specs = _specs(programme)
    failed = [
        f"{category_label(c)}: 要件未達（{'、'.join(describe_failures(r, facts, specs))}）"
        for c, r in evaluations
        if r.value is False
    ]
    unknown = [name for _, r in evaluations if r.value is None for name in r.missing]
    return GrantResult(
        programme_id=programme.id,
        programme_name=programme.name.value,
        status="need_info" if unknown else "not_eligible",
        calculation="rate_cap",
        conditions_met=None if unknown else False,
        sources=unique_sources(c.source for c, _ in evaluations),
        warnings=failed,
        missing=missing_facts(unknown, programme.inputs),
        message="申請区分を判定するための情報が不足しています。"
        if unknown
        else "入力された情報では、どの申請区分の要件も満たしていません。",
    )


def _specs(programme: Programme) -> dict[str, InputSpec]:
    return {spec.name: spec for spec in programme.inputs}

"""助成額計算の入出力 — the input and result models of the grant calculators, and their errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import InputError
from bot.knowledge.models import Category, FractionStr, SourceRef
from bot.tools.conditions import FactValue, MissingFact

Status = Literal["calculated", "need_info", "not_eligible", "no_calculation"]


class RoundingInfo(BaseModel):
    """The rounding rule applied, whether the document states it, and whether it changed anything."""

    model_config = ConfigDict(frozen=True)

    rule: str
    unit_yen: int
    stated: bool
    applied: bool
    description: str
    note: str | None
    source: SourceRef | None


class WorksheetLineValue(BaseModel):
    """One computed worksheet line."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    op: str
    value_yen: int
    source: SourceRef


ADDITIONAL_COSTS_DESCRIPTION = (
    "対象経費の合計（eligible_cost_yen）に上乗せする経費項目ID→金額（円）。"
    "ユーザーが『〜も足したら』と言った場合のみ / cost item id → amount in yen to ADD on top of"
    " eligible_cost_yen (only when the user adds items to a total given earlier); items the category"
    " does not count are listed as excluded"
)


class GrantInput(BaseModel):
    """Inputs of ``calculate_grant``: the category (optional), the costs and the applicant's facts."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(
        default=None,
        description="申請区分のID（省略時は事実から判定） / category id; chosen from the facts if omitted",
    )
    eligible_cost_yen: int | None = Field(
        default=None,
        description="対象経費の合計（円） / total eligible cost in yen (or give per-item costs)",
        json_schema_extra={"minimum": 0},
    )
    costs: dict[str, int] = Field(
        default_factory=dict, description="経費項目ID→金額（円） / cost item id → amount in yen"
    )
    additional_costs: dict[str, int] = Field(default_factory=dict, description=ADDITIONAL_COSTS_DESCRIPTION)
    facts: dict[str, FactValue] = Field(
        default_factory=dict,
        description="申請者の事実（入力名→値） / applicant facts and worksheet inputs by name",
    )


class CategoryRef(BaseModel):
    """A category (申請区分) by id and name; ``label`` is 「区分1」 for a numbered one, else the name."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    label: str


def category_label(category: Category) -> str:
    """「区分1」 for a numbered category, else its name (e.g. 「中小企業」)."""
    return f"区分{category.id}" if category.id.isdigit() else category.name


def category_title(category: Category) -> str:
    """「区分1「年間CO2排出量28t-CO2以上削減」」 for a numbered category, else its name."""
    return f"区分{category.id}「{category.name}」" if category.id.isdigit() else category.name


def category_ref(category: Category) -> CategoryRef:
    """The reference to a category used in results."""
    return CategoryRef(id=category.id, name=category.name, label=category_label(category))


class CostLine(BaseModel):
    """A cost counted as eligible."""

    model_config = ConfigDict(frozen=True)

    item: str
    name: str
    amount_yen: int
    source: SourceRef


class ExcludedCostLine(BaseModel):
    """A cost that was given but is not counted, with the reason."""

    model_config = ConfigDict(frozen=True)

    item: str
    name: str
    amount_yen: int
    reason: str
    source: SourceRef


class GrantResult(BaseModel):
    """A grant calculation. ``amount_yen`` is set only when ``status`` is ``calculated``."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    programme_name: str
    status: Status
    calculation: Literal["rate_cap", "worksheet"] | None = None
    category: CategoryRef | None = None
    conditions_met: bool | None = None
    amount_yen: int | None = None
    eligible_cost_yen: int | None = None
    rate: FractionStr | None = None
    cap_yen: int | None = None
    capped: bool = False
    cost_items: list[CostLine] = []
    excluded: list[ExcludedCostLine] = []
    lines: list[WorksheetLineValue] = []
    steps: list[str] = []
    rounding: RoundingInfo | None = None
    sources: list[SourceRef] = []
    warnings: list[str] = []
    missing: list[MissingFact] = []
    message: str


class UnknownCategoryError(InputError):
    """A category id the programme does not have."""

    code = "unknown_category"

    def __init__(self, given: str, categories: Iterable[Category]) -> None:
        categories = list(categories)
        listed = "、".join(f"{c.id}（{c.name}）" for c in categories)
        super().__init__(
            f"申請区分「{given}」はありません。選べる区分: {listed}",
            f"Unknown category '{given}'. Valid categories: {', '.join(c.id for c in categories)}",
        )


class UnknownCostItemError(InputError):
    """A cost item id the programme does not list."""

    code = "unknown_cost_item"

    def __init__(self, given: str, items: Iterable[tuple[str, str]]) -> None:
        items = list(items)
        listed = "、".join(f"{item_id}（{name}）" for item_id, name in items)
        super().__init__(
            f"経費項目「{given}」はこの制度にありません。使える項目: {listed}",
            f"Unknown cost item '{given}'. Valid items: {', '.join(item_id for item_id, _ in items)}",
        )


class ConflictingCostsError(InputError):
    """Costs given twice (a total and per-item eligible costs, or one item under two names)."""

    code = "conflicting_costs"


class AdditionalCostsWithoutTotalError(InputError):
    """Costs to add on top of a total, given without the total."""

    code = "additional_costs_without_total"

    def __init__(self) -> None:
        super().__init__(
            "上乗せする経費（additional_costs）は、対象経費の合計（eligible_cost_yen）と一緒に入力してください。"
            "合計額がない場合は、経費項目ごとの金額（costs）として入力してください",
            "additional_costs are added to eligible_cost_yen and need it;"
            " without a total, give per-item costs",
        )


class NegativeAmountError(InputError):
    """An amount that must not be negative (a cost, a worksheet line)."""

    code = "negative_amount"

    def __init__(self, what_ja: str, what_en: str, value: int) -> None:
        super().__init__(
            f"{what_ja}が負の値（{value:,}円）です。0以上の金額を入力してください",
            f"{what_en} is negative ({value:,} yen); amounts must be 0 or more",
        )


def unique_sources(sources: Iterable[SourceRef | None]) -> list[SourceRef]:
    """Sources without repeats or gaps, in first-seen order."""
    return list(dict.fromkeys(source for source in sources if source is not None))


class CategoryOption(BaseModel):
    """One category compared for an applicant: met / not met / unknown, and what it would pay."""

    model_config = ConfigDict(frozen=True)

    category: CategoryRef
    status: Literal["met", "not_met", "unknown"]
    amount_yen: int | None = None
    capped: bool = False
    reasons: list[str] = []
    missing: list[MissingFact] = []
    line: str
    source: SourceRef


class Recommendation(BaseModel):
    """The categories compared, the best one, and one Japanese line per category."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    programme_name: str
    options: list[CategoryOption] = []
    best: CategoryRef | None = None
    best_amount_yen: int | None = None
    lines: list[str] = []
    missing: list[MissingFact] = []
    message: str

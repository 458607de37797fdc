"""Rate × cost, capped: the real programmes' numbers, every boundary, errors and properties."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.knowledge.models import Programme
from bot.tools.grant import (
    WORKSHEET_IGNORES_ADDITIONS,
    calculate_grant,
    compute_rate_cap,
    find_category,
    resolve_costs,
)
from bot.tools.grant_models import (
    AdditionalCostsWithoutTotalError,
    ConflictingCostsError,
    GrantInput,
    NegativeAmountError,
    UnknownCategoryError,
    UnknownCostItemError,
    category_title,
)
from bot.tools.parsing import parse_yen


def grant(programme: Programme, **fields: Any) -> Any:
    return calculate_grant(programme, GrantInput.model_validate(fields))


# --- the real programmes ---------------------------------------------------------------------


def test_done_when_zero_emission_category_1_with_80m_is_capped(zero_emission: Programme) -> None:
    result = grant(zero_emission, category="1", eligible_cost_yen=parse_yen("8000万円"))
    assert result.status == "calculated"
    assert (result.amount_yen, result.capped, result.eligible_cost_yen) == (45_000_000, True, 80_000_000)
    assert result.rate == Fraction(3, 4) and result.cap_yen == 45_000_000
    assert "対象経費 80,000,000円 × 助成率 3/4 = 60,000,000円" in result.steps
    assert result.steps[-1] == "助成上限額 45,000,000円 を適用 → 助成額 45,000,000円"
    rate_and_cap = zero_emission.calculation.categories[0].source  # type: ignore[union-attr]
    assert (
        result.sources[0] == rate_and_cap
        and "3/4" in rate_and_cap.quote
        and "4,500万円" in rate_and_cap.quote
    )
    assert any(s.quote == "設計費、設備費、工事費" for s in result.sources)
    assert result.model_dump(mode="json")["rate"] == "3/4"
    assert result.conditions_met is None and [m.name for m in result.missing] == ["co2_reduction_t"]


@pytest.mark.parametrize(
    ("category", "cost", "amount", "capped"),
    [
        ("1", 60_000_000, 45_000_000, False),  # cost × 3/4 == cap exactly
        ("1", 60_000_001, 45_000_000, False),  # 45,000,000.75 floors to the cap
        ("1", 60_000_002, 45_000_000, True),  # 45,000,001.5 → one yen over → capped
        ("2", 37_500_000, 25_000_000, False),
        ("2", 37_500_002, 25_000_000, True),
        ("3", 15_000_000, 10_000_000, False),
        ("3", 15_000_002, 10_000_000, True),
        ("3", 10_000_001, 6_666_667, False),  # 6,666,667.33… floors
        ("3", 0, 0, False),
    ],
)
def test_zero_emission_cap_boundaries(
    zero_emission: Programme, category: str, cost: int, amount: int, capped: bool
) -> None:
    result = grant(zero_emission, category=category, eligible_cost_yen=cost)
    assert (result.amount_yen, result.capped) == (amount, capped)


def test_non_integer_product_is_floored_with_the_unstated_note(zero_emission: Programme) -> None:
    result = grant(zero_emission, category="3", costs={"design": 1, "equipment": 10_000_000})
    assert result.steps[1] == "対象経費 = 設計費 1円 + 設備費 10,000,000円 = 10,000,001円"
    assert result.steps[2] == (
        "対象経費 10,000,001円 × 助成率 2/3 = 6,666,667.333…円"
        " → 1円未満切り捨て（文書に記載なし） → 6,666,667円"
    )
    assert result.rounding.applied and not result.rounding.stated
    assert result.rounding.note == "端数処理は募集要項で確認してください"
    assert "端数処理は募集要項で確認してください" in result.warnings


def test_integer_product_mentions_no_rounding(zero_emission: Programme) -> None:
    result = grant(zero_emission, category="3", eligible_cost_yen=9_000_000)
    assert result.amount_yen == 6_000_000 and not result.rounding.applied
    assert "端数処理は募集要項で確認してください" not in result.warnings
    assert result.steps[-1] == "助成上限額 10,000,000円 以内 → 助成額 6,000,000円"


ZERO_FACTS = {"diagnosis_consulting": False, "self_plan": True}


@pytest.mark.parametrize(
    ("facts", "category"),
    [
        ({"co2_reduction_t": "28t", "self_plan": False, "diagnosis_consulting": False}, "1"),
        ({**ZERO_FACTS, "co2_reduction_t": "27.99t", "co2_reduction_pct": "10%"}, "3"),
        ({**ZERO_FACTS, "co2_reduction_t": "3t", "co2_reduction_pct": "1%"}, "3"),
        ({**ZERO_FACTS, "co2_reduction_t": "1t", "co2_reduction_pct": "30%"}, "3"),
        ({"diagnosis_consulting": True, "self_plan": False, "co2_reduction_t": "3t"}, "2"),
        ({"co2_reduction_t": "28t", "self_plan": True, "diagnosis_consulting": False}, "1"),
    ],
)
def test_zero_emission_category_chosen_by_thresholds(
    zero_emission: Programme, facts: dict[str, Any], category: str
) -> None:
    result = grant(zero_emission, facts=facts, eligible_cost_yen=12_000_000)
    assert result.status == "calculated" and result.category.id == category and result.conditions_met is True


def test_below_every_threshold_is_not_eligible(zero_emission: Programme) -> None:
    facts = {**ZERO_FACTS, "co2_reduction_t": "2.99t", "co2_reduction_pct": "29%"}
    result = grant(zero_emission, facts=facts, eligible_cost_yen=12_000_000)
    assert result.status == "not_eligible" and result.amount_yen is None and result.conditions_met is False
    assert "区分1: 要件未達（年間CO2削減量（t-CO2） 2.99t < 28t）" in result.warnings
    assert any("2.99t < 3t" in w and "29% < 30%" in w for w in result.warnings)
    assert result.message == "入力された情報では、どの申請区分の要件も満たしていません。"


def test_best_of_several_met_categories_with_a_warning(zero_emission: Programme) -> None:
    facts = {"co2_reduction_t": "30t", "self_plan": True, "diagnosis_consulting": True}
    result = grant(zero_emission, facts=facts, eligible_cost_yen=12_000_000)
    assert (result.category.id, result.amount_yen) == ("1", 9_000_000)
    assert result.warnings[0].startswith("複数の申請区分（区分1、区分2、区分3）の要件を満たします")


def test_unknown_categories_are_mentioned_when_one_is_met(zero_emission: Programme) -> None:
    result = grant(
        zero_emission, facts={"co2_reduction_t": "3t", "self_plan": True}, eligible_cost_yen=3_000_000
    )
    assert result.category.id == "3" and result.amount_yen == 2_000_000
    assert any(w.startswith("「区分2」は情報が不足しているため未判定です") for w in result.warnings)


def test_need_info_lists_the_questions_of_the_missing_facts(zero_emission: Programme) -> None:
    result = grant(zero_emission, eligible_cost_yen=12_000_000)
    assert result.status == "need_info" and result.amount_yen is None
    assert [m.name for m in result.missing] == [
        "co2_reduction_t",
        "diagnosis_consulting",
        "co2_reduction_pct",
        "self_plan",
    ]
    assert result.missing[0].question == "更新前と比べて、年間のCO2排出量を何t-CO2削減できる見込みですか？"


def test_need_info_for_the_cost_when_the_category_is_known(zero_emission: Programme) -> None:
    result = grant(zero_emission, facts={"co2_reduction_t": 40})
    assert result.status == "need_info" and result.category.id == "1"
    assert result.missing[-1].name == "eligible_cost_yen"
    assert result.missing[-1].question == "対象経費（設計費・設備費・工事費）の金額はいくらですか？"
    assert result.rate == Fraction(3, 4) and result.amount_yen is None


def test_explicit_category_contradicted_by_facts_is_computed_with_a_warning(zero_emission: Programme) -> None:
    result = grant(zero_emission, category="1", eligible_cost_yen=8_000_000, facts={"co2_reduction_t": "5t"})
    assert result.amount_yen == 6_000_000 and result.conditions_met is False
    assert "年間CO2削減量（t-CO2） 5t < 28t" in result.warnings[0]


def test_explicit_category_met_has_no_warning(zero_emission: Programme) -> None:
    result = grant(zero_emission, category="1", eligible_cost_yen=8_000_000, facts={"co2_reduction_t": 28})
    assert result.conditions_met is True and result.warnings == [] and result.missing == []


@pytest.mark.parametrize(
    ("is_sme", "costs", "amount", "capped"),
    [
        (
            True,
            {"ghg_calculation": 1_000_000, "consulting": 1_000_000, "promotion": 1_000_000},
            2_000_000,
            False,
        ),
        (
            True,
            {"ghg_calculation": 1_000_000, "consulting": 1_000_000, "promotion": 1_000_002},
            2_000_000,
            True,
        ),
        (True, {"promotion": 1_000_000}, 666_666, False),
        (False, {"promotion": 2_000_000}, 1_000_000, False),
        (False, {"promotion": 2_000_002}, 1_000_000, True),
        (False, {"promotion": 1_000_001}, 500_000, False),
    ],
)
def test_carbon_credit_sme_and_non_sme(
    carbon_credit: Programme, is_sme: bool, costs: dict[str, int], amount: int, capped: bool
) -> None:
    result = grant(carbon_credit, facts={"is_sme": is_sme}, costs=costs)
    assert (result.amount_yen, result.capped) == (amount, capped)
    assert result.category.id == ("sme" if is_sme else "non_sme")


def test_carbon_credit_non_sme_excludes_the_other_items_with_the_reason(carbon_credit: Programme) -> None:
    costs = {"ghg_calculation": 500_000, "コンサルティング費": 300_000, "プロモーション費": 2_000_000}
    result = grant(carbon_credit, facts={"is_sme": "いいえ"}, costs=costs)
    assert result.eligible_cost_yen == 2_000_000 and result.amount_yen == 1_000_000
    assert [x.item for x in result.excluded] == ["ghg_calculation", "consulting"]
    assert result.excluded[0].reason.startswith(
        "中小企業以外の助成対象経費ではありません（対象: プロモーション実施"
    )
    assert result.excluded[0].source == find_category(carbon_credit.calculation, "non_sme").source  # type: ignore[arg-type]
    assert any(
        step.startswith("対象外: 製品等に係るGHG排出量の算定に要する経費 500,000円") for step in result.steps
    )


@pytest.mark.parametrize(
    ("is_sme", "cost", "amount", "capped"),
    [
        (True, 2_400_000, 2_400_000, False),
        (True, 2_400_001, 2_400_000, True),
        (True, 1_234_567, 1_234_567, False),
        (False, 8_000_000, 4_000_000, False),
        (False, 8_000_002, 4_000_000, True),
        (False, 1_000_001, 500_000, False),
    ],
)
def test_saf_sme_and_large(saf: Programme, is_sme: bool, cost: int, amount: int, capped: bool) -> None:
    result = grant(saf, facts={"is_sme": is_sme}, costs={"saf_surcharge": cost})
    assert (result.amount_yen, result.capped) == (amount, capped)


def test_saf_full_rate_is_written_10_10_and_tax_is_excluded(saf: Programme) -> None:
    result = grant(
        saf, facts={"is_sme": True}, costs={"saf_surcharge": 1_000_000, "consumption_tax": 100_000}
    )
    assert "対象経費 1,000,000円 × 助成率 10/10 = 1,000,000円" in result.steps
    assert result.amount_yen == 1_000_000 and result.rate == 1
    assert [(x.name, x.amount_yen) for x in result.excluded] == [("消費税", 100_000)]
    assert "間接経費" in result.excluded[0].reason
    assert result.excluded[0].source in result.sources


def test_support_plan_says_it_is_not_a_grant(meti: Programme) -> None:
    result = grant(meti, eligible_cost_yen=1_000_000)
    assert result.status == "no_calculation" and result.amount_yen is None
    assert "助成金・補助金ではない支援制度のため、助成額の計算はありません" in result.message


# --- synthetic programmes ----------------------------------------------------------------------


def test_grant_without_a_registered_calculation(build: Any) -> None:
    result = grant(build.programme(), eligible_cost_yen=1)
    assert result.status == "no_calculation" and "計算方法が登録されていません" in result.message


def test_category_without_conditions_and_by_name(simple_grant: Programme) -> None:
    result = grant(simple_grant, category="区分名only", eligible_cost_yen=900_000)
    assert result.category.id == "only" and result.conditions_met is True and result.amount_yen == 600_000
    assert result.category.label == "区分名only"
    implicit = grant(simple_grant, costs={"design": 4})
    assert implicit.amount_yen == 2 and implicit.warnings == ["端数処理は募集要項で確認してください"]


def test_costs_outside_the_category_and_programme_exclusions(simple_grant: Programme) -> None:
    result = grant(simple_grant, costs={"works": 10, "税": 5})
    assert result.eligible_cost_yen == 0 and result.amount_yen == 0
    assert result.steps[1] == "対象経費 0円（対象となる経費の入力なし）"
    assert [(x.item, x.reason) for x in result.excluded] == [
        ("works", "区分名onlyの助成対象経費ではありません（対象: 設計費・設備費）"),
        ("tax", "間接経費は対象外"),
    ]


def test_total_plus_excluded_costs_is_allowed(simple_grant: Programme) -> None:
    result = grant(simple_grant, eligible_cost_yen=300, costs={"tax": 30})
    assert result.amount_yen == 200 and result.excluded[0].amount_yen == 30


@pytest.mark.parametrize(
    ("fields", "error", "text"),
    [
        ({"eligible_cost_yen": -1}, NegativeAmountError, "対象経費が負の値"),
        ({"costs": {"design": -5}}, NegativeAmountError, "経費「design」"),
        ({"category": "nope", "eligible_cost_yen": 1}, UnknownCategoryError, "only（区分名only）"),
        ({"costs": {"travel": 1}}, UnknownCostItemError, "design（設計費）"),
        ({"eligible_cost_yen": 1, "costs": {"design": 1}}, ConflictingCostsError, "両方"),
        ({"costs": {"tax": 1, "消費税": 1}}, ConflictingCostsError, "2回"),
        # additional_costs: only on top of a total, resolved and checked like costs
        ({"additional_costs": {"design": 1}}, AdditionalCostsWithoutTotalError, "eligible_cost_yen"),
        (
            {"costs": {"equipment": 1}, "additional_costs": {"design": 1}},
            AdditionalCostsWithoutTotalError,
            "合計額がない場合",
        ),
        (
            {"eligible_cost_yen": 1, "additional_costs": {"design": -1}},
            NegativeAmountError,
            "上乗せする経費「design」",
        ),
        ({"eligible_cost_yen": 1, "additional_costs": {"travel": 1}}, UnknownCostItemError, "travel"),
        (
            {"eligible_cost_yen": 1, "additional_costs": {"tax": 1, "消費税": 1}},
            ConflictingCostsError,
            "2回",
        ),
        (
            {"eligible_cost_yen": 1, "costs": {"tax": 1}, "additional_costs": {"税": 1}},
            ConflictingCostsError,
            "additional_costs）の両方",
        ),
        (
            {"eligible_cost_yen": 1, "costs": {"design": 1}, "additional_costs": {"equipment": 1}},
            ConflictingCostsError,
            "対象経費の合計と",
        ),
    ],
)
def test_invalid_inputs_raise_bilingual_input_errors(
    simple_grant: Programme, fields: dict[str, Any], error: type[InputError], text: str
) -> None:
    with pytest.raises(error) as caught:
        grant(simple_grant, **fields)
    assert text in caught.value.message_ja and caught.value.message_en
    assert isinstance(caught.value, InputError)


# --- costs added on top of a total (「設計費200万も足したら」) ------------------------------------


TAX_REASON = "間接経費は対象外"
WORKS_REASON = "区分名onlyの助成対象経費ではありません（対象: 設計費・設備費）"


@pytest.mark.parametrize(
    ("fields", "eligible", "amount", "cost_step", "excluded"),
    [
        (
            {"eligible_cost_yen": 300, "additional_costs": {"design": 150}},
            450,
            300,
            "対象経費 = 合計額 300円 + 設計費 150円 = 450円",
            [],
        ),
        (
            {"eligible_cost_yen": 300, "additional_costs": {"設計費": 150, "equipment": 60}},
            510,
            340,
            "対象経費 = 合計額 300円 + 設計費 150円 + 設備費 60円 = 510円",
            [],
        ),
        (  # an item the category does not count is excluded, not added
            {"eligible_cost_yen": 300, "additional_costs": {"works": 90}},
            300,
            200,
            "対象経費 300円（合計額として入力）",
            [("works", 90, WORKS_REASON)],
        ),
        (  # an item the programme excludes, by its alias
            {"eligible_cost_yen": 300, "additional_costs": {"税": 30}},
            300,
            200,
            "対象経費 300円（合計額として入力）",
            [("tax", 30, TAX_REASON)],
        ),
        (
            {
                "eligible_cost_yen": 300,
                "costs": {"tax": 30},
                "additional_costs": {"design": 150, "works": 90},
            },
            450,
            300,
            "対象経費 = 合計額 300円 + 設計費 150円 = 450円",
            [("tax", 30, TAX_REASON), ("works", 90, WORKS_REASON)],
        ),
        (  # the addition crosses the cap
            {"eligible_cost_yen": 1_500_000, "additional_costs": {"design": 3}},
            1_500_003,
            1_000_000,
            "対象経費 = 合計額 1,500,000円 + 設計費 3円 = 1,500,003円",
            [],
        ),
        (
            {"eligible_cost_yen": 0, "additional_costs": {"design": 0}},
            0,
            0,
            "対象経費 = 合計額 0円 + 設計費 0円 = 0円",
            [],
        ),
        (  # an empty addition is the plain total
            {"eligible_cost_yen": 300, "additional_costs": {}},
            300,
            200,
            "対象経費 300円（合計額として入力）",
            [],
        ),
    ],
)
def test_additional_costs_are_added_to_the_total_by_the_calculator(
    simple_grant: Programme,
    fields: dict[str, Any],
    eligible: int,
    amount: int,
    cost_step: str,
    excluded: list[tuple[str, int, str]],
) -> None:
    result = grant(simple_grant, **fields)
    assert result.status == "calculated"
    assert (result.eligible_cost_yen, result.amount_yen) == (eligible, amount)
    assert result.steps[1] == cost_step
    assert [(x.item, x.amount_yen, x.reason) for x in result.excluded] == excluded
    assert [f"対象外: {x.name} {x.amount_yen:,}円（{x.reason}）" for x in result.excluded] == result.steps[
        2 : 2 + len(excluded)
    ]
    assert f"対象経費 {eligible:,}円 × 助成率 2/3" in result.steps[2 + len(excluded)]
    # cost_items: the added items the category counts
    assert sum(line.amount_yen for line in result.cost_items) == eligible - fields["eligible_cost_yen"]


@pytest.mark.parametrize(
    ("facts", "category", "amount", "capped", "cost_step"),
    [
        (  # 区分3: 2/3 of 19,500,000 = 13,000,000 → the 10,000,000 cap
            {"self_plan": True, "co2_reduction_t": "5t"},
            "3",
            10_000_000,
            True,
            "対象経費 = 合計額 17,500,000円 + 設計費 2,000,000円 = 19,500,000円",
        ),
        (  # 区分1: 3/4 of 19,500,000 = 14,625,000
            {"co2_reduction_t": "30t", "self_plan": False, "diagnosis_consulting": False},
            "1",
            14_625_000,
            False,
            "対象経費 = 合計額 17,500,000円 + 設計費 2,000,000円 = 19,500,000円",
        ),
    ],
)
def test_zero_emission_total_plus_design(
    zero_emission: Programme,
    facts: dict[str, Any],
    category: str,
    amount: int,
    capped: bool,
    cost_step: str,
) -> None:
    result = grant(
        zero_emission, facts=facts, eligible_cost_yen=17_500_000, additional_costs={"設計費": 2_000_000}
    )
    assert (result.category.id, result.amount_yen, result.capped) == (category, amount, capped)
    assert result.eligible_cost_yen == 19_500_000 and cost_step in result.steps
    assert [line.item for line in result.cost_items] == ["design"] and result.excluded == []


@pytest.mark.parametrize(
    ("is_sme", "eligible", "amount", "excluded"),
    [
        (True, 2_000_000, 1_333_333, []),  # 2/3 of 1,000,000 + 1,000,000
        (False, 1_000_000, 500_000, ["ghg_calculation"]),  # not an eligible cost of 中小企業以外
    ],
)
def test_carbon_credit_additions_follow_the_category(
    carbon_credit: Programme, is_sme: bool, eligible: int, amount: int, excluded: list[str]
) -> None:
    result = grant(
        carbon_credit,
        facts={"is_sme": is_sme},
        eligible_cost_yen=1_000_000,
        additional_costs={"排出量算定": 1_000_000},
    )
    assert (result.eligible_cost_yen, result.amount_yen) == (eligible, amount)
    assert [x.item for x in result.excluded] == excluded
    if excluded:
        assert result.excluded[0].reason.startswith("中小企業以外の助成対象経費ではありません")
        assert result.excluded[0].source in result.sources


def test_the_category_is_chosen_on_the_total_with_the_additions(build: Any) -> None:
    calc = build.rate_cap(
        [
            build.category("a", "1/2", None, ["design", "equipment"]),
            build.category("b", "2/3", None, ["equipment"]),
        ]
    )
    programme = build.programme(calculation=calc)
    assert grant(programme, eligible_cost_yen=600).category.id == "b"  # 400 > 300
    result = grant(programme, eligible_cost_yen=600, additional_costs={"design": 600})
    assert (result.category.id, result.amount_yen) == ("a", 600)  # 1,200 × 1/2 > 600 × 2/3
    assert result.warnings[0].startswith("複数の申請区分（区分名a、区分名b）の要件を満たします")


def test_compute_rate_cap_refuses_additions_without_a_total(simple_grant: Programme) -> None:
    calc = simple_grant.calculation
    category = calc.categories[0]  # type: ignore[union-attr]
    with pytest.raises(AdditionalCostsWithoutTotalError) as caught:
        compute_rate_cap(calc, category, None, {"equipment": 1}, {"design": 1})  # type: ignore[arg-type]
    assert "additional_costs" in caught.value.message_en


def test_worksheet_says_the_additions_are_not_used(jver: Programme) -> None:
    result = grant(jver, eligible_cost_yen=1, additional_costs={"design": 1})
    assert result.calculation == "worksheet"
    assert result.warnings[-1] == WORKSHEET_IGNORES_ADDITIONS
    assert "対象経費の合計は使っていません" in result.warnings[0]


def test_no_cap_and_a_stated_rounding_rule(build: Any) -> None:
    rounding = {"rule": "floor", "unit_yen": 1000, "stated": True, "source": build.src("千円未満切り捨て")}
    calc = build.rate_cap([build.category("x", "1/2", None, ["design"])], rounding=rounding)
    result = grant(build.programme(calculation=calc), eligible_cost_yen=1_234_567)
    assert result.amount_yen == 617_000 and result.cap_yen is None and not result.capped
    assert result.steps[0] == "申請区分: 区分名x（助成率 1/2、助成上限額 文書に記載なし）"
    assert result.steps[-1] == "助成上限額: 文書に記載なし → 助成額 617,000円"
    assert "→ 1,000円未満切り捨て → 617,000円" in result.steps[2]
    assert result.rounding.note is None and result.warnings == []
    assert result.sources[-1].quote == "千円未満切り捨て"


def test_numbered_category_titles(build: Any) -> None:
    calc = build.rate_cap([build.category("7", "1/2", 10, ["design"])])
    category = build.programme(calculation=calc).calculation.categories[0]
    assert category_title(category) == "区分7「区分名7」"


def test_category_unknown_and_cost_question(build: Any) -> None:
    when = {"fact": "is_sme", "op": "==", "value": True}
    calc = build.rate_cap([build.category("a", "1/2", 10, ["design"], when=when)])
    result = grant(build.programme(calculation=calc), category="a")
    assert result.status == "need_info" and result.conditions_met is None
    assert [m.name for m in result.missing] == ["is_sme", "eligible_cost_yen"]


def test_resolve_costs_accepts_ids_names_and_aliases(simple_grant: Programme) -> None:
    calc = simple_grant.calculation
    assert resolve_costs(calc, {" 設計費 ": 1, "equipment": 2, "税": 3}) == {  # type: ignore[arg-type]
        "design": 1,
        "equipment": 2,
        "tax": 3,
    }


def test_results_are_deterministic(zero_emission: Programme) -> None:
    first = grant(zero_emission, category="2", eligible_cost_yen=12_345_678)
    second = grant(zero_emission, category="2", eligible_cost_yen=12_345_678)
    assert first.model_dump_json() == second.model_dump_json()


# --- properties ----------------------------------------------------------------------------------

RATES = st.builds(Fraction, st.integers(1, 12), st.integers(1, 12)).filter(lambda r: r <= 1)
CAPS = st.one_of(st.none(), st.integers(0, 10**9))
COSTS = st.integers(0, 10**11)


def _category_programme(build: Any, rate: Fraction, cap: int | None) -> Programme:
    rate_text = f"{rate.numerator}/{rate.denominator}"
    return build.programme(calculation=build.rate_cap([build.category("p", rate_text, cap, ["design"])]))


@settings(max_examples=150, deadline=None)
@given(rate=RATES, cap=CAPS, cost=COSTS, more=st.integers(0, 10**9))
def test_amount_properties(build: Any, rate: Fraction, cap: int | None, cost: int, more: int) -> None:
    programme = _category_programme(build, rate, cap)
    result = grant(programme, eligible_cost_yen=cost)
    amount = result.amount_yen
    assert isinstance(amount, int) and not isinstance(amount, bool)
    assert amount <= math.floor(cost * rate)
    assert cap is None or amount <= cap
    assert amount == min(math.floor(cost * rate), cap if cap is not None else amount)
    assert result.capped == (cap is not None and math.floor(cost * rate) > cap)
    assert grant(programme, eligible_cost_yen=cost + more).amount_yen >= amount
    assert grant(programme, eligible_cost_yen=cost).model_dump() == result.model_dump()


@settings(max_examples=100, deadline=None)
@given(cost=COSTS, more=st.integers(0, 10**9))
def test_real_categories_are_bounded_and_monotone(
    programmes: dict[str, Programme], cost: int, more: int
) -> None:
    for programme in programmes.values():
        calc = programme.calculation
        if calc is None or calc.kind != "rate_cap":
            continue
        for category in calc.categories:
            low = compute_rate_cap(calc, category, cost, {})
            high = compute_rate_cap(calc, category, cost + more, {})
            assert low.amount <= math.floor(cost * category.rate)
            assert category.cap_yen is None or low.amount <= category.cap_yen
            assert high.amount >= low.amount


@settings(max_examples=100, deadline=None)
@given(rate=RATES, cap=CAPS, total=COSTS, added=st.integers(0, 10**9), other=st.integers(0, 10**9))
def test_additional_costs_properties(
    build: Any, rate: Fraction, cap: int | None, total: int, added: int, other: int
) -> None:
    """An added item the category counts is the same as a larger total; one it does not count
    changes nothing but the excluded list."""
    programme = _category_programme(build, rate, cap)
    plus = grant(programme, eligible_cost_yen=total, additional_costs={"design": added, "works": other})
    same = grant(programme, eligible_cost_yen=total + added)
    assert (plus.amount_yen, plus.eligible_cost_yen, plus.capped) == (
        same.amount_yen,
        same.eligible_cost_yen,
        same.capped,
    )
    assert [(x.item, x.amount_yen) for x in plus.excluded] == [("works", other)]
    assert f"対象経費 = 合計額 {total:,}円 + 設計費 {added:,}円 = {total + added:,}円" in plus.steps

"""Category comparison: met / not met / unknown, amounts, the best category, one line each."""

from __future__ import annotations

from typing import Any

import pytest

from bot.knowledge.models import Programme
from bot.tools.grant import calculate_grant
from bot.tools.grant_models import (
    AdditionalCostsWithoutTotalError,
    ConflictingCostsError,
    GrantInput,
    NegativeAmountError,
    UnknownCostItemError,
)
from bot.tools.recommend import NO_CATEGORIES, recommend_category

SELF_PLAN = {"diagnosis_consulting": False, "self_plan": True}


def test_zero_emission_comparison_lines(zero_emission: Programme) -> None:
    result = recommend_category(
        zero_emission, {"co2_reduction_t": "5t", "self_plan": True}, {"equipment": 12_000_000}
    )
    assert result.lines == [
        "区分1: 要件未達（年間CO2削減量（t-CO2） 5t < 28t）",
        "区分2: 要確認（未確認: 省エネコンサルティング及び省エネ診断に基づく実施か）"
        " → 要件を満たせば 800万円",
        "区分3: 対象 → 800万円",
    ]
    assert [o.status for o in result.options] == ["not_met", "unknown", "met"]
    assert result.best is not None and result.best.id == "3" and result.best_amount_yen == 8_000_000
    assert [m.name for m in result.missing] == ["diagnosis_consulting"]
    assert result.message == "最も有利な申請区分は「区分3」です（助成額 800万円）。"
    assert result.options[0].reasons == ["年間CO2削減量（t-CO2） 5t < 28t"]
    assert result.options[2].source.quote == "2/3 | 1,000万円"


def test_best_is_the_largest_amount_and_caps_are_marked(zero_emission: Programme) -> None:
    facts = {"co2_reduction_t": 30, "self_plan": True, "diagnosis_consulting": True}
    result = recommend_category(zero_emission, facts, eligible_cost_yen=80_000_000)
    assert result.lines == [
        "区分1: 対象 → 4,500万円（上限額）",
        "区分2: 対象 → 2,500万円（上限額）",
        "区分3: 対象 → 1,000万円（上限額）",
    ]
    assert result.best is not None and result.best.id == "1" and result.options[0].capped


def test_without_costs_the_single_met_category_is_best_and_the_cost_is_asked(
    zero_emission: Programme,
) -> None:
    result = recommend_category(
        zero_emission, {"co2_reduction_t": 30, "self_plan": False, "diagnosis_consulting": False}
    )
    assert result.best is not None and result.best.id == "1" and result.best_amount_yen is None
    assert result.lines[0] == "区分1: 対象（対象経費を入力すると助成額を計算できます）"
    assert result.missing[-1].name == "eligible_cost_yen"
    assert result.message == "要件を満たす申請区分: 区分1。対象経費を入力すると助成額を比較できます。"


def test_without_costs_several_met_categories_have_no_best(zero_emission: Programme) -> None:
    result = recommend_category(zero_emission, {"co2_reduction_t": 30, **SELF_PLAN})
    assert result.best is None
    assert result.missing[-1].question == "対象経費（設計費・設備費・工事費）の金額はいくらですか？"


def test_unknown_and_not_met_messages(zero_emission: Programme) -> None:
    assert recommend_category(zero_emission, {}).message == "申請区分を判定するための情報が不足しています。"
    failing = {**SELF_PLAN, "co2_reduction_t": "2.99t", "co2_reduction_pct": "29%"}
    result = recommend_category(zero_emission, failing, {"equipment": 1})
    assert result.message == "入力された情報では、どの申請区分の要件も満たしていません。"
    assert result.best is None and all(o.status == "not_met" for o in result.options)


def test_carbon_credit_non_sme(carbon_credit: Programme) -> None:
    costs = {"ghg_calculation": 600_000, "promotion": 600_000}
    result = recommend_category(carbon_credit, {"is_sme": False}, costs)
    assert result.lines == [
        "中小企業: 要件未達（中小企業者に該当するか: いいえ（必要: はい））",
        "中小企業以外: 対象 → 30万円",
    ]


@pytest.mark.parametrize(
    ("facts", "lines", "best"),
    [
        (  # 10,500,000 + 設計費 1,500,000 = 12,000,000: 区分3 2/3 → 800万円
            {"co2_reduction_t": "5t", **SELF_PLAN},
            [
                "区分1: 要件未達（年間CO2削減量（t-CO2） 5t < 28t）",
                "区分2: 要件未達（省エネコンサルティング及び省エネ診断に基づく実施か: いいえ（必要: はい））",
                "区分3: 対象 → 800万円",
            ],
            ("3", 8_000_000),
        ),
        (  # the same 12,000,000: 区分1 3/4 → 900万円 beats 区分3 2/3 → 800万円
            {"co2_reduction_t": 30, **SELF_PLAN},
            [
                "区分1: 対象 → 900万円",
                "区分2: 要件未達（省エネコンサルティング及び省エネ診断に基づく実施か: いいえ（必要: はい））",
                "区分3: 対象 → 800万円",
            ],
            ("1", 9_000_000),
        ),
    ],
)
def test_additional_costs_are_compared_on_the_same_eligible_cost(
    zero_emission: Programme, facts: dict[str, Any], lines: list[str], best: tuple[str, int]
) -> None:
    result = recommend_category(
        zero_emission, facts, eligible_cost_yen=10_500_000, additional_costs={"設計費": 1_500_000}
    )
    assert result.lines == lines
    assert result.best is not None and (result.best.id, result.best_amount_yen) == best


def test_additional_costs_a_category_does_not_count(carbon_credit: Programme) -> None:
    result = recommend_category(
        carbon_credit, {"is_sme": False}, eligible_cost_yen=1_000_000, additional_costs={"ghg_calculation": 1}
    )
    assert result.lines[1] == "中小企業以外: 対象 → 50万円"


def test_programmes_without_categories(jver: Programme, meti: Programme) -> None:
    assert recommend_category(jver, {}).message == NO_CATEGORIES
    assert recommend_category(jver, {}).options == []
    assert "助成金・補助金ではない支援制度" in recommend_category(meti, {}).message


def test_invalid_costs(zero_emission: Programme) -> None:
    with pytest.raises(NegativeAmountError):
        recommend_category(zero_emission, {}, {"equipment": -1})
    with pytest.raises(NegativeAmountError):
        recommend_category(zero_emission, {}, eligible_cost_yen=-1)
    with pytest.raises(UnknownCostItemError):
        recommend_category(zero_emission, {}, {"lunch": 1})
    with pytest.raises(AdditionalCostsWithoutTotalError):
        recommend_category(zero_emission, {}, additional_costs={"design": 1})
    with pytest.raises(NegativeAmountError):
        recommend_category(zero_emission, {}, eligible_cost_yen=1, additional_costs={"design": -1})
    with pytest.raises(ConflictingCostsError):
        recommend_category(zero_emission, {}, {"equipment": 1}, 1, {"design": 1})


def test_rate_cap_without_categories(build: Any) -> None:
    programme = build.programme(calculation=build.rate_cap([]))
    assert recommend_category(programme, {}).message == NO_CATEGORIES
    assert calculate_grant(programme, GrantInput(eligible_cost_yen=1)).status == "not_eligible"

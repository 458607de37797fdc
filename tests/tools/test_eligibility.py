"""Eligibility: pass / fail / unknown per rule, need_info questions, SME derivation, support plans."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import InputError
from bot.knowledge.models import Programme
from bot.tools.eligibility import NO_RULES_NOTE, check_eligibility

ZERO_OK = {
    "is_sme": True,
    "located_in_tokyo": "はい",
    "small_medium_facility": True,
    "self_plan": True,
    "co2_reduction_t": "3t",
    "submits_warming_report": True,
}
SAF_OK = {
    "freight_forwarder": True,
    "located_in_tokyo": True,
    "uses_saf_air_cargo": True,
    "haneda_narita_share_pct": "50%",
    "other_subsidy_same_project": False,
    "tax_arrears": False,
}


def test_every_rule_met_is_eligible(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, ZERO_OK)
    assert result.status == "eligible" and result.missing == [] and result.notes == []
    assert [r.outcome for r in result.rules] == ["pass"] * len(zero_emission.eligibility)
    assert (
        result.message
        == f"登録されている申請要件（{len(zero_emission.eligibility)}件）をすべて満たしています。"
    )
    assert result.sources == list(dict.fromkeys(rule.source for rule in zero_emission.eligibility))


def test_a_failed_rule_gives_its_reason_and_source(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, {**ZERO_OK, "located_in_tokyo": False})
    assert result.status == "not_eligible"
    failed = [r for r in result.rules if r.outcome == "fail"]
    assert [r.id for r in failed] == ["site_in_tokyo"]
    assert failed[0].fail_reason == "都内で所有又は使用する事業所で行う事業のみが対象です。"
    assert failed[0].details == ["都内の事業所か: いいえ（必要: はい）"]
    assert failed[0].source.section == "事業概要 > 主な要件"
    assert result.message.startswith("次の要件を満たしていないため、対象外と考えられます")


def test_fail_wins_over_unknown(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, {"located_in_tokyo": False})
    assert result.status == "not_eligible"
    assert {r.outcome for r in result.rules} == {"fail", "unknown"}


@pytest.mark.parametrize(
    ("t", "pct", "outcome"),
    [("2.99t", "29%", "fail"), ("3t", "29%", "pass"), ("2.99t", "30%", "pass"), ("2.99t", None, "unknown")],
)
def test_zero_emission_reduction_threshold(
    zero_emission: Programme, t: str, pct: str | None, outcome: str
) -> None:
    result = check_eligibility(zero_emission, {**ZERO_OK, "co2_reduction_t": t, "co2_reduction_pct": pct})
    rule = next(r for r in result.rules if r.id == "co2_reduction_minimum")
    assert rule.outcome == outcome


def test_need_info_asks_the_programme_questions_in_rule_order(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, {})
    assert result.status == "need_info"
    assert [m.name for m in result.missing] == [
        "is_sme",
        "org_type",
        "located_in_tokyo",
        "small_medium_facility",
        "energy_diagnosis",
        "diagnosis_consulting",
        "self_plan",
        "co2_reduction_t",
        "co2_reduction_pct",
        "submits_warming_report",
    ]
    assert (
        result.missing[2].question
        == "省エネ設備を導入する事業所は東京都内にあり、貴社が所有又は使用していますか？"
    )
    assert result.message.startswith("判定には次の情報が必要です: 中小企業者に該当するか、申請者の種類")


def test_missing_facts_are_deduplicated_across_rules(build: Any) -> None:
    rules = [
        {
            "id": f"r{n}",
            "description": f"要件{n}",
            "condition": {"fact": "is_sme", "op": "==", "value": True},
            "fail_reason": "対象外",
            "source": build.src(),
        }
        for n in (1, 2)
    ]
    result = check_eligibility(build.programme(eligibility=rules), {})
    assert [m.name for m in result.missing] == ["is_sme"]
    assert [r.outcome for r in result.rules] == ["unknown", "unknown"]


@pytest.mark.parametrize(("share", "outcome"), [("50%", "pass"), ("49.99%", "fail"), ("100%", "pass")])
def test_saf_origin_share_rule(saf: Programme, share: str, outcome: str) -> None:
    result = check_eligibility(saf, {**SAF_OK, "haneda_narita_share_pct": share})
    rule = next(r for r in result.rules if r.id == "saf_origin_share")
    assert rule.outcome == outcome
    assert result.status == ("eligible" if outcome == "pass" else "not_eligible")
    if outcome == "fail":
        assert "5割以上" in (rule.fail_reason or "")
        assert rule.details == ["羽田・成田で給油を受けたSAFの環境価値の割合（%） 49.99% < 50%"]


# --- SME derivation --------------------------------------------------------------------------------


def test_is_sme_is_derived_from_industry_capital_and_employees(zero_emission: Programme) -> None:
    profile = {**ZERO_OK, "industry": "小売業", "capital_yen": "1億円", "employees": "30人"}
    del profile["is_sme"]
    result = check_eligibility(zero_emission, profile)
    assert result.status == "eligible"
    derived = result.derived[0]
    assert (derived.name, derived.value) == ("is_sme", True)
    assert "従業員30人は基準以下" in derived.explanation
    assert derived.sources and all(s in result.sources for s in derived.sources)


def test_derived_non_sme_with_org_type_fails(zero_emission: Programme) -> None:
    profile = {"industry": "manufacturing_other", "capital_yen": 500_000_000, "employees": 500}
    result = check_eligibility(zero_emission, {**profile, "org_type": "large_company"})
    assert result.derived[0].value is False
    assert next(r for r in result.rules if r.id == "sme_etc").outcome == "fail"


def test_undecided_sme_keeps_asking(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, {"industry": "小売業", "capital_yen": 100_000_000})
    derived = result.derived[0]
    assert (
        derived.value is None
        and "判定に必要な情報: 常時使用する従業員の数は何人ですか？" in derived.explanation
    )
    assert "is_sme" in [m.name for m in result.missing]


def test_sole_proprietor_is_judged_by_employees(zero_emission: Programme) -> None:
    profile = {"org_type": "sole_proprietor", "industry": "サービス業", "employees": 5, "capital_yen": None}
    assert check_eligibility(zero_emission, profile).derived[0].value is True
    assert check_eligibility(zero_emission, {"employees": 10, "individual": True}).derived[0].value is True


def test_stated_is_sme_is_not_derived(zero_emission: Programme) -> None:
    result = check_eligibility(zero_emission, {"is_sme": False, "industry": "小売業", "employees": 1})
    assert result.derived == []
    assert next(r for r in result.rules if r.id == "sme_etc").outcome == "unknown"


@pytest.mark.parametrize(
    "profile",
    [{"industry": "宇宙業", "employees": 1}, {"industry": "小売業", "employees": "many"}, {"employees": 1.5}],
)
def test_unreadable_sme_facts_are_input_errors(zero_emission: Programme, profile: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        check_eligibility(zero_emission, profile)


# --- programmes that are not grants, or have no rules ---------------------------------------------


def test_support_plan_gets_a_not_a_grant_note(meti: Programme) -> None:
    result = check_eligibility(meti, {"support_institution": True})
    assert result.status == "eligible" and result.programme_kind == "support_plan"
    assert result.notes == [
        "「中小企業支援機関によるカーボンニュートラル・アクションプラン」は助成金・補助金ではない支援制度です"
        "（助成額の計算はありません）。"
    ]
    assert check_eligibility(meti, {"support_institution": "いいえ"}).status == "not_eligible"


def test_programme_without_rules(build: Any) -> None:
    result = check_eligibility(build.programme(), {"anything": 1})
    assert result.status == "eligible" and result.rules == [] and result.notes == [NO_RULES_NOTE]

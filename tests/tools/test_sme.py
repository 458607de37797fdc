"""SME classification under 中小企業基本法 第2条第1項: boundaries, unknowns, sources, org types."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InputError
from bot.knowledge.loader import load_source
from bot.knowledge.sections import quote_in_section
from bot.tools.sme import (
    QUESTION_CAPITAL,
    QUESTION_EMPLOYEES,
    QUESTION_INDUSTRY,
    SME_THRESHOLDS,
    SOURCE_DOC,
    Criterion,
    IndustryClass,
    OrgType,
    classify_sme,
    is_company,
    parse_industry,
    parse_org_type,
    refine_company,
)

SOURCE_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "sources" / f"{SOURCE_DOC}.md"
IC = IndustryClass
C = Criterion

LIMITS = [
    (IC.manufacturing_other, 300_000_000, 300),
    (IC.wholesale, 100_000_000, 100),
    (IC.service, 50_000_000, 100),
    (IC.retail, 50_000_000, 50),
]


@pytest.mark.parametrize(("industry", "capital", "employees"), LIMITS)
def test_thresholds_match_the_article(industry: IndustryClass, capital: int, employees: int) -> None:
    limits = SME_THRESHOLDS[industry]
    assert (limits.capital_limit_yen, limits.employee_limit) == (capital, employees)


@pytest.mark.parametrize(("industry", "capital", "employees"), LIMITS)
def test_capital_boundary_is_inclusive(industry: IndustryClass, capital: int, employees: int) -> None:
    at_limit = classify_sme(industry, capital, None)
    assert (at_limit.is_sme, at_limit.decided_by, at_limit.missing) == (True, [C.capital], [])
    over = classify_sme(industry, capital + 1, None)
    assert (over.is_sme, over.decided_by, over.missing) == (None, [], [QUESTION_EMPLOYEES])
    assert classify_sme(industry, capital + 1, employees + 1).is_sme is False


@pytest.mark.parametrize(("industry", "capital", "employees"), LIMITS)
def test_employee_boundary_is_inclusive(industry: IndustryClass, capital: int, employees: int) -> None:
    at_limit = classify_sme(industry, None, employees)
    assert (at_limit.is_sme, at_limit.decided_by) == (True, [C.employees])
    over = classify_sme(industry, None, employees + 1)
    assert (over.is_sme, over.missing) == (None, [QUESTION_CAPITAL])
    assert classify_sme(industry, capital + 1, employees).is_sme is True  # either criterion suffices


def test_retail_example_explanation() -> None:
    result = classify_sme(IC.retail, 30_000_000, None)
    assert result.explanation[:2] == [
        "小売業の中小企業者の基準は資本金5,000万円以下又は従業員50人以下です。",
        "資本金3,000万円は基準以下のため中小企業者に該当します。",
    ]
    assert result.thresholds == SME_THRESHOLDS[IC.retail]
    assert result.explanation_text.startswith("".join(result.explanation[:2]))


CLASSIFY_CASES = [
    # industry, capital, employees, is_sme, decided_by, missing, verdict line
    (IC.wholesale, 100_000_000, 100, True, [C.capital, C.employees], [],
     "資本金1億円、従業員100人はいずれも基準以下のため中小企業者に該当します。"),
    (IC.manufacturing_other, 400_000_000, 500, False, [C.capital, C.employees], [],
     "資本金4億円、従業員500人はいずれも基準を超えるため中小企業者に該当しません。"),
    (IC.retail, None, None, None, [], [QUESTION_CAPITAL, QUESTION_EMPLOYEES],
     "資本金・従業員数が分からないため、まだ判定できません。"),
    (IC.retail, 60_000_000, None, None, [], [QUESTION_EMPLOYEES],
     "資本金6,000万円は基準を超えますが、従業員数が分からないため、まだ判定できません。"),
    (None, 30_000_000, None, True, [C.capital], [],
     "資本金3,000万円はどの業種の基準も満たすため、業種にかかわらず中小企業者に該当します。"),
    (None, 80_000_000, 40, True, [C.employees], [],
     "従業員40人はどの業種の基準も満たすため、業種にかかわらず中小企業者に該当します。"),
    (None, 400_000_000, 400, False, [C.capital, C.employees], [],
     "資本金4億円、従業員400人はいずれもどの業種の基準も超えるため、業種にかかわらず中小企業者に該当しません。"),
    (None, 400_000_000, None, None, [], [QUESTION_INDUSTRY, QUESTION_EMPLOYEES],
     "資本金4億円はどの業種の基準も超えますが、業種・従業員数が分からないため、まだ判定できません。"),
    (None, 80_000_000, 60, None, [], [QUESTION_INDUSTRY], "業種が分からないため、まだ判定できません。"),
    (None, None, None, None, [], [QUESTION_INDUSTRY, QUESTION_CAPITAL, QUESTION_EMPLOYEES],
     "業種・資本金・従業員数が分からないため、まだ判定できません。"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("industry", "capital", "employees", "is_sme", "decided", "missing", "line"), CLASSIFY_CASES
)
def test_classify_sme(
    industry: IndustryClass | None,
    capital: int | None,
    employees: int | None,
    is_sme: bool | None,
    decided: list[Criterion],
    missing: list[str],
    line: str,
) -> None:
    result = classify_sme(industry, capital, employees)
    assert (result.is_sme, result.decided_by, result.missing) == (is_sme, decided, missing)
    assert line in result.explanation
    assert result.explanation[-1].startswith("なお、中小企業者の範囲は施策ごとに")


def test_unknown_industry_compares_every_industry() -> None:
    result = classify_sme(None, 30_000_000, None)
    assert result.thresholds is None
    assert result.explanation[0] == (
        "業種が分からないため、すべての業種の基準（資本金5,000万円〜3億円以下又は従業員50人〜300人以下）と比べました。"
    )
    assert {ref.quote for ref in result.sources} >= {limits.law_quote for limits in SME_THRESHOLDS.values()}


INDIVIDUAL_CASES = [
    (IC.service, 10**9, 60, True, "個人は常時使用する従業員の数で判断します。資本金の額は判定に用いません。"),
    (IC.service, None, 120, False, "個人は常時使用する従業員の数で判断します。"),
    (IC.retail, None, None, None, "個人は常時使用する従業員の数で判断します。"),
]


@pytest.mark.parametrize(("industry", "capital", "employees", "is_sme", "line"), INDIVIDUAL_CASES)
def test_an_individual_is_judged_by_employees_only(
    industry: IndustryClass, capital: int | None, employees: int | None, is_sme: bool | None, line: str
) -> None:
    result = classify_sme(industry, capital, employees, individual=True)
    assert result.is_sme is is_sme
    assert result.individual is True
    assert line in result.explanation
    assert result.missing == ([] if is_sme is not None else [QUESTION_EMPLOYEES])


def test_an_individual_over_the_employee_limit_is_not_an_sme_whatever_the_capital() -> None:
    result = classify_sme(IC.retail, 10_000_000, 51, individual=True)
    assert (result.is_sme, result.decided_by) == (False, [C.employees])
    assert "従業員51人は基準を超えるため中小企業者に該当しません。" in result.explanation


@pytest.mark.parametrize(("capital", "employees", "word"), [(-1, None, "資本金"), (None, -1, "従業員")])
def test_negative_facts_are_refused(capital: int | None, employees: int | None, word: str) -> None:
    with pytest.raises(InputError) as caught:
        classify_sme(IC.retail, capital, employees)
    assert word in caught.value.message_ja
    assert caught.value.message_en


@given(
    st.sampled_from([*IndustryClass, None]),
    st.none() | st.integers(min_value=0, max_value=10**10),
    st.none() | st.integers(min_value=0, max_value=2000),
)
def test_either_criterion_decides(
    industry: IndustryClass | None, capital: int | None, employees: int | None
) -> None:
    result = classify_sme(industry, capital, employees)
    compared = [industry] if industry is not None else list(IndustryClass)
    per_industry = [
        (capital is not None and capital <= SME_THRESHOLDS[cls].capital_limit_yen)
        or (employees is not None and employees <= SME_THRESHOLDS[cls].employee_limit)
        for cls in compared
    ]
    if result.is_sme is not None:
        assert all(ok is result.is_sme for ok in per_industry)
        assert result.missing == []
    else:
        assert result.missing
    if capital is not None and employees is not None and industry is not None:
        assert result.is_sme is per_industry[0]


# --- sources ---------------------------------------------------------------------------------------


def test_every_quote_is_verbatim_in_its_section() -> None:
    doc = load_source(SOURCE_PATH)
    assert doc.meta.id == SOURCE_DOC
    results = [classify_sme(None, None, None), *(classify_sme(cls, 1, 1) for cls in IndustryClass)]
    refs = {ref for result in results for ref in result.sources}
    assert len(refs) == 2 * len(IndustryClass) + 2
    for ref in refs:
        assert ref.doc == SOURCE_DOC
        assert ref.quote in doc.body
        assert quote_in_section(doc.body, ref.section, ref.quote), (ref.section, ref.quote)


def test_sources_name_the_industry_compared() -> None:
    quotes = [ref.quote for ref in classify_sme(IC.retail, 1, None).sources]
    assert SME_THRESHOLDS[IC.retail].law_quote in quotes
    assert SME_THRESHOLDS[IC.retail].table_quote in quotes
    assert SME_THRESHOLDS[IC.service].law_quote not in quotes


# --- industries and organisation types ----------------------------------------------------------

INDUSTRY_CASES = [
    ("製造業", IC.manufacturing_other),
    ("自動車部品製造", IC.manufacturing_other),
    ("建設業", IC.manufacturing_other),
    ("運輸業", IC.manufacturing_other),
    ("運送業", IC.manufacturing_other),
    ("manufacturing_other", IC.manufacturing_other),
    ("卸売業", IC.wholesale),
    ("Wholesale", IC.wholesale),
    ("小売業", IC.retail),
    ("飲食店", IC.retail),
    ("飲食サービス業", IC.retail),
    ("サービス業", IC.service),
    ("ｻｰﾋﾞｽ業", IC.service),
    ("宿泊業", IC.service),
    ("旅館", IC.service),
    ("娯楽業", IC.service),
    ("ソフトウェア業", IC.service),
    ("情報処理サービス業", IC.service),
    ("建設コンサルタント", IC.service),
    ("介護事業", IC.service),
    ("パン製造小売", None),
    ("卸小売", None),
    ("製造業向けソフトウェア開発", None),
    ("不動産業", None),
    ("旅行業", None),
    ("IT", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), INDUSTRY_CASES)
def test_parse_industry(text: str, expected: IndustryClass | None) -> None:
    assert parse_industry(text) is expected


ORG_CASES = [
    ("株式会社", OrgType.company),
    ("株式会社山田製作所", OrgType.company),
    ("有限会社", OrgType.company),
    ("合同会社", OrgType.company),
    ("㈱山田", OrgType.company),
    ("中小企業です", OrgType.sme_company),
    ("中小企業の株式会社", OrgType.sme_company),
    ("大企業の株式会社", OrgType.large_company),
    ("学校法人", OrgType.school_corp),
    ("医療法人社団", OrgType.medical_corp),
    ("社会福祉法人", OrgType.social_welfare_corp),
    ("公益財団法人", OrgType.public_interest_foundation),
    ("一般社団法人", OrgType.general_incorporated),
    ("一般財団法人", OrgType.general_incorporated),
    ("個人事業主です", OrgType.sole_proprietor),
    ("個人事業", OrgType.sole_proprietor),
    ("フリーランス", OrgType.sole_proprietor),
    ("NPO法人", OrgType.npo),
    ("ｎｐｏ法人", OrgType.npo),
    ("特定非営利活動法人", OrgType.npo),
    ("地方公共団体", OrgType.local_government),
    ("横浜市役所", OrgType.local_government),
    ("自治体", OrgType.local_government),
    ("独立行政法人", OrgType.independent_admin),
    ("国立研究開発法人", OrgType.independent_admin),
    ("地方独立行政法人", OrgType.other),
    ("公益社団法人", OrgType.other),
    ("その他", OrgType.other),
    ("横浜市", None),
    ("東京都", None),
    ("株式会社と学校法人", None),
    ("中小企業と大企業", None),
    ("個人", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), ORG_CASES)
def test_parse_org_type(text: str, expected: OrgType | None) -> None:
    assert parse_org_type(text) is expected


@pytest.mark.parametrize("org_type", list(OrgType))
def test_is_company(org_type: OrgType) -> None:
    expected = org_type in (OrgType.company, OrgType.sme_company, OrgType.large_company)
    assert is_company(org_type) is expected


def test_refine_company_once_the_size_is_known() -> None:
    sme = classify_sme(IC.retail, 1, None)
    large = classify_sme(IC.retail, 10**9, 10**4)
    unknown = classify_sme(IC.retail, None, None)
    assert refine_company(OrgType.company, sme) is OrgType.sme_company
    assert refine_company(OrgType.company, large) is OrgType.large_company
    assert refine_company(OrgType.company, unknown) is OrgType.company
    assert refine_company(OrgType.school_corp, sme) is OrgType.school_corp

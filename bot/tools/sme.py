"""中小企業者の判定 — SME classification under 中小企業基本法 第2条第1項, and organisation types.

Each item of the article reads 「資本金の額又は出資の総額が…以下の会社並びに常時使用する従業員の
数が…以下の会社及び個人」: a company qualifies when EITHER its capital OR its employee count is
within the limit of its industry; an individual (個人事業主) is judged by employees only.
Non-company corporations (学校法人, 医療法人, NPO法人, …) are not 会社: programmes that admit
them say so themselves, which is why :class:`OrgType` is separate from the SME test.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from bot.errors import InputError
from bot.knowledge.models import SourceRef
from bot.tools.parsing import format_yen

SOURCE_DOC = "sme-basic-act-article2"
LAW_SECTION = "中小企業基本法（昭和三十八年法律第百五十四号） > 第二条第一項"
TABLE_SECTION = "中小企業基本法（昭和三十八年法律第百五十四号） > 中小企業者の範囲（早見表）"

QUESTION_CAPITAL = "資本金の額（又は出資の総額）はいくらですか？"
QUESTION_EMPLOYEES = "常時使用する従業員の数は何人ですか？"
QUESTION_INDUSTRY = "業種は何ですか（製造業・建設業・運輸業その他／卸売業／サービス業／小売業）？"
K = TypeVar("K", "IndustryClass", "OrgType")
NOTE_PER_MEASURE = (
    "なお、中小企業者の範囲は施策ごとに定めるものとされているため、補助金の公募要領の定義も確認してください。"
)


class IndustryClass(StrEnum):
    """The four industry classes of 第2条第1項 (一号〜四号)."""

    manufacturing_other = "manufacturing_other"  # 製造業、建設業、運輸業その他の業種
    wholesale = "wholesale"  # 卸売業
    service = "service"  # サービス業
    retail = "retail"  # 小売業


class Criterion(StrEnum):
    capital = "capital"  # 資本金の額又は出資の総額
    employees = "employees"  # 常時使用する従業員の数


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmeThresholds(_Frozen):
    """One item of the article: the industry, its limits and where the law states them."""

    industry: IndustryClass
    label: str
    capital_limit_yen: int
    employee_limit: int
    law_quote: str
    table_quote: str


class SmeResult(_Frozen):
    """Whether the applicant is a 中小企業者; ``is_sme`` is None when a fact is still needed."""

    is_sme: bool | None
    industry: IndustryClass | None
    individual: bool
    decided_by: list[Criterion]
    thresholds: SmeThresholds | None
    explanation: list[str]
    missing: list[str]
    sources: list[SourceRef]

    @property
    def explanation_text(self) -> str:
        """The explanation lines as one Japanese paragraph."""
        return "".join(self.explanation)


SME_THRESHOLDS: dict[IndustryClass, SmeThresholds] = {
    IndustryClass.manufacturing_other: SmeThresholds(
        industry=IndustryClass.manufacturing_other,
        label="製造業・建設業・運輸業その他の業種",
        capital_limit_yen=300_000_000,
        employee_limit=300,
        law_quote="資本金の額又は出資の総額が三億円以下の会社並びに常時使用する従業員の数が三百人以下の会社"
        "及び個人であつて、製造業、建設業、運輸業その他の業種（次号から第四号までに掲げる業種を除く。）に"
        "属する事業を主たる事業として営むもの",
        table_quote="その他の業種（第二号から第四号までに掲げる業種を除く。） | 3億円以下 | 300人以下",
    ),
    IndustryClass.wholesale: SmeThresholds(
        industry=IndustryClass.wholesale,
        label="卸売業",
        capital_limit_yen=100_000_000,
        employee_limit=100,
        law_quote="資本金の額又は出資の総額が一億円以下の会社並びに常時使用する従業員の数が百人以下の会社"
        "及び個人であつて、卸売業に属する事業を主たる事業として営むもの",
        table_quote="| 卸売業 | 1億円以下 | 100人以下 |",
    ),
    IndustryClass.service: SmeThresholds(
        industry=IndustryClass.service,
        label="サービス業",
        capital_limit_yen=50_000_000,
        employee_limit=100,
        law_quote="資本金の額又は出資の総額が五千万円以下の会社並びに常時使用する従業員の数が百人以下の会社"
        "及び個人であつて、サービス業に属する事業を主たる事業として営むもの",
        table_quote="| サービス業 | 5,000万円以下 | 100人以下 |",
    ),
    IndustryClass.retail: SmeThresholds(
        industry=IndustryClass.retail,
        label="小売業",
        capital_limit_yen=50_000_000,
        employee_limit=50,
        law_quote="資本金の額又は出資の総額が五千万円以下の会社並びに常時使用する従業員の数が五十人以下の会社"
        "及び個人であつて、小売業に属する事業を主たる事業として営むもの",
        table_quote="| 小売業 | 5,000万円以下 | 50人以下 |",
    ),
}
EITHER_QUOTE = (
    "会社は資本金の額又は出資の総額、常時使用する従業員の数のいずれかが基準以下であれば該当し、"
    "個人は常時使用する従業員の数で判断する。"
)
PER_MEASURE_QUOTE = (
    "その範囲は、これらの施策が次条の基本理念の実現を図るため効率的に実施されるように施策ごとに定める"
)


# --- classification ----------------------------------------------------------------------------


class _Verdict(_Frozen):
    is_sme: bool | None
    capital_ok: bool | None  # None: unknown, or not applicable to an individual
    employees_ok: bool | None


def classify_sme(
    industry: IndustryClass | None,
    capital_yen: int | None,
    employees: int | None,
    *,
    individual: bool = False,
) -> SmeResult:
    """Decide whether a business is a 中小企業者 under 中小企業基本法 第2条第1項.

    A company qualifies when its capital (資本金の額又は出資の総額) OR its regular employees
    (常時使用する従業員の数) are within its industry's limits — 製造業・建設業・運輸業その他
    3億円/300人, 卸売業 1億円/100人, サービス業 5,000万円/100人, 小売業 5,000万円/50人 (limits
    inclusive). ``individual=True`` (個人事業主): employees only, capital is ignored. With
    ``industry=None`` the facts are compared with every industry and decide only when all agree.
    ``is_sme`` is None when a fact is missing; ``missing`` then lists the questions to ask.
    Negative inputs raise :class:`~bot.errors.InputError`.
    """
    _check_counts(capital_yen, employees)
    capital = None if individual else capital_yen
    classes = [industry] if industry is not None else list(IndustryClass)
    verdicts = [_verdict(SME_THRESHOLDS[cls], capital, employees, individual) for cls in classes]
    outcomes = {verdict.is_sme for verdict in verdicts}
    is_sme = outcomes.pop() if len(outcomes) == 1 else None
    decided_by = _decided_by(verdicts, is_sme)
    thresholds = SME_THRESHOLDS[industry] if industry is not None else None
    facts = _Facts(capital=capital, employees=employees, individual=individual, any_industry=industry is None)
    return SmeResult(
        is_sme=is_sme,
        industry=industry,
        individual=individual,
        decided_by=decided_by,
        thresholds=thresholds,
        explanation=[
            *_criteria_lines(thresholds, individual, capital_yen),
            _verdict_line(is_sme, decided_by or _agreeing(verdicts, ok=False), facts),
            NOTE_PER_MEASURE,
        ],
        missing=_missing(is_sme, industry, facts),
        sources=_sources(classes),
    )


class _Facts(_Frozen):
    capital: int | None  # None when unknown or not applicable (individual)
    employees: int | None
    individual: bool
    any_industry: bool


def _check_counts(capital_yen: int | None, employees: int | None) -> None:
    if capital_yen is not None and capital_yen < 0:
        raise InputError(
            f"資本金の額に負の値（{capital_yen}円）は指定できません。",
            f"Capital cannot be negative (got {capital_yen} yen).",
        )
    if employees is not None and employees < 0:
        raise InputError(
            f"従業員の数に負の値（{employees}人）は指定できません。",
            f"The number of employees cannot be negative (got {employees}).",
        )


def _verdict(limits: SmeThresholds, capital: int | None, employees: int | None, individual: bool) -> _Verdict:
    capital_ok = None if capital is None else capital <= limits.capital_limit_yen
    employees_ok = None if employees is None else employees <= limits.employee_limit
    is_sme: bool | None = None
    if capital_ok or employees_ok:
        is_sme = True
    elif employees_ok is False and (capital_ok is False or individual):
        is_sme = False
    return _Verdict(is_sme=is_sme, capital_ok=capital_ok, employees_ok=employees_ok)


def _decided_by(verdicts: list[_Verdict], is_sme: bool | None) -> list[Criterion]:
    """The criteria that decide in every industry compared (met if SME, exceeded if not)."""
    return [] if is_sme is None else _agreeing(verdicts, is_sme)


def _agreeing(verdicts: list[_Verdict], ok: bool) -> list[Criterion]:
    """The criteria that are met (``ok``) or exceeded (not ``ok``) in every industry compared."""
    agreeing: list[Criterion] = []
    if all(verdict.capital_ok is ok for verdict in verdicts):
        agreeing.append(Criterion.capital)
    if all(verdict.employees_ok is ok for verdict in verdicts):
        agreeing.append(Criterion.employees)
    return agreeing


# --- explanation ---------------------------------------------------------------------------------


def _criteria_lines(thresholds: SmeThresholds | None, individual: bool, capital_yen: int | None) -> list[str]:
    if thresholds is None:
        capitals = [limits.capital_limit_yen for limits in SME_THRESHOLDS.values()]
        staff = [limits.employee_limit for limits in SME_THRESHOLDS.values()]
        line = (
            f"業種が分からないため、すべての業種の基準（資本金{format_yen(min(capitals))}〜"
            f"{format_yen(max(capitals))}以下又は従業員{min(staff)}人〜{max(staff)}人以下）と比べました。"
        )
    else:
        line = (
            f"{thresholds.label}の中小企業者の基準は資本金{format_yen(thresholds.capital_limit_yen)}以下"
            f"又は従業員{thresholds.employee_limit}人以下です。"
        )
    if not individual:
        return [line]
    ignored = "資本金の額は判定に用いません。" if capital_yen is not None else ""
    return [line, f"個人は常時使用する従業員の数で判断します。{ignored}"]


def _verdict_line(is_sme: bool | None, criteria: list[Criterion], facts: _Facts) -> str:
    """``criteria``: those that decided, or, while undecided, those already exceeded."""
    shown = [_describe(criterion, facts) for criterion in criteria]
    subject = "、".join(shown) + ("はいずれも" if len(shown) > 1 else "は")
    scope = "どの業種の基準も" if facts.any_industry else "基準"
    if is_sme is True:
        within = "満たすため、業種にかかわらず" if facts.any_industry else "以下のため"
        return f"{subject}{scope}{within}中小企業者に該当します。"
    if is_sme is False:
        beyond = "超えるため、業種にかかわらず" if facts.any_industry else "を超えるため"
        return f"{subject}{scope}{beyond}中小企業者に該当しません。"
    unknown = f"{'・'.join(_unknown_labels(facts))}が分からないため、まだ判定できません。"
    if not shown:
        return unknown
    return f"{subject}{scope}{'超えます' if facts.any_industry else 'を超えます'}が、{unknown}"


def _describe(criterion: Criterion, facts: _Facts) -> str:
    if criterion is Criterion.capital:
        assert facts.capital is not None  # a deciding criterion is known
        return f"資本金{format_yen(facts.capital)}"
    return f"従業員{facts.employees}人"


def _unknown_labels(facts: _Facts) -> list[str]:
    labels = ["業種"] if facts.any_industry else []
    if facts.capital is None and not facts.individual:
        labels.append("資本金")
    if facts.employees is None:
        labels.append("従業員数")
    return labels


def _missing(is_sme: bool | None, industry: IndustryClass | None, facts: _Facts) -> list[str]:
    if is_sme is not None:
        return []
    questions = {"業種": QUESTION_INDUSTRY, "資本金": QUESTION_CAPITAL, "従業員数": QUESTION_EMPLOYEES}
    return [questions[label] for label in _unknown_labels(facts)]


def _sources(classes: list[IndustryClass]) -> list[SourceRef]:
    """The law's items and the table rows for the industries compared, the either/or rule, the note."""
    quotes = [(LAW_SECTION, SME_THRESHOLDS[cls].law_quote) for cls in classes]
    quotes += [(TABLE_SECTION, SME_THRESHOLDS[cls].table_quote) for cls in classes]
    quotes += [(TABLE_SECTION, EITHER_QUOTE), (LAW_SECTION, PER_MEASURE_QUOTE)]
    return [SourceRef(doc=SOURCE_DOC, section=section, quote=quote) for section, quote in quotes]


# --- industries and organisation types -------------------------------------------------------

# Phrases separated by spaces. The mapping follows 中小企業庁's reading of the article by
# 日本標準産業分類 (its FAQ 「中小企業の定義について」, not in our corpus): 飲食店 and 持ち帰り・配達
# 飲食サービス業 count as 小売業; 宿泊業, 娯楽業, 情報サービス業 (ソフトウェア業を含む), 医療・福祉
# and 教育 as サービス業. Words whose class depends on details (不動産, 旅行, IT, …) stay unmapped.
_INDUSTRY_WORDS: dict[IndustryClass, str] = {
    IndustryClass.manufacturing_other: "製造 建設 運輸 運送 manufacturing_other manufactur construction "
    "transport",
    IndustryClass.wholesale: "卸 wholesale",
    IndustryClass.service: "サービス service 情報処理サービス 建設コンサルタント ソフトウェア ソフトウエア "
    "情報処理 宿泊 旅館 ホテル 娯楽 医療 福祉 介護 教育",
    IndustryClass.retail: "飲食サービス 飲食 小売 retail restaurant",
}


class OrgType(StrEnum):
    """Who applies. ``company`` is a 会社 whose size is not yet known (see :func:`refine_company`)."""

    company = "company"  # 株式会社・有限会社・合同会社… (規模未確認)
    sme_company = "sme_company"  # 中小企業
    large_company = "large_company"  # 大企業
    school_corp = "school_corp"  # 学校法人
    medical_corp = "medical_corp"  # 医療法人
    social_welfare_corp = "social_welfare_corp"  # 社会福祉法人
    public_interest_foundation = "public_interest_foundation"  # 公益財団法人
    general_incorporated = "general_incorporated"  # 一般社団法人・一般財団法人
    sole_proprietor = "sole_proprietor"  # 個人事業主
    npo = "npo"  # 特定非営利活動法人
    local_government = "local_government"  # 地方公共団体
    independent_admin = "independent_admin"  # 独立行政法人
    other = "other"


COMPANY_TYPES = frozenset({OrgType.company, OrgType.sme_company, OrgType.large_company})

# A place name alone (横浜市, 東京都) is not taken as 地方公共団体: it is more often where the
# business is; only explicit words are.
_ORG_WORDS: dict[OrgType, str] = {
    OrgType.company: "株式会社 有限会社 合同会社 合名会社 合資会社 (株) (有) (同) 会社",
    OrgType.sme_company: "中小企業",
    OrgType.large_company: "大企業",
    OrgType.school_corp: "学校法人",
    OrgType.medical_corp: "医療法人",
    OrgType.social_welfare_corp: "社会福祉法人",
    OrgType.public_interest_foundation: "公益財団法人",
    OrgType.general_incorporated: "一般社団法人 一般財団法人",
    OrgType.sole_proprietor: "個人事業主 個人事業 フリーランス",
    OrgType.npo: "特定非営利活動法人 NPO",
    OrgType.local_government: "地方公共団体 自治体 市役所 区役所 町役場 村役場 都道府県 市区町村 市町村",
    OrgType.independent_admin: "独立行政法人 国立研究開発法人",
    OrgType.other: "地方独立行政法人 公益社団法人 その他",
}


def _find_words(text: str, table: Mapping[K, str]) -> set[K]:
    """The keys whose phrases occur in ``text`` (NFKC, case-folded); longer phrases are matched
    first and removed, so 情報処理サービス is not also サービス and 地方独立行政法人 not 独立行政法人."""
    rest = unicodedata.normalize("NFKC", text).casefold()
    phrases = sorted(
        ((word.casefold(), key) for key, words in table.items() for word in words.split()),
        key=lambda pair: -len(pair[0]),
    )
    found: set[K] = set()
    for phrase, key in phrases:
        if phrase in rest:
            found.add(key)
            rest = rest.replace(phrase, " ")
    return found


def parse_industry(text: str) -> IndustryClass | None:
    """Map a Japanese description of the main business (製造, 建設, 運輸, 卸, 小売, サービス, 飲食…) to
    its class under 第2条第1項; None when no clear word is found or words of two classes are.

    飲食店 → 小売業 and 宿泊・娯楽・ソフトウェア・情報処理 → サービス業 follow 中小企業庁's reading
    by 日本標準産業分類 (not in our corpus). Related laws give some of these (ソフトウェア業・情報
    処理サービス業, 旅館業, ゴム製品製造業) other limits by 政令; a programme's own rules prevail.
    """
    found = _find_words(text, _INDUSTRY_WORDS)
    return found.pop() if len(found) == 1 else None


def parse_org_type(text: str) -> OrgType | None:
    """Map a Japanese description of the applicant (株式会社, 学校法人, 個人事業主, NPO法人…) to an OrgType.

    株式会社/有限会社/合同会社/合名会社/合資会社/(株) give ``company`` (size unknown); 中小企業 and
    大企業 give their sized types. 地方公共団体 needs explicit words (自治体, 市役所, 都道府県…); a
    place name alone gives None. None also when nothing is recognised or two types are named.
    """
    found = _find_words(text, _ORG_WORDS)
    if len(found) == 2 and OrgType.company in found and found <= COMPANY_TYPES:
        found.discard(OrgType.company)  # 中小企業の株式会社: the sized type says more
    return found.pop() if len(found) == 1 else None


def is_company(org_type: OrgType) -> bool:
    """Whether the organisation is a 会社 (of known or unknown size)."""
    return org_type in COMPANY_TYPES


def refine_company(org_type: OrgType, sme: SmeResult) -> OrgType:
    """A ``company`` becomes ``sme_company``/``large_company`` once :func:`classify_sme` decides."""
    if org_type is not OrgType.company or sme.is_sme is None:
        return org_type
    return OrgType.sme_company if sme.is_sme else OrgType.large_company

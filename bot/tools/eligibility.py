"""申請資格の判定 — check an applicant profile against a programme's eligibility rules.

Each rule is pass / fail / unknown (three-valued, see :mod:`bot.tools.conditions`). The
programme is ``not_eligible`` if any rule fails, else ``need_info`` if any is unknown (with the
missing facts as the programme's own questions, deduplicated in rule order), else ``eligible``.
``is_sme`` is derived with :func:`bot.tools.sme.classify_sme` from ``industry``, ``capital_yen``
and ``employees`` when the profile does not state it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.errors import InputError
from bot.knowledge.models import EligibilityRule, InputSpec, Programme, SourceRef
from bot.tools.conditions import (
    MissingFact,
    coerce_facts,
    describe_failures,
    evaluate_condition,
    missing_facts,
)
from bot.tools.grant_models import unique_sources
from bot.tools.parsing import parse_yen
from bot.tools.sme import SME_THRESHOLDS, IndustryClass, classify_sme

EligibilityStatus = Literal["eligible", "not_eligible", "need_info"]
RuleOutcomeKind = Literal["pass", "fail", "unknown"]
SME_FACT = "is_sme"
SME_INPUTS = ("industry", "capital_yen", "employees")
NO_RULES_NOTE = "この制度には判定できる申請要件が登録されていません。募集要項で確認してください。"


class RuleOutcome(BaseModel):
    """One rule's outcome; ``details`` say which checks failed, ``missing`` what is unknown."""

    model_config = ConfigDict(frozen=True)

    id: str
    description: str
    outcome: RuleOutcomeKind
    fail_reason: str | None = None
    details: list[str] = []
    missing: list[MissingFact] = []
    source: SourceRef


class DerivedFact(BaseModel):
    """A fact computed from others (e.g. is_sme from industry, capital and employees)."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: bool | None
    explanation: str
    sources: list[SourceRef]


class EligibilityResult(BaseModel):
    """The programme-level verdict, every rule's outcome, and the questions still to ask."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    programme_name: str
    programme_kind: str
    status: EligibilityStatus
    rules: list[RuleOutcome]
    missing: list[MissingFact]
    derived: list[DerivedFact]
    notes: list[str]
    message: str
    sources: list[SourceRef]


def check_eligibility(programme: Programme, profile: Mapping[str, object]) -> EligibilityResult:
    """申請資格を判定する（要件ごとに満たす／満たさない／情報不足、不足情報は質問で示す）。

    Check an applicant profile (facts by input name) against the programme's eligibility rules:
    each rule pass / fail / unknown with its source; status eligible, not_eligible or need_info
    with the missing facts phrased as the programme's questions. ``is_sme`` is derived from
    ``industry`` + ``capital_yen`` + ``employees`` when not given.
    """
    facts = coerce_facts(programme.inputs, profile)
    derived = _derive_sme(facts)
    if derived is not None and derived.value is not None:
        facts[SME_FACT] = derived.value
    specs = {spec.name: spec for spec in programme.inputs}
    outcomes = [_rule_outcome(rule, facts, specs, programme.inputs) for rule in programme.eligibility]
    status = _status(outcomes)
    missing = _dedupe([m for outcome in outcomes for m in outcome.missing])
    return EligibilityResult(
        programme_id=programme.id,
        programme_name=programme.name.value,
        programme_kind=programme.kind,
        status=status,
        rules=outcomes,
        missing=missing,
        derived=[derived] if derived is not None else [],
        notes=_notes(programme),
        message=_message(status, outcomes, missing),
        sources=unique_sources(
            [*(o.source for o in outcomes), *(s for d in [derived] if d for s in d.sources)]
        ),
    )


def _rule_outcome(
    rule: EligibilityRule,
    facts: Mapping[str, object],
    specs: Mapping[str, InputSpec],
    inputs: list[InputSpec],
) -> RuleOutcome:
    result = evaluate_condition(rule.condition, facts)
    if result.value is True:
        return RuleOutcome(id=rule.id, description=rule.description, outcome="pass", source=rule.source)
    if result.value is False:
        return RuleOutcome(
            id=rule.id,
            description=rule.description,
            outcome="fail",
            fail_reason=rule.fail_reason,
            details=describe_failures(result, facts, specs),
            source=rule.source,
        )
    return RuleOutcome(
        id=rule.id,
        description=rule.description,
        outcome="unknown",
        missing=missing_facts(result.missing, inputs),
        source=rule.source,
    )


def _status(outcomes: list[RuleOutcome]) -> EligibilityStatus:
    if any(o.outcome == "fail" for o in outcomes):
        return "not_eligible"
    if any(o.outcome == "unknown" for o in outcomes):
        return "need_info"
    return "eligible"


def _dedupe(missing: list[MissingFact]) -> list[MissingFact]:
    return list({m.name: m for m in missing}.values())


def _notes(programme: Programme) -> list[str]:
    notes: list[str] = []
    if programme.kind == "support_plan":
        notes.append(
            f"「{programme.name.value}」は助成金・補助金ではない支援制度です（助成額の計算はありません）。"
        )
    if not programme.eligibility:
        notes.append(NO_RULES_NOTE)
    return notes


def _message(status: EligibilityStatus, outcomes: list[RuleOutcome], missing: list[MissingFact]) -> str:
    if status == "not_eligible":
        failed = "、".join(o.description for o in outcomes if o.outcome == "fail")
        return f"次の要件を満たしていないため、対象外と考えられます: {failed}。"
    if status == "need_info":
        return f"判定には次の情報が必要です: {'、'.join(m.label for m in missing)}。"
    return f"登録されている申請要件（{len(outcomes)}件）をすべて満たしています。"


# --- SME derivation ------------------------------------------------------------------------


def _derive_sme(facts: Mapping[str, object]) -> DerivedFact | None:
    """is_sme from industry / capital_yen / employees, when the profile does not state it."""
    if facts.get(SME_FACT) is not None or not any(facts.get(name) is not None for name in SME_INPUTS):
        return None
    individual = facts.get("org_type") == "sole_proprietor" or facts.get("individual") is True
    result = classify_sme(
        _industry(facts.get("industry")),
        _whole(facts.get("capital_yen"), "capital_yen", yen=True),
        _whole(facts.get("employees"), "employees", yen=False),
        individual=individual,
    )
    explanation = "".join(result.explanation)
    if result.missing:
        explanation += f"（判定に必要な情報: {'、'.join(result.missing)}）"
    return DerivedFact(name=SME_FACT, value=result.is_sme, explanation=explanation, sources=result.sources)


def _industry(value: object) -> IndustryClass | None:
    if value is None or isinstance(value, IndustryClass):
        return value
    text = str(value).strip()
    for industry, limits in SME_THRESHOLDS.items():
        if text == industry.value or (len(text) >= 2 and text in limits.label):
            return industry
    listed = "、".join(f"{cls.value}（{limits.label}）" for cls, limits in SME_THRESHOLDS.items())
    raise InputError(
        f"業種「{text}」を判定できません。次のいずれかを指定してください: {listed}",
        f"Unknown industry '{text}'. Use one of: {', '.join(cls.value for cls in SME_THRESHOLDS)}",
    )


def _whole(value: object, name: str, yen: bool) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        text = value.strip().removesuffix("人").removesuffix("名").strip()
        if yen:
            return parse_yen(text)
        if text.isdigit():
            return int(text)
    raise InputError(
        f"「{name}」の値「{value}」を解釈できません（整数で入力してください）",
        f"Cannot read {value!r} for '{name}' (expected a whole number)",
    )

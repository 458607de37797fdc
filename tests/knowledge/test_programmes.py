"""The programme facts in knowledge/programmes: they load, every fact is cited from a passage
that exists verbatim in its source document, the key numbers and dates are right, and the
loader reports bad programme files with ``file:line``."""

from __future__ import annotations

import datetime as dt
import textwrap
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from bot.errors import KnowledgeError, UnknownProgrammeError
from bot.knowledge.loader import KnowledgeBase, load_knowledge, load_programme
from bot.knowledge.models import (
    AllOf,
    AnyOf,
    Check,
    Condition,
    InputSpec,
    Programme,
    RateCapCalculation,
    WorksheetCalculation,
)
from bot.knowledge.sections import quote_in_section, section_texts

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

PROGRAMME_IDS = [
    "meti-cn-action-plan",
    "moe-jver-credit-creation-2010",
    "tokyo-carbon-credit-promotion",
    "tokyo-saf-air-cargo",
    "tokyo-zero-emission-energy-saving",
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


def _rate_cap(programme: Programme) -> RateCapCalculation:
    assert isinstance(programme.calculation, RateCapCalculation)
    return programme.calculation


def _worksheet(programme: Programme) -> WorksheetCalculation:
    assert isinstance(programme.calculation, WorksheetCalculation)
    return programme.calculation


def _conditions(programme: Programme) -> list[Condition]:
    found: list[Condition] = [rule.condition for rule in programme.eligibility]
    if isinstance(programme.calculation, RateCapCalculation):
        found += [c.when for c in programme.calculation.categories if c.when is not None]
    return found


def _checks(condition: Condition) -> list[Check]:
    if isinstance(condition, Check):
        return [condition]
    children = condition.all if isinstance(condition, AllOf) else condition.any
    return [check for child in children for check in _checks(child)]


def _holds(condition: Condition, facts: dict[str, Any]) -> bool | None:
    """Three-valued evaluation (None = a fact is unknown), enough to test the data."""
    if isinstance(condition, Check):
        if condition.fact not in facts:
            return None
        value, target = facts[condition.fact], condition.value
        ops = {
            "==": lambda: value == target,
            "!=": lambda: value != target,
            ">=": lambda: value >= target,
            ">": lambda: value > target,
            "<=": lambda: value <= target,
            "<": lambda: value < target,
            "in": lambda: value in target,
            "not_in": lambda: value not in target,
        }
        return bool(ops[condition.op]())
    if isinstance(condition, AllOf):
        results = [_holds(child, facts) for child in condition.all]
        if False in results:
            return False
        return None if None in results else True
    assert isinstance(condition, AnyOf)
    results = [_holds(child, facts) for child in condition.any]
    if True in results:
        return True
    return None if None in results else False


def _matching_categories(programme: Programme, facts: dict[str, Any]) -> list[str]:
    return [c.id for c in _rate_cap(programme).categories if c.when is not None and _holds(c.when, facts)]


# --- loading and citations -----------------------------------------------------------------


def test_canonical_programmes_load(kb: KnowledgeBase) -> None:
    assert sorted(kb.programmes) == PROGRAMME_IDS
    for programme_id in PROGRAMME_IDS:
        path = KNOWLEDGE_DIR / "programmes" / f"{programme_id}.yaml"
        assert load_programme(path).id == programme_id
    with pytest.raises(UnknownProgrammeError):
        kb.programme("no-such-programme")


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_every_source_ref_quotes_its_section_verbatim(kb: KnowledgeBase, programme_id: str) -> None:
    programme = kb.programme(programme_id)
    refs = programme.sources()
    assert len(refs) >= 8
    problems = []
    for ref in refs:
        doc = kb.sources.get(ref.doc)
        if doc is None:
            problems.append(f"unknown doc {ref.doc!r}")
        elif ref.section not in section_texts(doc.body):
            problems.append(f"{doc.path}: no section {ref.section!r}")
        elif not quote_in_section(doc.body, ref.section, ref.quote):
            line = next(s.line for s in doc.sections() if s.path == ref.section)
            problems.append(f"{doc.path}:{line}: {ref.section}: quote not found: {ref.quote!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_programme_cites_its_own_document(kb: KnowledgeBase, programme_id: str) -> None:
    programme = kb.programme(programme_id)
    assert {ref.doc for ref in programme.sources()} == {programme_id}
    assert programme_id in kb.sources[programme_id].meta.programmes


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_every_condition_fact_is_a_declared_input(kb: KnowledgeBase, programme_id: str) -> None:
    programme = kb.programme(programme_id)
    inputs = {spec.name: spec for spec in programme.inputs}
    assert len(inputs) == len(programme.inputs), "duplicate input names"
    for condition in _conditions(programme):
        for check in _checks(condition):
            spec = inputs.get(check.fact)
            assert spec is not None, f"{programme_id}: undeclared fact {check.fact}"
            if spec.type == "bool":
                assert check.op in ("==", "!=") and isinstance(check.value, bool), check
            elif spec.type in ("yen", "tonnes", "percent", "int"):
                assert check.op in (">=", ">", "<=", "<", "==", "!=")
                assert isinstance(check.value, int | float) and not isinstance(check.value, bool), check
            elif spec.type == "choice":
                assert spec.choices is not None
                values = check.value if check.op in ("in", "not_in") else [check.value]
                assert set(values) <= set(spec.choices), check
    if isinstance(programme.calculation, WorksheetCalculation):
        for line in programme.calculation.lines:
            if line.op == "input":
                assert line.input is not None and inputs[line.input].type == "yen"


def test_shared_inputs_mean_the_same_everywhere(kb: KnowledgeBase) -> None:
    seen: dict[str, InputSpec] = {}
    for programme in kb.programmes.values():
        for spec in programme.inputs:
            first = seen.setdefault(spec.name, spec)
            assert spec.type == first.type, spec.name
            assert spec.choices == first.choices, spec.name
            assert "？" in spec.question or spec.question.endswith("。"), spec.question
    for name in ["is_sme", "org_type", "located_in_tokyo", "other_subsidy_same_project"]:
        assert name in seen
    assert seen["org_type"].choices is not None
    assert {"sme_company", "large_company", "school_corp", "medical_corp", "social_welfare_corp"} <= set(
        seen["org_type"].choices
    )


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_aliases_and_contacts(kb: KnowledgeBase, programme_id: str) -> None:
    programme = kb.programme(programme_id)
    assert len(programme.aliases) >= 2
    assert programme.contacts
    assert all(c.phone or c.email for c in programme.contacts)


@pytest.mark.parametrize(
    ("programme_id", "kind"),
    [
        ("tokyo-zero-emission-energy-saving", "grant"),
        ("tokyo-carbon-credit-promotion", "grant"),
        ("tokyo-saf-air-cargo", "grant"),
        ("moe-jver-credit-creation-2010", "subsidy"),
        ("meti-cn-action-plan", "support_plan"),
    ],
)
def test_programme_kinds(kb: KnowledgeBase, programme_id: str, kind: str) -> None:
    assert kb.programme(programme_id).kind == kind


# --- ゼロエミ省エネ ------------------------------------------------------------------------------


def test_zero_emission_categories(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-zero-emission-energy-saving")
    calculation = _rate_cap(programme)
    assert [item.id for item in calculation.cost_items] == ["design", "equipment", "construction"]
    assert [item.name for item in calculation.cost_items] == ["設計費", "設備費", "工事費"]
    table = {c.id: (c.rate, c.cap_yen, c.eligible_items) for c in calculation.categories}
    items = ["design", "equipment", "construction"]
    assert table == {
        "1": (Fraction(3, 4), 45_000_000, items),
        "2": (Fraction(2, 3), 25_000_000, items),
        "3": (Fraction(2, 3), 10_000_000, items),
    }
    assert calculation.rounding.stated is False and calculation.rounding.source is None


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"co2_reduction_t": 30, "diagnosis_consulting": False, "self_plan": True}, ["1", "3"]),
        ({"co2_reduction_t": 28, "diagnosis_consulting": True, "self_plan": False}, ["1", "2"]),
        ({"co2_reduction_t": 5, "diagnosis_consulting": True, "self_plan": False}, ["2"]),
        (
            {"co2_reduction_t": 1, "co2_reduction_pct": 30, "diagnosis_consulting": False, "self_plan": True},
            ["3"],
        ),
        (
            {"co2_reduction_t": 2, "co2_reduction_pct": 29, "diagnosis_consulting": True, "self_plan": True},
            [],
        ),
    ],
)
def test_zero_emission_category_conditions(
    kb: KnowledgeBase, facts: dict[str, Any], expected: list[str]
) -> None:
    assert _matching_categories(kb.programme("tokyo-zero-emission-energy-saving"), facts) == expected


def test_zero_emission_eligibility(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-zero-emission-energy-saving")
    rules = {rule.id: rule for rule in programme.eligibility}
    assert {"sme_etc", "site_in_tokyo", "warming_report", "co2_reduction_minimum"} <= set(rules)
    sme = rules["sme_etc"].condition
    assert _holds(sme, {"is_sme": True}) is True
    assert _holds(sme, {"is_sme": False, "org_type": "medical_corp"}) is True
    assert _holds(sme, {"is_sme": False, "org_type": "large_company"}) is False
    assert _holds(sme, {"is_sme": False}) is None
    assert _holds(rules["warming_report"].condition, {"submits_warming_report": False}) is False
    minimum = rules["co2_reduction_minimum"].condition
    assert _holds(minimum, {"co2_reduction_t": 2.5, "co2_reduction_pct": 31}) is True
    assert _holds(minimum, {"co2_reduction_t": 2.5, "co2_reduction_pct": 10}) is False


def test_zero_emission_windows(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-zero-emission-energy-saving")
    assert [(w.round, w.start, w.end) for w in programme.windows] == [
        (1, dt.date(2025, 4, 23), dt.date(2025, 5, 9)),
        (2, dt.date(2025, 6, 16), dt.date(2025, 6, 27)),
        (3, dt.date(2025, 9, 1), dt.date(2025, 9, 12)),
        (4, dt.date(2025, 11, 10), dt.date(2025, 11, 21)),
        (5, dt.date(2026, 1, 19), dt.date(2026, 1, 30)),
    ]
    for window in programme.windows:
        assert window.fiscal_year == "令和7年度"
        assert window.start_time == dt.time(9, 0) and window.end_time == dt.time(17, 0)
        assert window.must_arrive is True
        assert window.selection == "lottery"
        assert window.selection_note and "先着順ではありません" in window.selection_note


def test_zero_emission_completion_deadlines(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-zero-emission-energy-saving")
    by_window = {w: d.date for d in programme.deadlines if d.kind == "completion_report" for w in d.windows}
    assert by_window == {
        "fy2025-r1": dt.date(2026, 9, 30),
        "fy2025-r2": dt.date(2026, 10, 30),
        "fy2025-r3": dt.date(2026, 10, 30),
        "fy2025-r4": dt.date(2026, 11, 30),
        "fy2025-r5": dt.date(2026, 11, 30),
    }
    notes = " ".join(n.value for n in programme.notes)
    assert "30日以内" in notes
    assert "令和5年度から令和7年度まで" in notes and "令和8年度まで" in notes


def test_zero_emission_contact(kb: KnowledgeBase) -> None:
    (phone,) = [c for c in kb.programme("tokyo-zero-emission-energy-saving").contacts if c.phone]
    assert phone.phone == "03-5990-5089"
    assert phone.hours == "平日9:00~12:00 13:00~17:00"


# --- カーボンクレジット活用促進 --------------------------------------------------------------------


def test_carbon_credit_categories(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-carbon-credit-promotion")
    calculation = _rate_cap(programme)
    assert [item.id for item in calculation.cost_items] == ["ghg_calculation", "consulting", "promotion"]
    table = {c.id: (c.rate, c.cap_yen, c.eligible_items) for c in calculation.categories}
    assert table == {
        "sme": (Fraction(2, 3), 2_000_000, ["ghg_calculation", "consulting", "promotion"]),
        "non_sme": (Fraction(1, 2), 1_000_000, ["promotion"]),
    }
    assert _matching_categories(programme, {"is_sme": True}) == ["sme"]
    assert _matching_categories(programme, {"is_sme": False}) == ["non_sme"]


def test_carbon_credit_window_and_rules(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-carbon-credit-promotion")
    (window,) = programme.windows
    assert (window.start, window.end) == (dt.date(2025, 4, 23), dt.date(2025, 12, 26))
    assert window.selection == "budget_first_come"
    facts = {check.fact for rule in programme.eligibility for check in _checks(rule.condition)}
    assert {"located_in_tokyo", "uses_tokyo_credit_market"} <= facts
    assert sorted(c.phone or "" for c in programme.contacts) == ["03-5000-7723", "03-5990-5085"]


# --- SAF -----------------------------------------------------------------------------------------


def test_saf_categories_and_excluded_costs(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-saf-air-cargo")
    calculation = _rate_cap(programme)
    assert [item.id for item in calculation.cost_items] == ["saf_surcharge"]
    table = {c.id: (c.rate, c.cap_yen) for c in calculation.categories}
    assert table == {"sme": (Fraction(1), 2_400_000), "large": (Fraction(1, 2), 4_000_000)}
    excluded = {cost.id: cost for cost in calculation.excluded_costs}
    assert set(excluded) == {"consumption_tax", "transfer_fee", "communication", "utilities", "stamp"}
    assert all(cost.reason for cost in excluded.values())
    assert excluded["consumption_tax"].name == "消費税"


def test_saf_eligibility(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-saf-air-cargo")
    rules = {rule.id: rule.condition for rule in programme.eligibility}
    assert _holds(rules["saf_origin_share"], {"haneda_narita_share_pct": 50}) is True
    assert _holds(rules["saf_origin_share"], {"haneda_narita_share_pct": 49.9}) is False
    assert _holds(rules["freight_forwarder"], {"freight_forwarder": False}) is False
    assert _holds(rules["no_other_subsidy"], {"other_subsidy_same_project": True}) is False


def test_saf_windows_and_project_end(kb: KnowledgeBase) -> None:
    programme = kb.programme("tokyo-saf-air-cargo")
    assert [(w.round, w.start, w.end) for w in programme.windows] == [
        (1, dt.date(2025, 4, 14), dt.date(2025, 5, 12)),
        (2, dt.date(2025, 6, 16), dt.date(2025, 6, 27)),
    ]
    (deadline,) = programme.deadlines
    assert (deadline.kind, deadline.date) == ("project_end", dt.date(2026, 3, 31))
    assert deadline.note and "15日以内" in deadline.note
    assert programme.contacts[0].phone == "03-5990-5068"


# --- J-VER (平成22年度) ---------------------------------------------------------------------------


def _run_worksheet(calculation: WorksheetCalculation, values: dict[str, int]) -> Fraction:
    lines: dict[str, Fraction] = {}
    for line in calculation.lines:
        args = [lines[arg] for arg in line.args]
        if line.op == "input":
            assert line.input is not None
            lines[line.id] = Fraction(values[line.input])
        elif line.op == "subtract":
            lines[line.id] = args[0] - sum(args[1:], Fraction(0))
        elif line.op == "min":
            lines[line.id] = min(args)
        else:
            assert line.factor is not None
            lines[line.id] = args[0] * line.factor
    return lines[calculation.result_line]


def test_jver_worksheet(kb: KnowledgeBase) -> None:
    calculation = _worksheet(kb.programme("moe-jver-credit-creation-2010"))
    assert [(line.id, line.op, line.args) for line in calculation.lines] == [
        ("1", "input", []),
        ("2", "input", []),
        ("3", "subtract", ["1", "2"]),
        ("4", "input", []),
        ("5", "min", ["3", "4"]),
        ("6", "multiply", ["5"]),
    ]
    assert calculation.lines[5].factor == Fraction(1, 3)
    assert calculation.result_line == "6"
    assert calculation.cap_yen is None
    assert calculation.rounding.stated is False
    values = {
        "total_project_cost": 9_000_000,
        "donations_income": 1_500_000,
        "eligible_cost_planned": 6_000_000,
    }
    assert _run_worksheet(calculation, values) == 2_000_000
    values["eligible_cost_planned"] = 8_000_000
    assert _run_worksheet(calculation, values) == 2_500_000


def test_jver_window_and_eligibility(kb: KnowledgeBase) -> None:
    programme = kb.programme("moe-jver-credit-creation-2010")
    (window,) = programme.windows
    assert window.kind == "proposal"
    assert (window.start, window.end) == (dt.date(2010, 4, 9), dt.date(2010, 5, 14))
    assert window.start_time is None and window.end_time == dt.time(17)
    assert window.must_arrive is True
    assert window.fiscal_year == "平成22年度"
    rules = {rule.id: rule.condition for rule in programme.eligibility}
    assert _holds(rules["applicant_type"], {"org_type": "local_government"}) is True
    assert _holds(rules["applicant_type"], {"org_type": "sme_company"}) is True
    assert _holds(rules["applicant_type"], {"org_type": "medical_corp"}) is False
    assert _holds(rules["no_other_ministry_subsidy"], {"other_subsidy_same_project": True}) is False
    (contact,) = programme.contacts
    assert contact.email == "carbon-offset@env.go.jp"
    assert contact.phone == "03-3581-3351（代表） 内線：6781"


# --- CNアクションプラン ----------------------------------------------------------------------------


def test_cn_action_plan_is_not_a_grant(kb: KnowledgeBase) -> None:
    programme = kb.programme("meti-cn-action-plan")
    assert programme.kind == "support_plan"
    assert programme.calculation is None
    assert programme.windows == [] and programme.deadlines == []
    assert any("補助金・助成金ではない" in note.value for note in programme.notes)
    assert programme.contacts[0].phone == "03-3501-1679"


# --- bad input -----------------------------------------------------------------------------

GOOD_PROGRAMME = textwrap.dedent(
    """\
    id: demo
    kind: grant
    name: {value: デモ制度, source: {doc: demo, section: 見出し, quote: "デモ制度"}}
    publisher: {value: デモ発行者, source: {doc: demo, section: 見出し, quote: "デモ発行者"}}
    url: {value: "https://example.invalid/", source: {doc: demo, section: 見出し, quote: "https"}}
    summary: {value: 概要, source: {doc: demo, section: 見出し, quote: "概要です"}}
    windows:
      - id: w1
        label: 第1回
        fiscal_year: 令和7年度
        start: 2025-04-01
        end: 2025-05-01
        source: {doc: demo, section: 見出し, quote: "期間です"}
    """
)


def _programme_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_programme(path)
    return info.value.message_en


def test_a_good_programme_loads(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD_PROGRAMME, encoding="utf-8")
    assert load_programme(path).windows[0].end == dt.date(2025, 5, 1)


def test_wrong_field_type_reports_file_and_line(tmp_path: Path) -> None:
    message = _programme_error(tmp_path, GOOD_PROGRAMME.replace("end: 2025-05-01", "end: not-a-date"))
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:12: windows.0.end:")


def test_wrong_enum_value_reports_file_and_line(tmp_path: Path) -> None:
    message = _programme_error(tmp_path, GOOD_PROGRAMME.replace("kind: grant", "kind: loan"))
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:2: kind:")


def test_bad_rate_reports_file_and_field(tmp_path: Path) -> None:
    text = GOOD_PROGRAMME + textwrap.dedent(
        """\
        calculation:
          kind: rate_cap
          cost_items: []
          categories:
            - {id: a, name: a, description: a, rate: "two thirds", cap_yen: 1, eligible_items: [],
               source: {doc: demo, section: 見出し, quote: "率です"}}
        """
    )
    message = _programme_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:")
    assert "categories.0.rate" in message and "not a fraction" in message


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    message = _programme_error(tmp_path, GOOD_PROGRAMME.replace("label: 第1回", "label: [第1回"))
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:")
    assert "invalid YAML" in message


def test_programme_id_must_match_file_name(tmp_path: Path) -> None:
    message = _programme_error(tmp_path, GOOD_PROGRAMME.replace("id: demo", "id: other"))
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:1:")

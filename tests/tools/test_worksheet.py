"""Form worksheets (様式2: (3)=(1)−(2), (5)=min((3),(4)), (6)=(5)×1/3) and the rounding helpers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from bot.errors import InputError, KnowledgeError
from bot.knowledge.models import Programme, Rounding, WorksheetCalculation, WorksheetLine
from bot.tools.grant import calculate_grant
from bot.tools.grant_models import GrantInput, NegativeAmountError
from bot.tools.worksheet import (
    apply_rounding,
    check_worksheet,
    describe_rounding,
    evaluate_worksheet,
    format_exact_yen,
    format_rate,
    format_yen_both,
    read_yen,
    rounding_info,
)

JVER_FACTS = {
    "total_project_cost": 10_000_000,
    "donations_income": 1_000_000,
    "eligible_cost_planned": 8_000_000,
}


def grant(programme: Programme, **fields: Any) -> Any:
    return calculate_grant(programme, GrantInput.model_validate(fields))


def line(line_id: str, op: str, label: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "label": label or f"行{line_id}",
        "op": op,
        "source": {"doc": "d", "section": "s", "quote": "様式"},
        **extra,
    }


def worksheet(lines: list[dict[str, Any]], result: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "worksheet", "lines": lines, "result_line": result, **extra}


# --- the real 様式2 ---------------------------------------------------------------------------


def test_jver_worksheet_shows_every_line(jver: Programme) -> None:
    result = grant(jver, facts=JVER_FACTS)
    assert result.status == "calculated" and result.calculation == "worksheet"
    assert [(x.id, x.value_yen) for x in result.lines] == [
        ("1", 10_000_000),
        ("2", 1_000_000),
        ("3", 9_000_000),
        ("4", 8_000_000),
        ("5", 8_000_000),
        ("6", 2_666_666),
    ]
    assert result.steps == [
        "(1) 総事業費 = 10,000,000円（入力）",
        "(2) 寄付金その他の収入 = 1,000,000円（入力）",
        "(3) 差引額 (1) - (2) = 10,000,000円 − 1,000,000円 = 9,000,000円",
        "(4) 補助対象経費支出予定額 = 8,000,000円（入力）",
        "(5) 国庫補助基本額 (3)と(4)を比較して少ない方の額 = min(9,000,000円, 8,000,000円) = 8,000,000円",
        "(6) 補助金所要額 (5) × 1/3 = 8,000,000円 × 1/3 = 2,666,666.666…円"
        " → 1円未満切り捨て（文書に記載なし） → 2,666,666円",
        "結果: (6) 補助金所要額 (5) × 1/3 = 2,666,666円",
    ]
    assert (result.amount_yen, result.eligible_cost_yen, result.rate) == (
        2_666_666,
        8_000_000,
        Fraction(1, 3),
    )
    assert result.cap_yen is None and not result.capped
    assert result.rounding.applied and "端数処理は募集要項で確認してください" in result.warnings
    assert len(result.sources) == 6
    assert result.message == "(6) 補助金所要額 (5) × 1/3は2,666,666円（266万6,666円）です。"


@pytest.mark.parametrize(
    ("total", "donations", "planned", "base", "amount"),
    [
        (9_000_000, 0, 12_000_000, 9_000_000, 3_000_000),  # (3) is smaller; exact third
        (9_000_000, 3_000_000, 6_000_000, 6_000_000, 2_000_000),  # (3) == (4)
        (10_000_001, 0, 10_000_001, 10_000_001, 3_333_333),
        (5, 5, 5, 0, 0),
    ],
)
def test_jver_worksheet_arithmetic(
    jver: Programme, total: int, donations: int, planned: int, base: int, amount: int
) -> None:
    facts = {"total_project_cost": total, "donations_income": donations, "eligible_cost_planned": planned}
    result = grant(jver, facts=facts)
    assert (result.eligible_cost_yen, result.amount_yen) == (base, amount)


def test_jver_inputs_as_text_and_via_costs(jver: Programme) -> None:
    result = grant(
        jver,
        facts={"total_project_cost": "1,000万円", "donations_income": "0円"},
        costs={"eligible_cost_planned": 3_000_000},
    )
    assert result.amount_yen == 1_000_000 and not result.rounding.applied
    assert result.warnings == []


def test_jver_missing_inputs_are_asked_with_the_programme_questions(jver: Programme) -> None:
    result = grant(jver, facts={"donations_income": 0})
    assert result.status == "need_info" and result.amount_yen is None
    assert [m.name for m in result.missing] == ["total_project_cost", "eligible_cost_planned"]
    assert result.missing[0].question == "事業の総事業費はいくらですか（円）？"


def test_jver_donations_above_the_total_are_refused(jver: Programme) -> None:
    with pytest.raises(NegativeAmountError, match=r"\(3\) 差引額"):
        grant(jver, facts={**JVER_FACTS, "donations_income": 20_000_000})


def test_jver_ignores_a_category_and_a_total_with_warnings(jver: Programme) -> None:
    result = grant(jver, facts=JVER_FACTS, category="1", eligible_cost_yen=5)
    assert result.amount_yen == 2_666_666
    assert result.warnings[0].startswith("この制度の計算には申請区分がないため")
    assert result.warnings[1].startswith("この制度は様式の各行から計算するため")


# --- synthetic worksheets ----------------------------------------------------------------------


def test_symbolic_formula_cap_and_fallback_questions(build: Any) -> None:
    calc = worksheet(
        [
            line("1", "input", "総額", input="total"),
            line("2", "input", "控除", input="minus"),
            line("3", "subtract", "差引額", args=["1", "2"]),
            line("4", "min", "基本額", args=["3"]),
            line("5", "multiply", "助成額", args=["4"], factor="1/2"),
        ],
        "5",
        cap_yen=1_000_000,
    )
    programme = build.programme(calculation=calc)
    missing = grant(programme, facts={"minus": 0})
    assert [(m.name, m.label, m.question) for m in missing.missing] == [
        ("total", "総額", "(1) 総額の金額はいくらですか？")
    ]
    result = grant(programme, facts={"total": 5_000_000, "minus": 1_000_000})
    assert result.steps[2] == "(3) 差引額 = (1) − (2) = 5,000,000円 − 1,000,000円 = 4,000,000円"
    assert result.steps[3] == "(4) 基本額 = (3)の少ない方 = min(4,000,000円) = 4,000,000円"
    assert result.steps[4] == "(5) 助成額 = (4) × 1/2 = 4,000,000円 × 1/2 = 2,000,000円"
    assert result.steps[-1] == "助成上限額 1,000,000円 を適用 → 助成額 1,000,000円"
    assert (result.amount_yen, result.capped, result.cap_yen) == (1_000_000, True, 1_000_000)
    small = grant(programme, facts={"total": 100, "minus": 0})
    assert (small.amount_yen, small.capped) == (50, False)
    assert small.steps[-1] == "助成上限額 1,000,000円 以内 → 助成額 50円"


def test_named_lines_multiply_without_factor_and_stated_rounding(build: Any) -> None:
    rounding = {"rule": "ceil", "unit_yen": 10, "stated": True, "source": build.src("10円未満切り上げ")}
    calc = worksheet(
        [
            line("units", "input", "数量", input="units"),
            line("price", "input", "単価", input="price"),
            line("total", "multiply", "合計", args=["units", "price"]),
            line("half", "multiply", "半額", args=["total"], factor="1/2"),
            line("best", "min", "採用額", args=["total", "half"]),
        ],
        "best",
        rounding=rounding,
    )
    result = grant(build.programme(calculation=calc), facts={"units": 3, "price": 7})
    assert result.steps[2] == "total 合計 = units × price = 3円 × 7円 = 21円 → 10円未満切り上げ → 30円"
    assert result.steps[3] == "half 半額 = total × 1/2 = 30円 × 1/2 = 15円 → 10円未満切り上げ → 20円"
    assert result.amount_yen == 20 and result.rate is None and result.eligible_cost_yen is None
    assert result.warnings == [] and result.rounding.applied and result.rounding.note is None
    assert result.sources[-1].quote == "10円未満切り上げ"


@pytest.mark.parametrize(
    ("lines", "result_line", "problem"),
    [
        ([line("1", "input", input="a"), line("1", "input", input="b")], "1", "duplicate line id"),
        ([line("1", "input")], "1", "needs the input name"),
        ([line("1", "input", input="a"), line("2", "subtract", args=["1"])], "2", "at least 2"),
        ([line("1", "input", input="a"), line("2", "min", args=["3"])], "2", "unknown or later lines"),
        ([line("2", "min", args=["1"]), line("1", "input", input="a")], "2", "unknown or later lines"),
        ([line("1", "input", input="a")], "9", "Result line 9"),
    ],
)
def test_malformed_worksheets_are_knowledge_errors(
    lines: list[dict[str, Any]], result_line: str, problem: str
) -> None:
    calc = WorksheetCalculation.model_validate(worksheet(lines, result_line))
    with pytest.raises(KnowledgeError, match=problem):
        check_worksheet(calc)


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, InputError), (Fraction(1, 2), InputError), (-1, NegativeAmountError), ("-5円", InputError)],
)
def test_read_yen_refuses_non_amounts(value: Any, error: type[Exception]) -> None:
    entry = WorksheetLine.model_validate(line("1", "input", "総額", input="a"))
    with pytest.raises(error):
        read_yen(entry, value)


def test_read_yen_parses_text() -> None:
    entry = WorksheetLine.model_validate(line("1", "input", "(1) 総額", input="a"))
    assert read_yen(entry, "1億2,000万円") == 120_000_000


def test_evaluate_worksheet_reports_missing_inputs_first() -> None:
    calc = WorksheetCalculation.model_validate(worksheet([line("1", "input", input="a")], "1"))
    assert evaluate_worksheet(calc, {"a": None}).missing == ["a"]
    assert evaluate_worksheet(calc, {"a": 7}).value("1") == 7


# --- rounding and money formatting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "unit", "value", "expected"),
    [
        ("floor", 1, Fraction(20_000_002, 3), 6_666_667),
        ("floor", 1000, Fraction(1_234_567), 1_234_000),
        ("ceil", 1, Fraction(20_000_002, 3), 6_666_668),
        ("ceil", 1000, Fraction(1_234_001), 1_235_000),
        ("round_half_up", 1, Fraction(5, 2), 3),
        ("round_half_up", 1, Fraction(7, 3), 2),
        ("round_half_up", 1000, Fraction(1_500), 2_000),
        ("floor", 1, Fraction(7), 7),
    ],
)
def test_apply_rounding(rule: str, unit: int, value: Fraction, expected: int) -> None:
    assert apply_rounding(value, Rounding.model_validate({"rule": rule, "unit_yen": unit})) == expected


def test_describe_rounding_and_info() -> None:
    unstated = Rounding()
    assert describe_rounding(unstated) == "1円未満切り捨て（文書に記載なし）"
    stated = Rounding.model_validate(
        {
            "rule": "round_half_up",
            "unit_yen": 1000,
            "stated": True,
            "source": {"doc": "d", "section": "s", "quote": "四捨五入"},
        }
    )
    assert describe_rounding(stated) == "1,000円未満四捨五入"
    info = rounding_info(unstated, applied=False)
    assert (info.rule, info.unit_yen, info.stated, info.applied) == ("floor", 1, False, False)
    assert info.note == "端数処理は募集要項で確認してください" and info.source is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(60_000_000), "60,000,000円"),
        (Fraction(30_000_003, 4), "7,500,000.75円"),
        (Fraction(20_000_003, 3), "6,666,667.666…円"),
        (Fraction(1, 8), "0.125円"),
        (Fraction(1, 10_000), "0.000…円"),
    ],
)
def test_format_exact_yen(value: Fraction, text: str) -> None:
    assert format_exact_yen(value) == text


def test_format_rate_and_yen_both() -> None:
    assert format_rate(Fraction(1)) == "10/10"
    assert format_rate(Fraction(2, 3)) == "2/3"
    assert format_yen_both(45_000_000) == "45,000,000円（4,500万円）"
    assert format_yen_both(2_000) == "2,000円"

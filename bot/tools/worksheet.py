"""端数処理と様式の計算 — exact yen arithmetic: rounding rules and form worksheets.

A worksheet (e.g. 様式2 経費内訳) is a list of numbered lines, each an input or an operation
on earlier lines: ``subtract`` (first − the rest), ``min`` and ``multiply`` (× an exact
factor, then the programme's rounding rule). Every line's value is shown as a step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from bot.errors import InputError, KnowledgeError
from bot.knowledge.models import Programme, Rounding, WorksheetCalculation, WorksheetLine
from bot.tools.conditions import MissingFact, missing_facts
from bot.tools.grant_models import (
    GrantInput,
    GrantResult,
    NegativeAmountError,
    RoundingInfo,
    WorksheetLineValue,
    unique_sources,
)
from bot.tools.parsing import format_yen, format_yen_plain, parse_yen

RULE_JA = {"floor": "切り捨て", "ceil": "切り上げ", "round_half_up": "四捨五入"}
UNSTATED_NOTE = "端数処理は募集要項で確認してください"
SHOWN_DECIMALS = 3
MIN_ARGS = {"input": 0, "subtract": 2, "min": 1, "multiply": 1}


@dataclass(frozen=True)
class WorksheetOutcome:
    """Line values in order; ``missing`` names inputs not given (then nothing is computed)."""

    lines: list[WorksheetLineValue] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    rounded: bool = False
    missing: list[str] = field(default_factory=list)

    def value(self, line_id: str) -> int:
        return next(line.value_yen for line in self.lines if line.id == line_id)


# --- rounding ------------------------------------------------------------------------------


def apply_rounding(value: Fraction, rounding: Rounding) -> int:
    """Round an exact yen value to the rule's unit (floor, ceil or round half up)."""
    units = value / rounding.unit_yen
    if rounding.rule == "floor":
        whole = math.floor(units)
    elif rounding.rule == "ceil":
        whole = math.ceil(units)
    else:
        whole = math.floor(units + Fraction(1, 2))
    return whole * rounding.unit_yen


def describe_rounding(rounding: Rounding) -> str:
    """E.g. 「1円未満切り捨て（文書に記載なし）」 or 「1,000円未満切り捨て」."""
    unit = format_yen_plain(rounding.unit_yen)
    stated = "" if rounding.stated else "（文書に記載なし）"
    return f"{unit}未満{RULE_JA[rounding.rule]}{stated}"


def rounding_info(rounding: Rounding, applied: bool) -> RoundingInfo:
    """The rounding rule as reported in a result."""
    return RoundingInfo(
        rule=rounding.rule,
        unit_yen=rounding.unit_yen,
        stated=rounding.stated,
        applied=applied,
        description=describe_rounding(rounding),
        note=None if rounding.stated else UNSTATED_NOTE,
        source=rounding.source,
    )


def format_rate(rate: Fraction) -> str:
    """A rate as written in Japanese programme documents: 「2/3」, 「1/2」, 「10/10」 for 1."""
    if rate == 1:
        return "10/10"
    return f"{rate.numerator}/{rate.denominator}"


def format_exact_yen(value: Fraction) -> str:
    """An exact yen value: 「60,000,000円」, 「7,500,000.75円」 or 「6,666,667.333…円」."""
    if value.denominator == 1:
        return format_yen_plain(int(value))
    whole = math.floor(value)
    scaled = (value - whole) * 10**SHOWN_DECIMALS
    digits = f"{math.floor(scaled):0{SHOWN_DECIMALS}d}"
    if scaled.denominator == 1:
        digits = digits.rstrip("0")
    else:
        digits += "…"
    return f"{whole:,}.{digits}円"


def format_yen_both(amount: int) -> str:
    """「45,000,000円（4,500万円）」, or just 「2,000円」 when both spellings are the same."""
    plain, short = format_yen_plain(amount), format_yen(amount)
    return plain if plain == short else f"{plain}（{short}）"


def round_product(product: Fraction, rounding: Rounding) -> tuple[int, str]:
    """Round a product and describe it: ``(value, " → 1円未満切り捨て（…） → 6,666,667円")``."""
    rounded = apply_rounding(product, rounding)
    if rounded == product:
        return rounded, ""
    return rounded, f" → {describe_rounding(rounding)} → {format_yen_plain(rounded)}"


def cap_step(cap: int | None, capped: bool, amount: int) -> str:
    """The cap step: 「助成上限額 45,000,000円 を適用 → 助成額 45,000,000円」."""
    if cap is None:
        return f"助成上限額: 文書に記載なし → 助成額 {format_yen_plain(amount)}"
    if capped:
        return f"助成上限額 {format_yen_plain(cap)} を適用 → 助成額 {format_yen_plain(amount)}"
    return f"助成上限額 {format_yen_plain(cap)} 以内 → 助成額 {format_yen_plain(amount)}"


# --- worksheets ----------------------------------------------------------------------------


def line_ref(line: WorksheetLine) -> str:
    """「(3)」 for a numbered line, else its id."""
    return f"({line.id})" if line.id.isdigit() else line.id


def line_title(line: WorksheetLine) -> str:
    """「(3) 差引額」 (the label alone when it already starts with the reference)."""
    ref = line_ref(line)
    return line.label if line.label.startswith(ref) else f"{ref} {line.label}"


def check_worksheet(calc: WorksheetCalculation) -> None:
    """Every line refers to earlier lines, has enough arguments; the result line exists."""
    seen: dict[str, WorksheetLine] = {}
    for line in calc.lines:
        problem = _line_problem(line, seen)
        if problem:
            raise KnowledgeError(
                f"様式の行 {line.id} が不正です（{problem}）", f"Worksheet line {line.id}: {problem}"
            )
        seen[line.id] = line
    if calc.result_line not in seen:
        raise KnowledgeError(
            f"様式の結果行 {calc.result_line} がありません", f"Result line {calc.result_line} is not a line"
        )


def _line_problem(line: WorksheetLine, seen: Mapping[str, WorksheetLine]) -> str | None:
    if line.id in seen:
        return "duplicate line id"
    if line.op == "input" and not line.input:
        return "an 'input' line needs the input name"
    if len(line.args) < MIN_ARGS[line.op]:
        return f"'{line.op}' needs at least {MIN_ARGS[line.op]} argument(s)"
    unknown = [arg for arg in line.args if arg not in seen]
    return f"unknown or later lines {unknown}" if unknown else None


def worksheet_inputs(calc: WorksheetCalculation) -> list[str]:
    """The input names of a worksheet, in line order."""
    return [line.input for line in calc.lines if line.op == "input" and line.input]


def evaluate_worksheet(calc: WorksheetCalculation, values: Mapping[str, object]) -> WorksheetOutcome:
    """Compute every line in order, or report the inputs that are missing."""
    check_worksheet(calc)
    missing = [name for name in worksheet_inputs(calc) if values.get(name) is None]
    if missing:
        return WorksheetOutcome(missing=missing)
    computed: dict[str, int] = {}
    lines: list[WorksheetLineValue] = []
    steps: list[str] = []
    rounded = False
    for line in calc.lines:
        value, step, was_rounded = _evaluate_line(line, calc, computed, values)
        computed[line.id] = value
        rounded = rounded or was_rounded
        steps.append(step)
        lines.append(
            WorksheetLineValue(id=line.id, label=line.label, op=line.op, value_yen=value, source=line.source)
        )
    return WorksheetOutcome(lines=lines, steps=steps, rounded=rounded)


def _evaluate_line(
    line: WorksheetLine, calc: WorksheetCalculation, computed: Mapping[str, int], values: Mapping[str, object]
) -> tuple[int, str, bool]:
    """A line's value and its step; the symbolic formula is left out when the label already has it."""
    if line.op == "input":
        value = read_yen(line, values.get(line.input or ""))
        return value, f"{line_title(line)} = {format_yen_plain(value)}（入力）", False
    refs = [_ref_of(calc, arg) for arg in line.args]
    shown = [format_yen_plain(computed[arg]) for arg in line.args]
    symbolic, numeric, exact = _formula(line, refs, shown, [computed[arg] for arg in line.args])
    if exact < 0:
        raise NegativeAmountError(line_title(line), f"Worksheet line {line.id}", math.floor(exact))
    value, rounding_text = round_product(exact, calc.rounding)
    parts = [line_title(line)]
    if not all(ref in line.label for ref in refs):
        parts.append(symbolic)
    parts += [numeric, f"{format_exact_yen(exact)}{rounding_text}"]
    return value, " = ".join(parts), bool(rounding_text)


def _formula(
    line: WorksheetLine, refs: list[str], shown: list[str], args: list[int]
) -> tuple[str, str, Fraction]:
    """(symbolic, with the values, exact result) of a subtract, min or multiply line."""
    if line.op == "subtract":
        return " − ".join(refs), " − ".join(shown), Fraction(args[0] - sum(args[1:]))
    if line.op == "min":
        return f"{'と'.join(refs)}の少ない方", f"min({', '.join(shown)})", Fraction(min(args))
    factor_text = f" × {format_rate(line.factor)}" if line.factor is not None else ""
    product = Fraction(math.prod(args)) * (line.factor if line.factor is not None else 1)
    return f"{' × '.join(refs)}{factor_text}", f"{' × '.join(shown)}{factor_text}", product


def _ref_of(calc: WorksheetCalculation, line_id: str) -> str:
    return line_ref(next(line for line in calc.lines if line.id == line_id))


def read_yen(line: WorksheetLine, value: object) -> int:
    """A worksheet input as int yen ("1,000万円" is parsed); negative amounts are refused."""
    if isinstance(value, str):
        value = parse_yen(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(
            f"{line_title(line)}には円単位の金額を入力してください（入力: {value}）",
            f"{line.id} needs an amount in yen (got {value!r})",
        )
    if value < 0:
        raise NegativeAmountError(line_title(line), f"Worksheet line {line.id}", value)
    return value


# --- worksheet results ----------------------------------------------------------------------------


def calculate_worksheet_grant(
    programme: Programme, calc: WorksheetCalculation, inputs: GrantInput, facts: Mapping[str, object]
) -> GrantResult:
    """The GrantResult of a worksheet programme: every line as a step, or the missing inputs."""
    outcome = evaluate_worksheet(calc, {**inputs.costs, **facts})
    ignored = _ignored_inputs(inputs)
    line_sources = [line.source for line in calc.lines]
    if outcome.missing:
        return GrantResult(
            programme_id=programme.id,
            programme_name=programme.name.value,
            status="need_info",
            calculation="worksheet",
            cap_yen=calc.cap_yen,
            sources=unique_sources(line_sources),
            warnings=ignored,
            missing=_worksheet_missing(programme, calc, outcome.missing),
            message="様式の計算に必要な金額が不足しています。",
        )
    result_line = next(line for line in calc.lines if line.id == calc.result_line)
    value = outcome.value(calc.result_line)
    amount = value if calc.cap_yen is None else min(value, calc.cap_yen)
    if calc.cap_yen is None:
        final = f"結果: {line_title(result_line)} = {format_yen_plain(amount)}"
    else:
        final = cap_step(calc.cap_yen, amount < value, amount)
    base = outcome.value(result_line.args[0]) if _is_rate_line(result_line) else None
    unstated = [UNSTATED_NOTE] if outcome.rounded and not calc.rounding.stated else []
    return GrantResult(
        programme_id=programme.id,
        programme_name=programme.name.value,
        status="calculated",
        calculation="worksheet",
        amount_yen=amount,
        eligible_cost_yen=base,
        rate=result_line.factor if base is not None else None,
        cap_yen=calc.cap_yen,
        capped=amount < value,
        lines=outcome.lines,
        steps=[*outcome.steps, final],
        rounding=rounding_info(calc.rounding, outcome.rounded),
        sources=unique_sources([*line_sources, calc.rounding.source]),
        warnings=[*ignored, *unstated],
        message=f"{line_title(result_line)}は{format_yen_both(amount)}です。",
    )


def _is_rate_line(line: WorksheetLine) -> bool:
    """A result line of the form (base) × rate: its base is the eligible cost, its factor the rate."""
    return line.op == "multiply" and len(line.args) == 1 and line.factor is not None


def _ignored_inputs(inputs: GrantInput) -> list[str]:
    ignored: list[str] = []
    if inputs.category is not None:
        ignored.append(
            f"この制度の計算には申請区分がないため、指定された区分「{inputs.category}」は使っていません。"
        )
    if inputs.eligible_cost_yen is not None:
        ignored.append(
            "この制度は様式の各行から計算するため、対象経費の合計は使っていません。各行の金額を入力してください。"
        )
    return ignored


def _worksheet_missing(
    programme: Programme, calc: WorksheetCalculation, names: list[str]
) -> list[MissingFact]:
    specs = {spec.name for spec in programme.inputs}
    found: list[MissingFact] = []
    for name in names:
        if name in specs:
            found.extend(missing_facts([name], programme.inputs))
            continue
        line = next(line for line in calc.lines if line.input == name)
        found.append(
            MissingFact(name=name, label=line.label, question=f"{line_title(line)}の金額はいくらですか？")
        )
    return found

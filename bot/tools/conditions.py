"""条件評価 — three-valued evaluation of programme conditions over applicant facts.

A condition (:class:`~bot.knowledge.models.Check`, ``AllOf``, ``AnyOf``) evaluates to ``True``,
``False`` or ``None`` (unknown: a fact it needs is missing). Facts are normalised first
(:func:`coerce_facts`) with the programme's :class:`~bot.knowledge.models.InputSpec` types, so
"3t", "30%" or "はい" from a user become ``Fraction(3)``, ``Fraction(30)`` and ``True``.
No floats: a float fact becomes the exact ``Fraction`` of its decimal representation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bot.errors import InputError, KnowledgeError
from bot.knowledge.models import AllOf, AnyOf, Check, Condition, InputSpec
from bot.tools.parsing import format_yen_plain, parse_percent, parse_tonnes, parse_yen

TRUE_WORDS = frozenset({"はい", "true", "yes", "y", "1", "有", "あり", "該当"})
FALSE_WORDS = frozenset({"いいえ", "false", "no", "n", "0", "無", "なし", "非該当"})


def format_number(value: Fraction | int) -> str:
    """An exact decimal ("2.99", "28") or, when it does not terminate, a fraction ("1/3")."""
    number = Fraction(value)
    rest, twos, fives = number.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return f"{number.numerator}/{number.denominator}"
    places = max(twos, fives)
    whole, frac = divmod(int(abs(number) * 10**places), 10**places)
    sign = "-" if number < 0 else ""
    return f"{sign}{whole}" if places == 0 else f"{sign}{whole}.{frac:0{places}d}"


def _to_fact_value(value: object) -> object:
    if isinstance(value, float):
        return Fraction(repr(value))
    return value


FactValue = Annotated[
    bool | int | Fraction | str,
    BeforeValidator(_to_fact_value),
    PlainSerializer(lambda v: format_number(v) if isinstance(v, Fraction) else v),
]
"""An applicant fact: yes/no, a count or yen amount, an exact quantity, or a word."""

Facts = Mapping[str, object]


class MissingFact(BaseModel):
    """A fact the tool needs, with the question that asks the user for it."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    question: str


@dataclass(frozen=True)
class ConditionResult:
    """Outcome of a condition: ``value`` is None when unknown.

    ``missing`` names the facts whose absence made it unknown (empty unless ``value`` is None);
    ``failures`` are the checks that made it false (empty unless ``value`` is False).
    """

    value: bool | None
    missing: tuple[str, ...] = ()
    failures: tuple[Check, ...] = ()


class FactValueError(InputError):
    """A fact's value cannot be read as the type its programme expects."""

    code = "invalid_fact"

    def __init__(self, name: str, value: object, expected_ja: str, expected_en: str) -> None:
        super().__init__(
            f"「{name}」の値「{value}」を解釈できません（{expected_ja}で入力してください）",
            f"Cannot read {value!r} for '{name}' (expected {expected_en})",
        )


# --- fact normalisation ------------------------------------------------------------------


def coerce_facts(inputs: Sequence[InputSpec], facts: Facts) -> dict[str, bool | int | Fraction | str]:
    """Normalise facts with the programme's input types; ``None`` values count as missing."""
    specs = {spec.name: spec for spec in inputs}
    coerced: dict[str, bool | int | Fraction | str] = {}
    for name, value in facts.items():
        if value is None:
            continue
        spec = specs.get(name)
        coerced[name] = coerce_fact(spec, value) if spec else _coerce_plain(name, value)
    return coerced


def coerce_fact(spec: InputSpec, value: object) -> bool | int | Fraction | str:
    """Read one fact as its input type: yen → int, tonnes/percent → Fraction, bool, choice…"""
    coercers: dict[str, Callable[[InputSpec, object], bool | int | Fraction | str]] = {
        "yen": _coerce_yen,
        "tonnes": _coerce_tonnes,
        "percent": _coerce_percent,
        "bool": _coerce_bool,
        "int": _coerce_int,
        "choice": _coerce_choice,
        "text": _coerce_text,
    }
    return coercers[spec.type](spec, value)


def parse_bool(name: str, text: str) -> bool:
    """はい/いいえ, true/false, yes/no, 1/0 → bool."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FactValueError(name, text, "はい／いいえ", "yes/no, はい/いいえ or true/false")


def _coerce_plain(name: str, value: object) -> bool | int | Fraction | str:
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, bool | int | Fraction | str):
        return value
    raise FactValueError(name, value, "はい／いいえ・数値・文字列", "a yes/no, a number or a string")


def _coerce_yen(spec: InputSpec, value: object) -> int:
    if isinstance(value, str):
        return parse_yen(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise FactValueError(spec.label, value, "0以上の円単位の金額", "a non-negative amount in yen")


def _coerce_quantity(spec: InputSpec, value: object) -> Fraction:
    if isinstance(value, float):
        value = Fraction(repr(value))
    if isinstance(value, int | Fraction) and not isinstance(value, bool) and value >= 0:
        return Fraction(value)
    raise FactValueError(spec.label, value, "0以上の数値", "a non-negative number")


def _coerce_tonnes(spec: InputSpec, value: object) -> Fraction:
    return parse_tonnes(value) if isinstance(value, str) else _coerce_quantity(spec, value)


def _coerce_percent(spec: InputSpec, value: object) -> Fraction:
    return parse_percent(value) if isinstance(value, str) else _coerce_quantity(spec, value)


def _coerce_bool(spec: InputSpec, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return parse_bool(spec.label, value)
    raise FactValueError(spec.label, value, "はい／いいえ", "yes/no")


def _coerce_int(spec: InputSpec, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise FactValueError(spec.label, value, "整数", "a whole number")


def _coerce_choice(spec: InputSpec, value: object) -> str:
    choices = spec.choices or {}
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    for key, label in choices.items():
        if text in (key, label):
            return key
    listed_ja = "、".join(f"{key}（{label}）" for key, label in choices.items())
    raise FactValueError(spec.label, value, f"次のいずれか: {listed_ja}", f"one of {sorted(choices)}")


def _coerce_text(spec: InputSpec, value: object) -> str:
    if isinstance(value, str):
        return value
    raise FactValueError(spec.label, value, "文字列", "text")


# --- evaluation ----------------------------------------------------------------------------


def evaluate_condition(condition: Condition, facts: Facts) -> ConditionResult:
    """Evaluate with three-valued logic; a missing (or None) fact makes a check unknown."""
    if isinstance(condition, Check):
        return _evaluate_check(condition, facts)
    results = [evaluate_condition(child, facts) for child in _children(condition)]
    if isinstance(condition, AllOf):
        return _combine(results, decisive=False)
    return _combine(results, decisive=True)


def _children(condition: AllOf | AnyOf) -> list[Condition]:
    return condition.all if isinstance(condition, AllOf) else condition.any


def _combine(results: list[ConditionResult], decisive: bool) -> ConditionResult:
    """AllOf (decisive=False): any False → False. AnyOf (decisive=True): any True → True."""
    if any(r.value is decisive for r in results):
        failed = () if decisive else tuple(c for r in results if r.value is False for c in r.failures)
        return ConditionResult(decisive, failures=failed)
    if any(r.value is None for r in results):
        missing = _unique(name for r in results if r.value is None for name in r.missing)
        return ConditionResult(None, missing=missing)
    failures = tuple(check for r in results for check in r.failures)
    return ConditionResult(not decisive, failures=failures)


def _evaluate_check(check: Check, facts: Facts) -> ConditionResult:
    actual = facts.get(check.fact)
    if actual is None:
        return ConditionResult(None, missing=(check.fact,))
    passed = compare(check, actual)
    return ConditionResult(passed, failures=() if passed else (check,))


def compare(check: Check, actual: object) -> bool:
    """Apply ``check.op`` to a fact value and the check's value (bool, number or string)."""
    if check.op in ("in", "not_in"):
        if not isinstance(check.value, list):
            raise _bad_condition(check, "'in'/'not_in' need a list value")
        found = any(_equal(check, actual, _normalise(check, item)) for item in check.value)
        return found if check.op == "in" else not found
    expected = _normalise(check, check.value)
    if check.op == "==":
        return _equal(check, actual, expected)
    if check.op == "!=":
        return not _equal(check, actual, expected)
    return _order(check, _number(check, actual), _number(check, expected))


def _order(check: Check, left: Fraction, right: Fraction) -> bool:
    results = {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}
    return results[check.op]


def _normalise(check: Check, value: object) -> bool | Fraction | str:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, int | Fraction):
        return Fraction(value)
    raise _bad_condition(check, f"unsupported value {value!r}")


def _equal(check: Check, actual: object, expected: bool | Fraction | str) -> bool:
    left = _normalise_fact(check, actual)
    if isinstance(left, bool) != isinstance(expected, bool):
        raise _type_mismatch(check, actual)
    if isinstance(left, Fraction) and isinstance(expected, str):
        return left == _decimal(check, expected, actual)
    if isinstance(left, str) and isinstance(expected, Fraction):
        return _decimal(check, left, actual) == expected
    return left == expected


def _normalise_fact(check: Check, actual: object) -> bool | Fraction | str:
    if isinstance(actual, bool | str | int | float | Fraction):
        return _normalise(check, actual)
    raise _type_mismatch(check, actual)


def _decimal(check: Check, text: str, actual: object) -> Fraction:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise _type_mismatch(check, actual) from None


def _number(check: Check, value: object) -> Fraction:
    normalised = _normalise_fact(check, value)
    if isinstance(normalised, Fraction):
        return normalised
    if isinstance(normalised, str):
        return _decimal(check, normalised, value)
    raise _type_mismatch(check, value)


def _type_mismatch(check: Check, actual: object) -> FactValueError:
    expected = check.value if not isinstance(check.value, list) else check.value[0]
    kind_ja, kind_en = _kind_of(expected)
    return FactValueError(check.fact, actual, kind_ja, kind_en)


def _kind_of(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "はい／いいえ", "yes/no"
    if isinstance(value, str):
        return "文字列", "text"
    return "数値", "a number"


def _bad_condition(check: Check, what: str) -> KnowledgeError:
    return KnowledgeError(
        f"条件 {check.fact} {check.op} {check.value!r} が不正です（{what}）",
        f"Invalid condition {check.fact} {check.op} {check.value!r}: {what}",
    )


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


# --- descriptions --------------------------------------------------------------------------

NEGATED_OP = {">=": "<", ">": "≤", "<=": ">", "<": "≥"}


def describe_value(spec: InputSpec | None, value: object) -> str:
    """A fact value for a Japanese sentence: 5t, 30%, 45,000,000円, はい, the choice label…"""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float):
        value = Fraction(repr(value))
    if spec is not None and isinstance(value, int | Fraction):
        if spec.type == "yen" and Fraction(value).denominator == 1:
            return format_yen_plain(int(value))
        units = {"tonnes": "t", "percent": "%"}
        return f"{format_number(value)}{units.get(spec.type, '')}"
    if isinstance(value, int | Fraction):
        return format_number(value)
    if spec is not None and spec.choices and str(value) in spec.choices:
        return spec.choices[str(value)]
    return str(value)


def describe_failure(check: Check, facts: Facts, specs: Mapping[str, InputSpec]) -> str:
    """Why a check failed, in Japanese, e.g. 「CO2削減量 5t < 28t」."""
    spec = specs.get(check.fact)
    label = spec.label if spec else check.fact
    actual = describe_value(spec, facts.get(check.fact))
    if check.op in NEGATED_OP:
        return f"{label} {actual} {NEGATED_OP[check.op]} {describe_value(spec, check.value)}"
    if check.op in ("in", "not_in"):
        listed = "、".join(describe_value(spec, item) for item in check.value)
        kind = "対象" if check.op == "in" else "対象外"
        return f"{label}: {actual}（{kind}: {listed}）"
    wanted = describe_value(spec, check.value)
    if check.op == "==":
        return f"{label}: {actual}（必要: {wanted}）"
    return f"{label}: {actual}（{wanted}は対象外）"


def describe_failures(result: ConditionResult, facts: Facts, specs: Mapping[str, InputSpec]) -> list[str]:
    """Every failing check of a false condition, described."""
    return [describe_failure(check, facts, specs) for check in result.failures]


def missing_facts(names: Iterable[str], inputs: Sequence[InputSpec]) -> list[MissingFact]:
    """The missing facts as the programme's questions, deduplicated, in the given order."""
    specs = {spec.name: spec for spec in inputs}
    found: list[MissingFact] = []
    for name in _unique(names):
        spec = specs.get(name)
        if spec is not None:
            found.append(MissingFact(name=name, label=spec.label, question=spec.question))
        else:
            found.append(MissingFact(name=name, label=name, question=f"「{name}」を教えてください。"))
    return found

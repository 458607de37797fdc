"""Three-valued condition evaluation, fact normalisation and Japanese descriptions."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import pytest
from pydantic import BaseModel

from bot.errors import InputError, KnowledgeError
from bot.knowledge.models import AllOf, AnyOf, Check, InputSpec
from bot.tools.conditions import (
    ConditionResult,
    FactValue,
    FactValueError,
    coerce_fact,
    coerce_facts,
    compare,
    describe_failure,
    describe_failures,
    describe_value,
    evaluate_condition,
    format_number,
    missing_facts,
    parse_bool,
)


def spec(name: str, kind: str, **extra: Any) -> InputSpec:
    return InputSpec.model_validate(
        {"name": name, "type": kind, "label": f"{name}のラベル", "question": "?", **extra}
    )


def check(fact: str, op: str, value: Any) -> Check:
    return Check.model_validate({"fact": fact, "op": op, "value": value})


# --- compare -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        (">=", Fraction(3), 3, True),
        (">=", Fraction(299, 100), 3, False),
        (">", 4, 3, True),
        (">", 3, 3, False),
        ("<=", 3, 3, True),
        ("<", 3, 3, False),
        ("<", Fraction(5, 2), 2.6, True),
        ("==", True, True, True),
        ("==", False, True, False),
        ("!=", False, True, True),
        ("==", "sme", "sme", True),
        ("!=", "sme", "sme", False),
        ("==", 3, 3.0, True),
        ("==", Fraction(3), "3", True),
        ("==", "3", 3, True),
        ("==", "2.5", Fraction(5, 2), True),
        (">=", "30", 30, True),
        ("in", "a", ["a", "b"], True),
        ("in", "c", ["a", "b"], False),
        ("not_in", "c", ["a", "b"], True),
        ("not_in", "a", ["a", "b"], False),
        ("in", 2, [1, 2], True),
        (">=", 2.99, 3, False),
    ],
)
def test_compare_table(op: str, actual: Any, expected: Any, result: bool) -> None:
    assert compare(check("x", op, expected), actual) is result


@pytest.mark.parametrize(
    ("op", "actual", "expected"),
    [
        ("==", True, 1),
        ("==", 1, True),
        (">=", True, 3),
        (">=", "abc", 3),
        ("==", Fraction(1), "abc"),
        (">=", 3, "abc"),
        ("==", ["a"], "a"),
    ],
)
def test_compare_type_mismatch_is_an_input_error(op: str, actual: Any, expected: Any) -> None:
    with pytest.raises(FactValueError) as caught:
        compare(check("x", op, expected), actual)
    assert "x" in caught.value.message_ja and caught.value.message_en


def test_compare_type_mismatch_in_a_list_names_the_first_kind() -> None:
    with pytest.raises(FactValueError, match="yes/no"):
        compare(check("x", "in", [True]), 1)


@pytest.mark.parametrize(
    ("op", "value"),
    [("in", "a"), ("not_in", 3), ("==", {"a": 1}), ("in", [{"a": 1}])],
)
def test_malformed_conditions_are_knowledge_errors(op: str, value: Any) -> None:
    with pytest.raises(KnowledgeError):
        compare(check("x", op, value), "a")


# --- three-valued logic ---------------------------------------------------------------------

VALUES = {True: True, False: False, None: None}


def leaf(name: str, value: bool | None, facts: dict[str, Any]) -> Check:
    if value is not None:
        facts[name] = value
    return check(name, "==", True)


@pytest.mark.parametrize("values", list(itertools.product([True, False, None], repeat=3)))
def test_all_of_and_any_of_truth_tables(values: tuple[bool | None, ...]) -> None:
    facts: dict[str, Any] = {}
    leaves = [leaf(f"f{i}", v, facts) for i, v in enumerate(values)]
    all_result = evaluate_condition(AllOf.model_validate({"all": leaves}), facts).value
    any_result = evaluate_condition(AnyOf.model_validate({"any": leaves}), facts).value
    expected_all = False if False in values else (None if None in values else True)
    expected_any = True if True in values else (None if None in values else False)
    assert all_result is expected_all
    assert any_result is expected_any


def test_missing_facts_are_reported_only_when_unknown() -> None:
    condition = AllOf.model_validate(
        {"all": [check("a", "==", True), {"any": [check("b", ">=", 3), check("c", ">=", 30)]}]}
    )
    unknown = evaluate_condition(condition, {"a": True})
    assert unknown == ConditionResult(None, missing=("b", "c"))
    decided = evaluate_condition(condition, {"a": False})
    assert decided.value is False and decided.missing == ()
    assert decided.failures == (check("a", "==", True),)


def test_none_fact_counts_as_missing() -> None:
    assert evaluate_condition(check("a", ">=", 1), {"a": None}).missing == ("a",)


def test_missing_facts_are_deduplicated_in_order() -> None:
    condition = AllOf.model_validate({"all": [check("b", "==", 1), check("a", "==", 1), check("b", ">", 0)]})
    assert evaluate_condition(condition, {}).missing == ("b", "a")


def test_any_of_false_lists_every_failed_check() -> None:
    condition = AnyOf.model_validate({"any": [check("t", ">=", 3), check("p", ">=", 30)]})
    result = evaluate_condition(condition, {"t": Fraction(299, 100), "p": Fraction(29)})
    assert result.value is False
    assert [c.fact for c in result.failures] == ["t", "p"]


def test_empty_all_is_true_and_empty_any_is_false() -> None:
    assert evaluate_condition(AllOf.model_validate({"all": []}), {}).value is True
    assert evaluate_condition(AnyOf.model_validate({"any": []}), {}).value is False


# --- fact normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("yen", "8000万円", 80_000_000),
        ("yen", 5, 5),
        ("tonnes", "2.99t", Fraction(299, 100)),
        ("tonnes", 28, Fraction(28)),
        ("tonnes", 2.99, Fraction(299, 100)),
        ("tonnes", Fraction(1, 3), Fraction(1, 3)),
        ("percent", "30%", Fraction(30)),
        ("percent", 29, Fraction(29)),
        ("bool", "はい", True),
        ("bool", "いいえ", False),
        ("bool", "True", True),
        ("bool", "false", False),
        ("bool", False, False),
        ("int", 12, 12),
        ("int", " 12 ", 12),
        ("int", "-3", -3),
        ("text", "自由記述", "自由記述"),
    ],
)
def test_coerce_fact_by_input_type(kind: str, raw: Any, expected: Any) -> None:
    value = coerce_fact(spec("f", kind), raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("yen", -1),
        ("yen", True),
        ("yen", Fraction(1, 2)),
        ("tonnes", -1),
        ("tonnes", True),
        ("tonnes", "abc"),
        ("percent", [30]),
        ("bool", "たぶん"),
        ("bool", 1),
        ("int", "3.5"),
        ("int", True),
        ("text", 3),
    ],
)
def test_coerce_fact_refuses_wrong_values(kind: str, raw: Any) -> None:
    with pytest.raises(InputError):
        coerce_fact(spec("f", kind), raw)


def test_coerce_choice_accepts_key_or_label() -> None:
    choice = spec("kind", "choice", choices={"maker": "製造業", "1": "第一種"})
    assert coerce_fact(choice, "maker") == "maker"
    assert coerce_fact(choice, "製造業") == "maker"
    assert coerce_fact(choice, 1) == "1"
    for bad in ("小売業", True, 2.5):
        with pytest.raises(FactValueError, match="maker"):
            coerce_fact(choice, bad)


def test_coerce_facts_uses_specs_skips_none_and_keeps_unknown_facts() -> None:
    facts = coerce_facts(
        [spec("co2", "tonnes"), spec("ok", "bool")],
        {"co2": "3t", "ok": None, "extra": 1.5, "flag": True, "word": "x", "n": 2, "f": Fraction(1, 3)},
    )
    assert facts == {
        "co2": Fraction(3),
        "extra": Fraction(3, 2),
        "flag": True,
        "word": "x",
        "n": 2,
        "f": Fraction(1, 3),
    }
    with pytest.raises(FactValueError):
        coerce_facts([], {"bad": [1, 2]})


def test_parse_bool_words() -> None:
    assert parse_bool("x", " YES ") is True
    assert parse_bool("x", "なし") is False
    with pytest.raises(FactValueError, match="はい／いいえ"):
        parse_bool("x", "maybe")


class _Holder(BaseModel):
    value: FactValue


def test_fact_value_model_turns_floats_into_exact_fractions() -> None:
    holder = _Holder.model_validate({"value": 2.99})
    assert holder.value == Fraction(299, 100)
    assert holder.model_dump(mode="json") == {"value": "2.99"}
    assert _Holder.model_validate({"value": True}).model_dump() == {"value": True}
    assert _Holder(value=Fraction(1, 3)).model_dump(mode="json") == {"value": "1/3"}


# --- formatting and descriptions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (28, "28"),
        (Fraction(299, 100), "2.99"),
        (Fraction(1, 8), "0.125"),
        (Fraction(-5, 2), "-2.5"),
        (Fraction(1, 3), "1/3"),
        (Fraction(0), "0"),
    ],
)
def test_format_number(value: Fraction | int, text: str) -> None:
    assert format_number(value) == text


def test_describe_value_by_type() -> None:
    assert describe_value(spec("t", "tonnes"), Fraction(5)) == "5t"
    assert describe_value(spec("p", "percent"), 29) == "29%"
    assert describe_value(spec("y", "yen"), 45_000_000) == "45,000,000円"
    assert describe_value(spec("y", "yen"), Fraction(1, 2)) == "0.5"
    assert describe_value(spec("n", "int"), 7) == "7"
    assert describe_value(spec("b", "bool"), True) == "はい"
    assert describe_value(None, False) == "いいえ"
    assert describe_value(None, 2.5) == "2.5"
    assert describe_value(None, Fraction(7, 2)) == "3.5"
    assert describe_value(spec("c", "choice", choices={"a": "A型"}), "a") == "A型"
    assert describe_value(spec("c", "choice", choices={"a": "A型"}), "z") == "z"
    assert describe_value(None, "word") == "word"


def test_describe_failure_for_each_kind_of_check() -> None:
    specs = {"t": spec("t", "tonnes"), "k": spec("k", "choice", choices={"a": "A型", "b": "B型"})}
    facts = {"t": Fraction(5), "k": "a", "flag": False}
    assert describe_failure(check("t", ">=", 28), facts, specs) == "tのラベル 5t < 28t"
    assert describe_failure(check("t", ">", 28), facts, specs) == "tのラベル 5t ≤ 28t"
    assert describe_failure(check("t", "<=", 3), facts, specs) == "tのラベル 5t > 3t"
    assert describe_failure(check("t", "<", 3), facts, specs) == "tのラベル 5t ≥ 3t"
    assert describe_failure(check("k", "in", ["b"]), facts, specs) == "kのラベル: A型（対象: B型）"
    assert describe_failure(check("k", "not_in", ["a"]), facts, specs) == "kのラベル: A型（対象外: A型）"
    assert describe_failure(check("flag", "==", True), facts, specs) == "flag: いいえ（必要: はい）"
    assert describe_failure(check("flag", "!=", False), facts, specs) == "flag: いいえ（いいえは対象外）"


def test_describe_failures_of_a_result() -> None:
    condition = AnyOf.model_validate({"any": [check("t", ">=", 3), check("p", ">=", 30)]})
    facts = {"t": Fraction(299, 100), "p": Fraction(29)}
    specs = {"t": spec("t", "tonnes"), "p": spec("p", "percent")}
    result = evaluate_condition(condition, facts)
    assert describe_failures(result, facts, specs) == ["tのラベル 2.99t < 3t", "pのラベル 29% < 30%"]


def test_missing_facts_use_the_questions_with_a_fallback() -> None:
    questions = missing_facts(["a", "zz", "a"], [spec("a", "bool")])
    assert [(m.name, m.label, m.question) for m in questions] == [
        ("a", "aのラベル", "?"),
        ("zz", "zz", "「zz」を教えてください。"),
    ]

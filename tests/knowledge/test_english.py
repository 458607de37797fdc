"""The programmes' ``english:`` blocks: a translation for every fact an English answer shows,
keyed by ids the programme has (checked when the file loads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import Programme, RateCapCalculation, WorksheetCalculation

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
PROGRAMMES = dict(load_knowledge(KNOWLEDGE_DIR).programmes)


@pytest.mark.parametrize("programme_id", sorted(PROGRAMMES))
def test_every_shown_fact_has_an_english_text(programme_id: str) -> None:
    programme = PROGRAMMES[programme_id]
    english = programme.english
    assert english is not None and english.name and english.summary and english.publisher
    assert set(english.inputs) == {spec.name for spec in programme.inputs}
    assert set(english.rules) == {rule.id for rule in programme.eligibility}
    assert set(english.deadlines) == {d.id for d in programme.deadlines}
    assert len(english.contacts) == len(programme.contacts)
    assert len(english.targets) == len(programme.target_applicants)
    calc = programme.calculation
    if isinstance(calc, RateCapCalculation):
        assert set(english.categories) == {c.id for c in calc.categories}
        assert set(english.cost_items) == {i.id for i in [*calc.cost_items, *calc.excluded_costs]}
        assert set(english.excluded_reasons) == {i.id for i in calc.excluded_costs}
    if isinstance(calc, WorksheetCalculation):
        assert set(english.lines) == {line.id for line in calc.lines}


def test_english_names_are_distinct_and_not_japanese() -> None:
    names = [p.english.name for p in PROGRAMMES.values() if p.english]
    assert len(set(names)) == len(names) and all(name.isascii() for name in names)


def programme_data(**english: Any) -> dict[str, Any]:
    path = KNOWLEDGE_DIR / "programmes" / "tokyo-carbon-credit-promotion.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["english"] = {"name": "A grant", **english}
    return data


@pytest.mark.parametrize(
    "english",
    [
        {"rules": {"no_such_rule": {"description": "d", "fail_reason": "f"}}},
        {"inputs": {"no_such_input": {"label": "l", "question": "q"}}},
        {"categories": {"9": "nine"}},
        {"cost_items": {"gold": "gold"}},
        {"contacts": [{"label": "a"}, {"label": "b"}, {"label": "c"}]},
        {"unknown_field": "x"},
    ],
)
def test_a_translation_of_a_fact_the_programme_lacks_is_an_error(english: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Programme.model_validate(programme_data(**english))


def test_a_programme_without_english_loads() -> None:
    data = programme_data()
    del data["english"]
    assert Programme.model_validate(data).english is None

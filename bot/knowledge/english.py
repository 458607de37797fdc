"""English renderings of a programme's facts, for answers to questions asked in English.

A programme file may carry an ``english:`` block: the short English name the advisor uses in
an English answer, and translations keyed by the ids of the Japanese facts they render (inputs,
eligibility rules, categories, cost items, worksheet lines, deadlines; contacts and target
applicants in file order). The Japanese facts stay the ones that are sourced and cited; an
English text is their translation, and where a translation is missing the Japanese text is
shown (quoted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputText(_Strict):
    """An input's label and the question that asks for it, in English."""

    label: str
    question: str


class RuleText(_Strict):
    """An eligibility rule and the reason it fails, in English."""

    description: str
    fail_reason: str


class ContactText(_Strict):
    """A contact desk's label and organisation, in English (phone, e-mail, URL are as given)."""

    label: str
    organisation: str | None = None


class English(_Strict):
    """The English renderings of one programme (see the module docstring)."""

    name: str
    publisher: str | None = None
    summary: str | None = None
    targets: list[str] = []
    inputs: dict[str, InputText] = {}
    rules: dict[str, RuleText] = {}
    categories: dict[str, str] = {}
    cost_items: dict[str, str] = {}
    excluded_reasons: dict[str, str] = {}
    lines: dict[str, str] = {}
    deadlines: dict[str, str] = {}
    contacts: list[ContactText] = []
    how_to_apply: str | None = None


def unknown_keys(english: English, known: Mapping[str, Iterable[str]]) -> list[str]:
    """``section.key`` for every translation whose key names no fact of the programme."""
    problems: list[str] = []
    for section, ids in known.items():
        table: dict[str, object] = getattr(english, section)
        allowed = set(ids)
        problems += [f"english.{section}.{key}" for key in table if key not in allowed]
    return problems

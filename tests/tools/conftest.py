"""Fixtures for the calculator tests: the real programme files, and small programmes built in code."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_programme
from bot.knowledge.models import Programme

PROGRAMME_IDS = (
    "tokyo-zero-emission-energy-saving",
    "tokyo-carbon-credit-promotion",
    "tokyo-saf-air-cargo",
    "moe-jver-credit-creation-2010",
    "meti-cn-action-plan",
)


def src(quote: str = "引用文です") -> dict[str, str]:
    return {"doc": "fixture-doc", "section": "本文", "quote": quote}


def fact(value: str) -> dict[str, Any]:
    return {"value": value, "source": src(value)}


INPUTS: list[dict[str, Any]] = [
    {"name": "is_sme", "type": "bool", "label": "中小企業か", "question": "中小企業ですか？"},
    {"name": "co2_t", "type": "tonnes", "label": "CO2削減量", "question": "CO2削減量は何tですか？"},
    {"name": "co2_pct", "type": "percent", "label": "CO2削減率", "question": "CO2削減率は何%ですか？"},
    {"name": "capital", "type": "yen", "label": "資本金", "question": "資本金はいくらですか？"},
    {"name": "staff", "type": "int", "label": "従業員数", "question": "従業員は何人ですか？"},
    {"name": "memo", "type": "text", "label": "メモ", "question": "メモは？"},
    {
        "name": "sector",
        "type": "choice",
        "label": "業種",
        "question": "業種は？",
        "choices": {"maker": "製造業", "shop": "小売業"},
    },
]


def item(item_id: str, name: str) -> dict[str, Any]:
    return {"id": item_id, "name": name, "source": src(name)}


def category(cat_id: str, rate: str, cap: int | None, items: list[str], when: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": cat_id,
        "name": f"区分名{cat_id}",
        "description": "説明",
        "rate": rate,
        "cap_yen": cap,
        "eligible_items": items,
        "source": src(f"{rate} {cap}"),
    }
    if when is not None:
        data["when"] = when
    return data


def rate_cap(categories: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "rate_cap",
        "cost_items": [item("design", "設計費"), item("equipment", "設備費"), item("works", "工事費")],
        "excluded_costs": [
            {
                "id": "tax",
                "name": "消費税",
                "aliases": ["税"],
                "reason": "間接経費は対象外",
                "source": src("消費税"),
            }
        ],
        "categories": categories,
        **extra,
    }


def build_programme(**overrides: Any) -> Programme:
    data: dict[str, Any] = {
        "id": "fixture-grant",
        "kind": "grant",
        "name": fact("架空の助成事業"),
        "publisher": fact("架空の公社"),
        "url": fact("https://example.invalid/"),
        "summary": fact("架空の助成事業の概要"),
        "inputs": INPUTS,
    }
    data.update(overrides)
    return Programme.model_validate(data)


class Builders:
    """Helpers that build fictional programme data (exposed to tests as the ``build`` fixture)."""

    src = staticmethod(src)
    fact = staticmethod(fact)
    item = staticmethod(item)
    category = staticmethod(category)
    rate_cap = staticmethod(rate_cap)
    programme = staticmethod(build_programme)


@pytest.fixture(scope="session")
def build() -> type[Builders]:
    return Builders


@pytest.fixture
def simple_grant() -> Programme:
    """One category without conditions: 2/3 of design + equipment, cap 1,000,000."""
    return build_programme(
        calculation=rate_cap([category("only", "2/3", 1_000_000, ["design", "equipment"])])
    )


@pytest.fixture(scope="session")
def programmes() -> dict[str, Programme]:
    """The real programme files in knowledge/programmes."""
    folder = PROJECT_ROOT / "knowledge" / "programmes"
    return {pid: load_programme(folder / f"{pid}.yaml") for pid in PROGRAMME_IDS}


@pytest.fixture
def zero_emission(programmes: dict[str, Programme]) -> Programme:
    return programmes["tokyo-zero-emission-energy-saving"]


@pytest.fixture
def carbon_credit(programmes: dict[str, Programme]) -> Programme:
    return programmes["tokyo-carbon-credit-promotion"]


@pytest.fixture
def saf(programmes: dict[str, Programme]) -> Programme:
    return programmes["tokyo-saf-air-cargo"]


@pytest.fixture
def jver(programmes: dict[str, Programme]) -> Programme:
    return programmes["moe-jver-credit-creation-2010"]


@pytest.fixture
def meti(programmes: dict[str, Programme]) -> Programme:
    return programmes["meti-cn-action-plan"]

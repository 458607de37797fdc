"""The tool registry: JSON schemas, descriptions from docstrings, and run_tool."""

from __future__ import annotations

import json
import re

import pytest

from bot.errors import UnknownProgrammeError
from bot.knowledge.models import Programme
from bot.tools.schemas import TOOL_SCHEMAS, TOOLS, ToolArgumentError, UnknownToolError, run_tool, tool_schema

NAMES = ["calculate_grant", "recommend_category", "check_eligibility", "application_status"]


def test_every_tool_has_a_schema_and_a_bilingual_description() -> None:
    assert list(TOOL_SCHEMAS) == NAMES
    for name in NAMES:
        schema = tool_schema(name)
        assert schema["name"] == name
        first_line, _, rest = schema["description"].partition("\n")
        assert not first_line.isascii()  # Japanese first
        assert re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", rest)  # then English
        assert "programme_id" in schema["parameters"]["required"]
        assert schema["parameters"]["additionalProperties"] is False
        assert schema["result"]["type"] == "object"
        json.dumps(schema, ensure_ascii=False)
    assert TOOLS["calculate_grant"].description.startswith("助成額を計算する")


def test_schemas_describe_the_inputs() -> None:
    grant = tool_schema("calculate_grant")["parameters"]["properties"]
    assert set(grant) == {
        "programme_id",
        "category",
        "eligible_cost_yen",
        "costs",
        "additional_costs",
        "facts",
    }
    assert grant["eligible_cost_yen"]["minimum"] == 0
    recommend = tool_schema("recommend_category")["parameters"]["properties"]
    assert set(recommend) == {"programme_id", "facts", "costs", "eligible_cost_yen", "additional_costs"}
    for properties in (grant, recommend):
        added = properties["additional_costs"]
        assert added["type"] == "object" and added["additionalProperties"]["type"] == "integer"
        assert "eligible_cost_yen" in added["description"] and "ADD on top of" in added["description"]
        assert "〜も足したら" in added["description"]
    status = tool_schema("application_status")["parameters"]
    assert set(status["required"]) == {"programme_id", "as_of"}
    assert tool_schema("calculate_grant")["result"]["properties"]["rate"]["anyOf"][0]["type"] == "string"


def test_unknown_tool() -> None:
    with pytest.raises(UnknownToolError, match="calculate_grant"):
        tool_schema("nope")
    with pytest.raises(UnknownToolError):
        run_tool("nope", {}, {})


def test_run_every_tool(programmes: dict[str, Programme]) -> None:
    grant = run_tool(
        "calculate_grant",
        {
            "programme_id": "tokyo-zero-emission-energy-saving",
            "category": "1",
            "eligible_cost_yen": 80_000_000,
        },
        programmes,
    )
    assert (grant["amount_yen"], grant["capped"], grant["rate"]) == (45_000_000, True, "3/4")
    recommendation = run_tool(
        "recommend_category",
        {
            "programme_id": "tokyo-saf-air-cargo",
            "facts": {"is_sme": True},
            "costs": {"saf_surcharge": 3_000_000},
        },
        programmes,
    )
    assert recommendation["best"]["id"] == "sme" and recommendation["best_amount_yen"] == 2_400_000
    eligibility = run_tool(
        "check_eligibility",
        {"programme_id": "tokyo-saf-air-cargo", "profile": {"haneda_narita_share_pct": 49.5}},
        programmes,
    )
    assert eligibility["status"] == "not_eligible"
    status = run_tool(
        "application_status",
        {"programme_id": "tokyo-carbon-credit-promotion", "as_of": "2025-11-24", "now": "10:00"},
        programmes,
    )
    assert status["windows"][0]["state"] == "open" and status["as_of"] == "2025-11-24"
    json.dumps([grant, recommendation, eligibility, status], ensure_ascii=False)


@pytest.mark.parametrize(
    "arguments",
    [
        {"programme_id": "tokyo-carbon-credit-promotion", "as_of": "2025-13-01"},
        {"programme_id": "tokyo-carbon-credit-promotion"},
        {"programme_id": "tokyo-carbon-credit-promotion", "as_of": "2025-11-24", "extra": 1},
    ],
)
def test_invalid_arguments(programmes: dict[str, Programme], arguments: dict[str, object]) -> None:
    with pytest.raises(ToolArgumentError) as caught:
        run_tool("application_status", arguments, programmes)
    assert "application_status" in caught.value.message_ja and caught.value.message_en


def test_unknown_programme(programmes: dict[str, Programme]) -> None:
    with pytest.raises(UnknownProgrammeError, match="tokyo-saf-air-cargo"):
        run_tool("check_eligibility", {"programme_id": "nope"}, programmes)


@pytest.mark.parametrize(
    ("tool", "field", "expected"),
    [
        ("calculate_grant", "amount_yen", 8_000_000),
        ("recommend_category", "best_amount_yen", 8_000_000),
    ],
)
def test_run_tool_adds_additional_costs_to_the_total(
    programmes: dict[str, Programme], tool: str, field: str, expected: int
) -> None:
    """10,500,000 + 設計費 1,500,000 = 12,000,000; 区分3: 2/3 → 8,000,000."""
    result = run_tool(
        tool,
        {
            "programme_id": "tokyo-zero-emission-energy-saving",
            "facts": {"self_plan": True, "co2_reduction_t": 5},
            "eligible_cost_yen": 10_500_000,
            "additional_costs": {"design": 1_500_000},
        },
        programmes,
    )
    assert result[field] == expected


def test_calculate_grant_keeps_numeric_percent_facts() -> None:
    """A percent given as a number (JSON 40, or Fraction(40)) reaches the category conditions."""
    from fractions import Fraction

    from bot.config import PROJECT_ROOT
    from bot.knowledge.loader import load_knowledge
    from bot.tools.schemas import run_tool

    programmes = load_knowledge(PROJECT_ROOT / "knowledge").programmes
    for pct in (40, Fraction(40)):
        result = run_tool(
            "calculate_grant",
            {
                "programme_id": "tokyo-zero-emission-energy-saving",
                "eligible_cost_yen": 12_000_000,
                "facts": {"self_plan": True, "co2_reduction_pct": pct},
            },
            programmes,
        )
        assert result["amount_yen"] == 8_000_000, result

"""The Toolkit as LangChain tools: schemas, compact JSON results, errors as tool messages."""

from __future__ import annotations

import inspect
import json
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from bot.agent.toolkit import Toolkit
from bot.agent.tools import (
    MAX_PASSAGE_CHARS,
    QUOTED_NOTICE,
    TOOL_NAMES,
    build_langchain_tools,
    compact,
)
from bot.tools.schemas import CalculateGrantArgs, CheckEligibilityArgs, RecommendCategoryArgs

from .support import GRANT_ARGS, ZERO_EMISSION


def tools_by_name(toolkit: Toolkit) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in build_langchain_tools(toolkit)}


def call(tool: BaseTool, args: dict[str, Any], call_id: str = "c1") -> ToolMessage:
    message = tool.invoke({"name": tool.name, "args": args, "id": call_id, "type": "tool_call"})
    assert isinstance(message, ToolMessage) and message.tool_call_id == call_id
    return message


def test_seven_tools_with_the_toolkit_docstrings_and_argument_models(toolkit: Toolkit) -> None:
    tools = tools_by_name(toolkit)
    assert tuple(tools) == TOOL_NAMES
    for name, tool in tools.items():
        assert tool.description == inspect.getdoc(getattr(Toolkit, name))
    assert tools["calculate_grant"].args_schema is CalculateGrantArgs
    assert tools["recommend_category"].args_schema is RecommendCategoryArgs
    assert tools["check_eligibility"].args_schema is CheckEligibilityArgs
    assert set(tools["application_status"].args) == {"programme_id"}  # as_of comes from the toolkit
    assert set(tools["search_documents"].args) == {"query", "k", "programme_id"}


def test_calculate_grant_returns_compact_json_and_records_the_call(toolkit: Toolkit) -> None:
    message = call(tools_by_name(toolkit)["calculate_grant"], GRANT_ARGS)
    assert message.status == "success"
    data = json.loads(message.text)
    assert data["amount_yen"] == 45_000_000 and data["cap_yen"] == 45_000_000 and data["rate"] == "3/4"
    assert "lines" not in data and "cost_items" not in data  # empty and null fields are dropped
    assert data["sources"][0]["title"] == "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"
    assert " " not in message.text.replace("助成額 ", "").split('"steps"')[0]  # no pretty-printing
    [recorded] = toolkit.calls
    assert recorded.name == "calculate_grant" and recorded.result["amount_yen"] == 45_000_000
    assert toolkit.citations


def test_application_status_uses_the_turn_date(toolkit: Toolkit) -> None:
    data = json.loads(
        call(tools_by_name(toolkit)["application_status"], {"programme_id": ZERO_EMISSION}).text
    )
    assert data["as_of"] == "2025-06-01"
    assert toolkit.calls[0].arguments["as_of"] == "2025-06-01"


def test_documents_are_quoted_material(toolkit: Toolkit) -> None:
    tools = tools_by_name(toolkit)
    found = json.loads(call(tools["search_documents"], {"query": "助成上限額", "k": 3}).text)
    assert found["notice"] == QUOTED_NOTICE
    assert 0 < len(found["passages"]) <= 3
    assert all(
        len(p["quote"]) <= MAX_PASSAGE_CHARS + 1 and p["title"] and p["section"] for p in found["passages"]
    )
    facts = json.loads(call(tools["get_programme_facts"], {"programme_id": ZERO_EMISSION}).text)
    assert facts["notice"] == QUOTED_NOTICE and facts["facts"]["programme_id"] == ZERO_EMISSION


def test_find_programmes_and_check_eligibility(toolkit: Toolkit) -> None:
    tools = tools_by_name(toolkit)
    matches = json.loads(call(tools["find_programmes"], {"need": "省エネ設備を入れたい"}).text)
    assert ZERO_EMISSION in [m["programme_id"] for m in matches]
    verdict = json.loads(
        call(tools["check_eligibility"], {"programme_id": ZERO_EMISSION, "profile": {"is_sme": True}}).text
    )
    assert verdict["status"] == "need_info" and verdict["missing"][0]["question"]


def test_errors_are_tool_messages_in_japanese(toolkit: Toolkit) -> None:
    tools = tools_by_name(toolkit)
    unknown = call(tools["get_programme_facts"], {"programme_id": "no-such-programme"})
    assert unknown.status == "error"
    error = json.loads(unknown.text)
    assert (
        error["error"] == "unknown_programme"
        and "「no-such-programme」は登録されていません" in error["message"]
    )
    bad_category = call(tools["calculate_grant"], {**GRANT_ARGS, "category": "9"})
    assert bad_category.status == "error" and "申請区分「9」はありません" in bad_category.text
    wrong_type = call(tools["search_documents"], {"query": "上限", "k": "たくさん"})
    assert wrong_type.status == "error" and "ツール「search_documents」の引数が不正です" in wrong_type.text
    missing = call(tools["application_status"], {})
    assert missing.status == "error" and "programme_id" in missing.text
    assert toolkit.calls == []


def test_compact_drops_empties_trims_text_and_titles_sources() -> None:
    data = {
        "a": None,
        "b": [],
        "c": {},
        "n": 0,
        "flag": False,
        "long": "あ" * 10,
        "src": {"doc": "d1", "section": "s", "quote": "q"},
        "items": [{"doc": "d2", "section": "s"}],
    }
    assert compact(data, {"d1": "資料1"}, limit=5) == {
        "n": 0,
        "flag": False,
        "long": "あああああ…",
        "src": {"title": "資料1", "doc": "d1", "section": "s", "quote": "q"},
        "items": [{"doc": "d2", "section": "s"}],
    }

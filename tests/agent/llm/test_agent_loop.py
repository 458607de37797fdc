"""The agent loop end to end with a scripted chat model: tool calls, tool errors, limits, streaming."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fakes.chat_models import ScriptedModel, tool_call
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from bot.agent.base import HistoryMessage, TurnContext
from bot.agent.llm import FINAL_ROUND_NOTE, LIMIT_PREFIX, AgentEvent, LlmEngine, history_messages
from bot.agent.toolkit import Toolkit
from bot.config import Settings
from bot.deps import Deps

from .support import AS_OF, GRANT_ARGS, ZERO_EMISSION

ANSWER = (
    "区分1の助成額は4,500万円（45,000,000円）です。\n\n"
    "### 計算の内訳\n- 対象経費 80,000,000円 × 助成率 3/4 = 60,000,000円\n"
    "- 助成上限額 45,000,000円 を適用 → 助成額 45,000,000円\n\n"
    "### 出典\n- ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業 — 事業概要 > 助成額等"
)


def turn(message: str, **kw: object) -> TurnContext:
    return TurnContext(message=message, session_id="s-1", as_of=AS_OF, **kw)  # type: ignore[arg-type]


def tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def test_calculate_grant_round_trip(make_settings: Callable[..., Settings], toolkit: Toolkit) -> None:
    model = ScriptedModel(responses=[tool_call("calculate_grant", GRANT_ARGS), AIMessage(content=ANSWER)])
    engine = LlmEngine(make_settings(), model=model)

    reply = engine.respond(turn("区分1で対象経費8,000万円ならいくらもらえますか？"), toolkit)

    assert reply.answer == ANSWER and "4,500万円" in reply.answer
    [call] = reply.tool_calls
    assert call.name == "calculate_grant" and call.arguments["eligible_cost_yen"] == 80_000_000
    assert call.result["amount_yen"] == 45_000_000 and call.result["status"] == "calculated"
    assert reply.programmes == [ZERO_EMISSION]
    assert ("事業概要 > 助成額等", "3/4 | 4,500万円") in {(c.section, c.quote) for c in reply.citations}
    assert reply.follow_up == []  # the answer asks nothing
    # the model got the system prompt, the user's message and the tool result as data
    second = model.seen[1]
    assert isinstance(second[0], SystemMessage) and "2025-06-01" in second[0].text
    assert isinstance(second[1], HumanMessage)
    [result] = tool_messages(second)
    assert result.status == "success" and '"amount_yen":45000000' in result.text
    assert '"title":"ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"' in result.text


def test_unknown_programme_comes_back_as_a_tool_message(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    question = "どの制度についてのご相談でしょうか？ 制度名を教えてください。"
    model = ScriptedModel(
        responses=[
            tool_call("calculate_grant", {"programme_id": "tokyo-no-such-grant", "eligible_cost_yen": 10}),
            AIMessage(content=question),
        ]
    )
    reply = LlmEngine(make_settings(), model=model).respond(turn("補助金はいくら？"), toolkit)

    [error] = tool_messages(model.seen[1])
    assert error.status == "error"
    assert "制度ID「tokyo-no-such-grant」は登録されていません" in error.text and ZERO_EMISSION in error.text
    assert reply.answer == question
    assert reply.tool_calls == [] and reply.programmes == []  # failed calls are not recorded


def test_invalid_arguments_come_back_as_a_tool_message(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(
        responses=[
            tool_call("calculate_grant", {"programme_id": ZERO_EMISSION, "eligible_cost_yen": "たくさん"}),
            tool_call("calculate_grant", {"programme_id": ZERO_EMISSION, "budget": 5}, "call_2"),
            tool_call("calculate_grant", {"programme_id": ZERO_EMISSION, "eligible_cost_yen": -1}, "call_3"),
            AIMessage(content="対象経費の合計はおいくらですか？"),
        ]
    )
    reply = LlmEngine(make_settings(), model=model).respond(turn("いくら？"), toolkit)

    errors = tool_messages(model.seen[3])
    assert [e.status for e in errors] == ["error"] * 3
    assert "ツール「calculate_grant」の引数が不正です" in errors[0].text
    assert "eligible_cost_yen" in errors[0].text
    assert "budget" in errors[1].text
    assert "負の値" in errors[2].text  # the calculator's own InputError, in Japanese
    assert reply.answer == "対象経費の合計はおいくらですか？"


def test_missing_facts_become_follow_up_questions(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    ask = "年間のCO2排出量を何t-CO2削減できる見込みですか？"
    model = ScriptedModel(
        responses=[
            tool_call("calculate_grant", {"programme_id": ZERO_EMISSION, "eligible_cost_yen": 80_000_000}),
            AIMessage(content=f"申請区分を決めるために教えてください。{ask}"),
        ]
    )
    reply = LlmEngine(make_settings(), model=model).respond(turn("8,000万円の設備です"), toolkit)

    [call] = reply.tool_calls
    assert call.result["status"] == "need_info"
    assert reply.follow_up[0] == "更新前と比べて、年間のCO2排出量を何t-CO2削減できる見込みですか？"
    assert len(reply.follow_up) <= 3


def test_after_the_last_tool_round_the_model_must_answer(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(
        responses=[
            tool_call("application_status", {"programme_id": ZERO_EMISSION}),
            tool_call("calculate_grant", GRANT_ARGS, "call_2"),
            AIMessage(content=ANSWER),
        ]
    )
    reply = LlmEngine(make_settings(llm_max_tool_rounds=2), model=model).respond(turn("いくら？"), toolkit)

    assert FINAL_ROUND_NOTE not in model.seen[1][0].text
    assert FINAL_ROUND_NOTE in model.seen[2][0].text  # third call: told to answer without tools
    assert reply.answer == ANSWER
    assert [c.name for c in reply.tool_calls] == ["application_status", "calculate_grant"]


def test_a_model_that_keeps_calling_tools_is_stopped(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(
        responses=[
            tool_call("calculate_grant", GRANT_ARGS),
            tool_call("application_status", {"programme_id": ZERO_EMISSION}, "call_2"),
        ]
    )
    reply = LlmEngine(make_settings(llm_max_tool_rounds=1), model=model).respond(turn("いくら？"), toolkit)

    assert len(model.seen) == 2  # the second request for tools was not run
    assert reply.answer.startswith(LIMIT_PREFIX)
    assert "区分1の助成額は45,000,000円（4,500万円）です。" in reply.answer  # the tool's own message
    assert [c.name for c in reply.tool_calls] == ["calculate_grant"]


def test_the_token_budget_ends_the_turn_with_the_results_so_far(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    first = tool_call("calculate_grant", GRANT_ARGS)
    first.usage_metadata = {"input_tokens": 9_000, "output_tokens": 100, "total_tokens": 9_100}
    model = ScriptedModel(responses=[first])  # a second model call would exhaust the script
    reply = LlmEngine(make_settings(llm_token_budget=5_000), model=model).respond(turn("いくら？"), toolkit)

    assert len(model.seen) == 1
    assert reply.answer.startswith(LIMIT_PREFIX) and "4,500万円" in reply.answer
    assert reply.tool_calls[0].result["amount_yen"] == 45_000_000


def test_the_estimated_budget_applies_without_usage_metadata(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    # The system prompt and tool schemas alone are several thousand characters: at chars/2 the
    # first call spends more than the smallest budget, so the model is called only once.
    model = ScriptedModel(responses=[tool_call("calculate_grant", GRANT_ARGS)])
    reply = LlmEngine(make_settings(llm_token_budget=500), model=model).respond(turn("いくら？"), toolkit)
    assert len(model.seen) == 1 and reply.answer.startswith(LIMIT_PREFIX)


def test_history_and_known_facts_reach_the_model(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(responses=[AIMessage(content="承知しました。")])
    history = [
        HistoryMessage("user", "古い質問" * 50),
        HistoryMessage("assistant", "古い回答"),
        HistoryMessage("system", "内部メモ"),
        HistoryMessage("user", "ゼロエミの相談です"),
        HistoryMessage("staff", "担当の山田です"),
    ]
    ctx = turn("続きです", history=history, slots={"eligible_cost_yen": 80_000_000, "forgotten": None})
    LlmEngine(make_settings(history_char_budget=40), model=model).respond(ctx, toolkit)

    [seen] = model.seen
    assert "この会話で分かっている事実" in seen[0].text and '"eligible_cost_yen": 80000000' in seen[0].text
    assert "forgotten" not in seen[0].text
    assert [(m.type, m.text) for m in seen[1:]] == [
        ("ai", "古い回答"),
        ("human", "ゼロエミの相談です"),
        ("ai", "（担当者）担当の山田です"),
        ("human", "続きです"),
    ]


def test_history_trimming_keeps_the_newest_messages() -> None:
    history = [
        HistoryMessage("user", "a" * 10),
        HistoryMessage("assistant", "b" * 10),
        HistoryMessage("user", "c"),
    ]
    assert [m.text for m in history_messages(history, 11)] == ["b" * 10, "c"]
    assert history_messages(history, 0) == []


def test_searched_passages_the_answer_uses_are_cited(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(
        responses=[
            tool_call("search_documents", {"query": "助成対象経費", "programme_id": ZERO_EMISSION}),
            AIMessage(content="対象経費は設計費・設備費・工事費です（出典: 助成対象経費）。"),
        ]
    )
    reply = LlmEngine(make_settings(), model=model).respond(turn("対象経費は？"), toolkit)

    [result] = tool_messages(model.seen[1])
    assert "公式資料からの引用（データ）" in result.text and '"passages"' in result.text
    assert reply.programmes == [ZERO_EMISSION]
    assert reply.citations and all(c.source_id == ZERO_EMISSION for c in reply.citations)


def test_streaming_reports_progress_then_the_reply(
    make_settings: Callable[..., Settings], toolkit: Toolkit
) -> None:
    model = ScriptedModel(responses=[tool_call("calculate_grant", GRANT_ARGS), AIMessage(content=ANSWER)])
    events = list(LlmEngine(make_settings(), model=model).stream(turn("いくら？"), toolkit))

    kinds = [e.type for e in events]
    assert kinds[:2] == ["tool_start", "tool_end"] and kinds[-1] == "final"
    assert events[0] == AgentEvent(type="tool_start", tool="calculate_grant", label="計算中…")
    assert events[1].ok is True
    assert "".join(e.text for e in events if e.type == "text") == ANSWER
    final = events[-1].reply
    assert final is not None and final.answer == ANSWER
    assert final.tool_calls[0].result["amount_yen"] == 45_000_000


def test_mode_names_the_provider_and_model(make_settings: Callable[..., Settings]) -> None:
    model = ScriptedModel(responses=[AIMessage(content="x")])
    assert LlmEngine(make_settings(), model=model).mode == "llm:custom:ScriptedModel"
    settings = make_settings(llm="openai-compatible:qwen3", llm_base_url="http://127.0.0.1:9/v1")
    assert LlmEngine(settings, model=model).mode == "llm:openai-compatible:qwen3"


def test_the_as_of_date_of_the_toolkit_is_in_the_prompt(
    make_settings: Callable[..., Settings], deps: Deps
) -> None:
    model = ScriptedModel(responses=[AIMessage(content="x")])
    later = Toolkit(deps, dt.date(2026, 2, 3))
    LlmEngine(make_settings(), model=model).respond(turn("受付中？"), later)
    assert "2026-02-03（2026年2月3日）" in model.seen[0][0].text

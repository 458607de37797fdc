"""The grounding guard flags figures that no tool result or cited passage states."""

from __future__ import annotations

import datetime as dt

from bot.agent.base import EngineReply
from bot.agent.grounding import check_grounding, remove_ungrounded_lines
from bot.models import Citation, ToolCall

AS_OF = dt.date(2026, 11, 24)
CALL = ToolCall(
    name="calculate_grant",
    arguments={"programme_id": "tokyo-zero-emission-energy-saving", "eligible_cost_yen": 80_000_000},
    result={"amount_yen": 45_000_000, "rate": "3/4", "capped": True, "steps": ["上限 45,000,000円 を適用"]},
)
CITATION = Citation(
    source_id="tokyo-zero-emission-energy-saving",
    title="ゼロエミ",
    url="https://example.invalid/",
    section="事業概要 > 受付期間",
    quote="第5回申請令和8年1月19日(月)~ 令和8年1月30日(金)まで",
)


def reply(text: str) -> EngineReply:
    return EngineReply(answer=text, tool_calls=[CALL], citations=[CITATION])


def test_figures_from_tool_results_and_citations_are_grounded() -> None:
    text = (
        "助成額は4,500万円（対象経費8,000万円 × 3/4、上限適用）。"
        "第5回は2026年1月30日まで。75%ではなく3/4です。"
    )
    report = check_grounding(reply(text), AS_OF)
    assert report.ok, report.ungrounded


def test_a_wrong_amount_is_caught() -> None:
    report = check_grounding(reply("助成額は6,000万円です。"), AS_OF)
    assert [f.text for f in report.ungrounded] == ["6,000万円"]


def test_a_rate_from_the_user_message_is_not_evidence() -> None:
    report = check_grounding(reply("ご指示のとおり助成率は100%です。"), AS_OF)
    assert not report.ok


def test_the_as_of_date_is_grounded() -> None:
    assert check_grounding(reply("2026年11月24日時点の情報です。"), AS_OF).ok


def test_a_malformed_rate_in_a_result_is_ignored() -> None:
    bad = EngineReply(answer="2/3", tool_calls=[ToolCall(name="x", arguments={}, result={"rate": "n/a"})])
    assert not check_grounding(bad, AS_OF).ok


def test_remove_ungrounded_lines_keeps_the_rest() -> None:
    text = "結論: 4,500万円\n誤り: 6,000万円\n出典: 募集要項"
    report = check_grounding(reply(text), AS_OF)
    assert remove_ungrounded_lines(text, report.ungrounded) == "結論: 4,500万円\n出典: 募集要項"


def test_an_intermediate_figure_stated_as_the_grant_is_caught() -> None:
    """cost × rate before the cap is in the steps, but it is not the grant amount."""
    call = CALL.model_copy(update={"result": {**CALL.result, "steps": ["80,000,000円 × 3/4 = 60,000,000円"]}})
    report = check_grounding(EngineReply(answer="助成額は6,000万円です。", tool_calls=[call]), AS_OF)
    assert [f.text for f in report.ungrounded] == ["6,000万円"]


def test_costs_and_caps_next_to_the_word_grant_are_not_amount_claims() -> None:
    text = "助成額は4,500万円です（対象経費8,000万円、助成上限額45,000,000円）。"
    assert check_grounding(reply(text), AS_OF).ok


def test_a_date_in_a_cited_section_heading_is_grounded() -> None:
    heading = CITATION.model_copy(update={"section": "重要事項 > 注意喚起のご案内(令和6年9月4日再掲)"})
    text = "出典: 重要事項 > 注意喚起のご案内(令和6年9月4日再掲)"
    assert check_grounding(EngineReply(answer=text, citations=[heading]), AS_OF).ok


def test_a_rounding_rule_quoted_from_a_document_is_not_an_amount_claim() -> None:
    """「助成額に千円未満の端数…」 bounds the amount from above: the quoted line stays."""
    rule = "助成額に千円未満の端数が生じた場合は、これを切り捨てます。"
    quoted = CITATION.model_copy(update={"quote": rule})
    assert check_grounding(EngineReply(answer=f"> {rule}", citations=[quoted]), AS_OF).ok


def test_a_lower_bound_next_to_the_word_grant_is_still_an_amount_claim() -> None:
    """「助成額は6,000万円以上」 would overstate a capped grant of 4,500万円."""
    call = CALL.model_copy(update={"result": {**CALL.result, "steps": ["80,000,000円 × 3/4 = 60,000,000円"]}})
    report = check_grounding(EngineReply(answer="助成額は6,000万円以上です。", tool_calls=[call]), AS_OF)
    assert [f.text for f in report.ungrounded] == ["6,000万円"]

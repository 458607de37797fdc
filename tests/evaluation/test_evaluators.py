"""Every evaluator on hand-made answers: what passes, what fails and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fakes.chat_models import ScriptedModel
from langchain_core.messages import AIMessage

from bot.config import PROJECT_ROOT
from bot.evaluation import Case, Turn
from bot.evaluation.dataset import GoldSection
from bot.evaluation.evaluators import (
    AmountExactness,
    Check,
    CitationPrecision,
    CitationRecall,
    EvalContext,
    FollowUp,
    ForbiddenClaims,
    Groundedness,
    Latency,
    LlmJudge,
    ProgrammeMatch,
    Refusal,
    RequiredFacts,
    citation_matches,
    default_evaluators,
    evaluate_turn,
    parse_judgement,
    turn_passed,
)
from bot.evaluation.thresholds import TurnBudgets
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.models import Answer, Citation, ToolCall

AS_OF = dt.date(2026, 11, 24)
ZE = "tokyo-zero-emission-energy-saving"
CC = "tokyo-carbon-credit-promotion"
CO2_QUESTION = "更新前と比べて、年間のCO2排出量を何t-CO2削減できる見込みですか？"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture
def ctx(kb: KnowledgeBase) -> EvalContext:
    return EvalContext(knowledge=kb, latency_s=0.4)


def make_case(expect: dict[str, Any], *, programme: str | None = ZE, user: str = "質問") -> tuple[Case, Turn]:
    case = Case.model_validate(
        {
            "id": "c1",
            "kind": "fact",
            "programme": programme,
            "as_of": AS_OF,
            "turns": [{"user": user, "expect": expect}],
        }
    )
    return case, case.turns[0]


def make_answer(text: str, **fields: Any) -> Answer:
    return Answer(answer=text, mode=fields.pop("mode", "offline"), as_of=AS_OF, **fields)


def cite(section: str, source_id: str = ZE, quote: str = "引用") -> Citation:
    return Citation(source_id=source_id, title="t", url="https://example.test", section=section, quote=quote)


def run(evaluator: Any, expect: dict[str, Any], answer: Answer, ctx: EvalContext, **case: Any) -> list[Check]:
    c, t = make_case(expect, **case)
    result: list[Check] = evaluator.evaluate(c, t, answer, ctx)
    return result


def only(checks: list[Check]) -> Check:
    assert len(checks) == 1, checks
    return checks[0]


# --- programmes ------------------------------------------------------------------------------


def test_programmes_superset_passes(ctx: EvalContext) -> None:
    check = only(run(ProgrammeMatch(), {"programmes": [ZE]}, make_answer("x", programmes=[ZE, CC]), ctx))
    assert check.passed and check.name == "programmes"


def test_programmes_missing_one_fails_and_names_it(ctx: EvalContext) -> None:
    check = only(run(ProgrammeMatch(), {"programmes": [ZE, CC]}, make_answer("x", programmes=[ZE]), ctx))
    assert not check.passed and CC in check.reason


def test_programmes_exact_refuses_an_extra_programme(ctx: EvalContext) -> None:
    expect = {"programmes": [ZE], "programmes_exact": True}
    check = only(run(ProgrammeMatch(), expect, make_answer("x", programmes=[ZE, CC]), ctx))
    assert not check.passed and "unexpected" in check.reason and CC in check.reason
    assert only(run(ProgrammeMatch(), expect, make_answer("x", programmes=[ZE]), ctx)).passed


def test_no_programme_expectation_no_check(ctx: EvalContext) -> None:
    assert run(ProgrammeMatch(), {}, make_answer("x", programmes=[CC]), ctx) == []


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "助成額は8,000,000円です。",
        "助成額は800万円です。",
        "助成額は８００万円です。",
        "助成額は金８，０００，０００円です。",
        "助成額は¥8,000,000です。",
        "助成額は八百万円です。",
        "助成額は8百万円です。",
        "助成額は0.08億円です。",
        "助成額は約800万円（上限1,000万円）です。",
    ],
)
def test_an_expected_amount_matches_in_every_japanese_notation(text: str, ctx: EvalContext) -> None:
    check = only(run(AmountExactness(), {"amounts_yen": [8_000_000]}, make_answer(text), ctx))
    assert check.passed, check.reason


def test_every_expected_amount_must_appear(ctx: EvalContext) -> None:
    expect = {"amounts_yen": [45_000_000, 25_000_000, 10_000_000]}
    good = make_answer("区分1は4,500万円、区分2は二千五百万円、区分3は10,000,000円です。")
    assert only(run(AmountExactness(), expect, good, ctx)).passed
    bad = only(run(AmountExactness(), expect, make_answer("区分1は4,500万円、区分2は2,500万円。"), ctx))
    assert not bad.passed and "10,000,000円" in bad.reason


def test_a_wrong_amount_fails_and_shows_what_was_stated(ctx: EvalContext) -> None:
    check = only(
        run(AmountExactness(), {"amounts_yen": [8_000_000]}, make_answer("助成額は80万円です。"), ctx)
    )
    assert not check.passed
    assert "missing 8,000,000円" in check.reason and "800,000円" in check.reason


def test_an_amount_only_in_a_tool_call_does_not_count(ctx: EvalContext) -> None:
    call = ToolCall(name="calculate_grant", arguments={}, result={"amount_yen": 8_000_000})
    check = only(
        run(
            AmountExactness(),
            {"amounts_yen": [8_000_000]},
            make_answer("計算しました。", tool_calls=[call]),
            ctx,
        )
    )
    assert not check.passed


def test_no_amounts_passes_without_yen_and_fails_with_any(ctx: EvalContext) -> None:
    expect = {"no_amounts": True}
    assert only(
        run(AmountExactness(), expect, make_answer("金額はお示しできません。2025年度、30%削減。"), ctx)
    ).passed
    check = only(run(AmountExactness(), expect, make_answer("上限は１千万円です。"), ctx))
    assert not check.passed and "１千万円" in check.reason


def test_no_amount_expectation_no_check(ctx: EvalContext) -> None:
    assert run(AmountExactness(), {}, make_answer("800万円"), ctx) == []


# --- required and forbidden ------------------------------------------------------------------


def test_required_any_of_sets_match_after_nfkc(ctx: EvalContext) -> None:
    expect = {"required": [["３t", "3トン"], ["30%"]]}
    answer = make_answer("年間3t-CO2以上又は３０％以上の削減が必要です。")
    assert only(run(RequiredFacts(), expect, answer, ctx)).passed


def test_required_fails_naming_the_unmet_set(ctx: EvalContext) -> None:
    expect = {"required": [["3/4", "4分の3"], ["2/3", "3分の2"]]}
    check = only(run(RequiredFacts(), expect, make_answer("助成率は４分の３です。"), ctx))
    assert not check.passed
    assert "「2/3」" in check.reason and "「3分の2」" in check.reason and "4分の3" not in check.reason


def test_forbidden_phrase_fails_after_nfkc(ctx: EvalContext) -> None:
    expect = {"forbidden": ["100%"]}
    check = only(run(ForbiddenClaims(), expect, make_answer("助成率は１００％です。"), ctx))
    assert not check.passed and "100%" in check.reason
    assert only(run(ForbiddenClaims(), expect, make_answer("助成率は3/4です。"), ctx)).passed


# --- citations -------------------------------------------------------------------------------

GOLD = GoldSection(source_id=ZE, section="事業概要 > 助成額等")


@pytest.mark.parametrize(
    ("source_id", "section", "expected"),
    [
        (ZE, "事業概要 > 助成額等", True),  # equal
        (ZE, "事業概要 > 助成額等 > 区分1", True),  # descendant
        (ZE, "事業概要", True),  # ancestor
        (ZE, "助成額等", True),  # written without its ancestors
        (ZE, "事業概要 ＞ 助成額等", True),  # NFKC
        (ZE, "事業概要 > 助成額", False),  # segments compare whole
        (ZE, "事業概要 > 受付期間", False),  # sibling
        (ZE, "", False),  # the preamble is not an ancestor of a gold section
        (CC, "事業概要 > 助成額等", False),  # other document
    ],
)
def test_citation_matching(source_id: str, section: str, expected: bool) -> None:
    assert citation_matches(source_id, section, GOLD) is expected


def test_citation_precision_counts_distinct_sections(ctx: EvalContext) -> None:
    expect = {"citations": [GOLD.model_dump()]}
    answer = make_answer(
        "x",
        citations=[
            cite("事業概要 > 助成額等"),
            cite("事業概要 > 助成額等"),
            cite("事業概要 > 受付期間"),
            cite("事業概要 > 事業規模"),
            cite("事業概要"),
        ],
    )
    check = only(run(CitationPrecision(), expect, answer, ctx))
    assert check.score == 0.5 and check.passed
    assert "2/4" in check.reason


def test_citation_precision_minimum_comes_from_the_budgets(kb: KnowledgeBase) -> None:
    strict = EvalContext(knowledge=kb, budgets=TurnBudgets(citation_precision=0.75))
    expect = {"citations": [GOLD.model_dump()]}
    answer = make_answer("x", citations=[cite("事業概要 > 助成額等"), cite("事業概要 > 受付期間")])
    check = only(run(CitationPrecision(), expect, answer, strict))
    assert not check.passed and check.score == 0.5 and "事業概要 > 受付期間" in check.reason


def test_citation_precision_without_citations_is_zero(ctx: EvalContext) -> None:
    check = only(run(CitationPrecision(), {"citations": [GOLD.model_dump()]}, make_answer("x"), ctx))
    assert not check.passed and check.score == 0.0


def test_citation_recall_passes_with_one_gold_and_scores_the_share(ctx: EvalContext) -> None:
    other = {"source_id": ZE, "section": "事業概要 > 助成対象経費"}
    expect = {"citations": [GOLD.model_dump(), other]}
    answer = make_answer("x", citations=[cite("事業概要 > 助成額等"), cite("受付方法")])
    check = only(run(CitationRecall(), expect, answer, ctx))
    assert check.passed and check.score == 0.5


def test_citation_recall_fails_listing_the_gold_sections(ctx: EvalContext) -> None:
    expect = {"citations": [GOLD.model_dump()]}
    check = only(run(CitationRecall(), expect, make_answer("x", citations=[cite("受付方法")]), ctx))
    assert not check.passed and check.score == 0.0 and "事業概要 > 助成額等" in check.reason


def test_no_gold_citations_no_citation_checks(ctx: EvalContext) -> None:
    answer = make_answer("x", citations=[cite("受付方法")])
    assert run(CitationPrecision(), {}, answer, ctx) == run(CitationRecall(), {}, answer, ctx) == []


# --- groundedness ----------------------------------------------------------------------------

# the guard reads results only (arguments are never evidence) and a grant needs a calculated status
GRANT_RESULT = {"programme_id": ZE, "status": "calculated", "amount_yen": 8_000_000, "rate": "2/3"}


def test_a_figure_from_a_tool_result_is_grounded(ctx: EvalContext) -> None:
    call = ToolCall(name="calculate_grant", arguments={"programme_id": ZE}, result=GRANT_RESULT)
    answer = make_answer("助成額は800万円（助成率2/3）です。", tool_calls=[call])
    check = only(run(Groundedness(), {}, answer, ctx))
    assert check.passed and check.name == "grounded"


def test_a_figure_from_a_cited_quote_is_grounded(ctx: EvalContext) -> None:
    answer = make_answer(
        "上限は4,500万円です。", citations=[cite("事業概要 > 助成額等", quote="| 3/4 | 4,500万円 |")]
    )
    assert only(run(Groundedness(), {}, answer, ctx)).passed


def test_an_unbacked_figure_is_ungrounded(ctx: EvalContext) -> None:
    call = ToolCall(name="calculate_grant", arguments={}, result={"amount_yen": 8_000_000})
    check = only(
        run(Groundedness(), {}, make_answer("助成率は100%で、900万円です。", tool_calls=[call]), ctx)
    )
    assert not check.passed and "900万円" in check.reason and "100%" in check.reason


# --- follow-up -------------------------------------------------------------------------------


def test_follow_up_asking_about_the_named_fact_passes(ctx: EvalContext) -> None:
    expect = {"follow_up": True, "follow_up_about": ["co2_reduction_t"]}
    answer = make_answer("確認させてください", follow_up=["貴社は中小企業ですか？", CO2_QUESTION])
    assert only(run(FollowUp(), expect, answer, ctx)).passed


def test_follow_up_matches_the_input_label_too(ctx: EvalContext) -> None:
    expect = {"follow_up": True, "follow_up_about": ["co2_reduction_t"]}
    answer = make_answer(
        "x", follow_up=["年間CO2削減量(t-CO2)を教えてください"]
    )  # label, half-width brackets
    assert only(run(FollowUp(), expect, answer, ctx)).passed


def test_follow_up_not_asking_the_named_fact_fails(ctx: EvalContext) -> None:
    expect = {"follow_up": True, "follow_up_about": ["co2_reduction_t", "is_sme"]}
    check = only(run(FollowUp(), expect, make_answer("x", follow_up=[CO2_QUESTION]), ctx))
    assert not check.passed and "is_sme" in check.reason and "co2_reduction_t" not in check.reason


def test_follow_up_expected_but_none_asked_fails(ctx: EvalContext) -> None:
    check = only(run(FollowUp(), {"follow_up": True}, make_answer("800万円です"), ctx))
    assert not check.passed and "asks nothing" in check.reason


def test_follow_up_false_refuses_asking_again(ctx: EvalContext) -> None:
    assert only(run(FollowUp(), {"follow_up": False}, make_answer("800万円です"), ctx)).passed
    check = only(run(FollowUp(), {"follow_up": False}, make_answer("x", follow_up=[CO2_QUESTION]), ctx))
    assert not check.passed and "asks again" in check.reason


def test_follow_up_unset_no_check(ctx: EvalContext) -> None:
    assert run(FollowUp(), {}, make_answer("x", follow_up=[CO2_QUESTION]), ctx) == []


# --- refusal ---------------------------------------------------------------------------------

REFUSAL = (
    "申し訳ありませんが、そのご質問にはお答えできません。このアドバイザーは、次の脱炭素関連の制度について"
    "ご案内しています。\n- ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"
)


def test_a_proper_refusal_passes(ctx: EvalContext) -> None:
    check = only(
        run(Refusal(), {"refusal": True, "no_amounts": True}, make_answer(REFUSAL), ctx, programme=None)
    )
    assert check.passed


def test_a_refusal_with_only_a_programme_alias_says_what_is_covered(ctx: EvalContext) -> None:
    answer = make_answer("天気については扱っていません。ゼロエミ省エネについてならお答えします。")
    assert only(run(Refusal(), {"refusal": True}, answer, ctx, programme=None)).passed


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (make_answer(REFUSAL, programmes=[ZE]), "names programmes"),
        (make_answer(REFUSAL + "\n上限は4,500万円です。"), "states amounts"),
        (
            make_answer("明日は晴れです。ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"),
            "no refusal phrase",
        ),
        (make_answer("申し訳ありませんが、お答えできません。"), "does not say what the advisor covers"),
    ],
)
def test_a_bad_refusal_fails_with_the_reason(answer: Answer, problem: str, ctx: EvalContext) -> None:
    check = only(run(Refusal(), {"refusal": True}, answer, ctx, programme=None))
    assert not check.passed and problem in check.reason


def test_no_refusal_expected_no_check(ctx: EvalContext) -> None:
    assert run(Refusal(), {}, make_answer(REFUSAL), ctx) == []


# --- latency ---------------------------------------------------------------------------------


def test_latency_is_checked_against_the_budget_of_the_mode(kb: KnowledgeBase) -> None:
    budgets = TurnBudgets(latency_s_offline=1.0, latency_s_llm=20.0)
    slow = EvalContext(knowledge=kb, latency_s=3.0, budgets=budgets)
    offline = only(run(Latency(), {}, make_answer("x"), slow))
    assert not offline.passed and offline.score == 3.0 and "budget 1 s" in offline.reason
    assert only(run(Latency(), {}, make_answer("x", mode="llm:openai:gpt-4.1-mini"), slow)).passed


# --- all together ----------------------------------------------------------------------------


def test_evaluate_turn_runs_every_applicable_evaluator(ctx: EvalContext) -> None:
    expect = {
        "programmes": [ZE],
        "amounts_yen": [8_000_000],
        "required": [["2/3"]],
        "citations": [GOLD.model_dump()],
        "follow_up": False,
    }
    call = ToolCall(name="calculate_grant", arguments={"programme_id": ZE}, result=GRANT_RESULT)
    answer = make_answer(
        "助成額は800万円（2/3）です。",
        programmes=[ZE],
        tool_calls=[call],
        citations=[cite("事業概要 > 助成額等")],
    )
    case, turn = make_case(expect)
    checks = evaluate_turn(case, turn, answer, ctx)
    names = [c.name for c in checks]
    assert names == [
        "programmes",
        "amounts",
        "required",
        "language",
        "citation_precision",
        "citation_recall",
        "grounded",
        "follow_up",
        "latency",
    ]
    assert turn_passed(checks), [c for c in checks if not c.passed]
    assert len(default_evaluators()) == 13


def test_non_gating_checks_do_not_decide_the_turn() -> None:
    assert turn_passed(
        [Check(name="a", passed=True), Check(name="judge_fluency", passed=False, gating=False)]
    )
    assert not turn_passed([Check(name="a", passed=False), Check(name="b", passed=True)])


# --- LLM judge (a scripted chat model: no network) -------------------------------------------


def test_the_judge_rates_fluency_and_helpfulness(ctx: EvalContext) -> None:
    model = ScriptedModel(
        responses=[AIMessage('評価: {"fluency": 5, "helpfulness": 2, "reason": "金額がない"}')]
    )
    case, turn = make_case({}, user="ゼロエミの上限は？")
    checks = LlmJudge(model).evaluate(case, turn, make_answer("上限は区分ごとに異なります。"), ctx)
    assert [(c.name, c.score, c.passed, c.gating) for c in checks] == [
        ("judge_fluency", 5.0, True, False),
        ("judge_helpfulness", 2.0, False, False),
    ]
    prompt = model.seen[0][0].content
    assert "ゼロエミの上限は？" in prompt and "上限は区分ごとに異なります。" in prompt


def test_a_judge_that_answers_nonsense_gives_non_gating_failures(ctx: EvalContext) -> None:
    model = ScriptedModel(responses=[AIMessage("よくできています")])
    case, turn = make_case({})
    checks = LlmJudge(model).evaluate(case, turn, make_answer("x"), ctx)
    assert [c.name for c in checks] == ["judge_fluency", "judge_helpfulness"]
    assert all(not c.passed and not c.gating and "judge failed" in c.reason for c in checks)
    assert turn_passed(checks)


@pytest.mark.parametrize(
    "text", ['{"fluency": 6, "helpfulness": 3}', '{"fluency": true, "helpfulness": 3}', "[]"]
)
def test_parse_judgement_refuses_bad_ratings(text: str) -> None:
    with pytest.raises(ValueError):
        parse_judgement(text)

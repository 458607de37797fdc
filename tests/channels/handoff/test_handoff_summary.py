"""The hand-off summary (pure) and its Block Kit (snapshot-tested).

After an intended change to the rendering, regenerate the snapshots and review the diff:

    UPDATE_HANDOFF_SNAPSHOTS=1 .venv/bin/python -m pytest tests/channels/handoff/test_handoff_summary.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from fakes.slack_api import check_message, iter_texts

from bot.channels.handoff.render import (
    END_ACTION,
    render_closed,
    render_summary,
    render_user_message,
)
from bot.channels.handoff.summary import (
    MAX_EXCHANGES,
    Exchange,
    build_summary,
    case_reference,
    format_value,
    short_answer,
)
from bot.channels.slack.render import SlackMessage
from bot.knowledge.loader import KnowledgeBase
from bot.store.records import Message, Role, Session, ToolCallRecord

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_HANDOFF_SNAPSHOTS") == "1"
HOW_TO_UPDATE = (
    "UPDATE_HANDOFF_SNAPSHOTS=1 .venv/bin/python -m pytest tests/channels/handoff/test_handoff_summary.py"
)
ZERO = "tokyo-zero-emission-energy-saving"
SAF = "tokyo-saf-air-cargo"
SID = "S3ss10n1dAbCdEfGhIjKlM"
START = dt.datetime(2026, 1, 20, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
GRANT_QUESTION = "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？"
GRANT_ANSWER = """## ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業：助成額の試算

**区分3の助成額は 800万円 です。**

### 計算の内訳
- 対象経費 12,000,000円 × 助成率 2/3 = 8,000,000円
"""
SAF_ANSWER = """## 企業のScope3対応に向けた航空貨物輸送でのSAF活用促進事業：助成額の試算

計算するには、もう少し情報が必要です。

**確認させてください:** 貴社は中小企業基本法上の中小企業者に該当しますか？
"""
IS_SME_QUESTION = "貴社は中小企業基本法上の中小企業者に該当しますか？"
REFUSAL = "申し訳ありませんが、そのご質問にはお答えできません。"


def session() -> Session:
    return Session(session_id=SID, channel="web", external_key=None, created_at=START, updated_at=START)


def message(n: int, role: Role, content: str, answer_json: dict[str, Any] | None = None) -> Message:
    return Message(
        message_id=f"m{n}",
        session_id=SID,
        role=role,
        content=content,
        answer_json=answer_json,
        created_at=START + dt.timedelta(minutes=n),
    )


def grant_call(n: int, amount: int | None, **result: Any) -> ToolCallRecord:
    data: dict[str, Any] = {
        "programme_id": ZERO,
        "programme_name": "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業",
        "status": "calculated" if amount is not None else "need_info",
        "category": {"id": "3", "name": "自ら計画を作成して3t-CO2又は30%以上削減", "label": "区分3"},
        "amount_yen": amount,
        "eligible_cost_yen": 12_000_000,
        "rate": "2/3",
        "cap_yen": 10_000_000,
        "capped": False,
        **result,
    }
    return ToolCallRecord(
        tool_call_id=n,
        session_id=SID,
        message_id=f"m{n}",
        name="calculate_grant",
        arguments={"programme_id": data["programme_id"]},
        result=data,
        created_at=START,
    )


def conversation() -> tuple[list[Message], dict[str, Any], list[ToolCallRecord]]:
    messages = [
        message(1, "user", GRANT_QUESTION),
        message(2, "assistant", GRANT_ANSWER, {"programmes": [ZERO], "follow_up": []}),
        message(3, "user", "SAFの助成額は？"),
        message(4, "assistant", SAF_ANSWER, {"programmes": [SAF], "follow_up": [IS_SME_QUESTION]}),
    ]
    slots: dict[str, Any] = {
        "co2_reduction_t": "5",
        "self_plan": True,
        "programme_id": SAF,
        "last_intent": "amount",
        "pending_intent": "amount",
        "pending_fact": "is_sme",
        "eligible_cost_yen": 12_000_000,
    }
    calls = [
        grant_call(2, 8_000_000),
        grant_call(4, None, programme_id=SAF, programme_name="SAF", category=None),
        grant_call(5, 8_000_000),  # the same calculation again: listed once
    ]
    return messages, slots, calls


def check_snapshot(name: str, message: SlackMessage) -> None:
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(message.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path.name}: run `{HOW_TO_UPDATE}` and commit it"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the rendering; if the change is intended run `{HOW_TO_UPDATE}`"
    )
    assert check_message(message.to_dict()) is None  # within Slack's Block Kit limits


# --- the summary ------------------------------------------------------------------------------


def test_the_summary_has_questions_answers_facts_programmes_amounts_and_missing_facts(
    slack_knowledge: KnowledgeBase,
) -> None:
    messages, slots, calls = conversation()

    summary = build_summary(session(), messages, slots, calls, slack_knowledge.programmes)

    assert summary.exchanges == (
        Exchange(GRANT_QUESTION, "〔助成額の試算〕区分3の助成額は 800万円 です。"),
        Exchange("SAFの助成額は？", "〔助成額の試算〕計算するには、もう少し情報が必要です。"),
    )
    assert summary.earlier_questions == 0
    assert [p.programme_id for p in summary.programmes] == [ZERO, SAF]
    assert [(f.label, f.value) for f in summary.facts] == [
        ("年間CO2削減量（t-CO2）", "5"),
        ("自ら計画を作成して実施するか", "はい"),
        ("対象経費", "1,200万円"),
    ]  # the engine's bookkeeping (programme_id, pending_*, last_*) is left out
    [amount] = summary.amounts
    category = "区分3「自ら計画を作成して3t-CO2又は30%以上削減」"
    assert (amount.amount_yen, amount.category, amount.rate) == (8_000_000, category, "2/3")
    assert summary.missing == (IS_SME_QUESTION,)


def test_staff_and_system_messages_are_not_questions_and_unanswered_ones_are_kept(
    slack_knowledge: KnowledgeBase,
) -> None:
    messages = [
        message(1, "user", "人と話したい"),
        message(2, "system", "担当者との会話が終了しました。"),
        message(3, "staff", "担当の山田です。"),
        message(4, "user", "電話してもいいですか？"),
    ]

    summary = build_summary(session(), messages, {}, [], slack_knowledge.programmes)

    assert summary.exchanges == (Exchange("人と話したい", ""), Exchange("電話してもいいですか？", ""))
    assert summary.programmes == summary.amounts == summary.facts == summary.missing == ()


def test_only_the_latest_questions_are_listed(slack_knowledge: KnowledgeBase) -> None:
    messages = [message(n, "user", f"質問{n}") for n in range(MAX_EXCHANGES + 3)]

    summary = build_summary(session(), messages, {}, [], slack_knowledge.programmes)

    assert len(summary.exchanges) == MAX_EXCHANGES
    assert summary.earlier_questions == 3
    assert summary.exchanges[-1].question == f"質問{MAX_EXCHANGES + 2}"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (GRANT_ANSWER, "〔助成額の試算〕区分3の助成額は 800万円 です。"),
        (REFUSAL + "このアドバイザーは" * 20, REFUSAL),
        (
            "## 問い合わせ先\n\n- **お問い合わせ（電話）**: [クール・ネット東京](https://x.jp)"
            " / 電話 03-5990-5089",
            "〔問い合わせ先〕お問い合わせ（電話）: クール・ネット東京 / 電話 03-5990-5089",
        ),
        ("## 見出しだけ", "見出しだけ"),
        ("あ" * 200, "あ" * 119 + "…"),
    ],
)
def test_short_answer(markdown: str, expected: str) -> None:
    assert short_answer(markdown) == expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("is_sme", False, "いいえ"),
        ("capital_yen", 30_000_000, "3,000万円"),
        ("total_project_cost", 1_500_000, "150万円"),
        ("co2_reduction_pct", "30", "30%"),
        ("costs", {"equipment": 5_000_000, "design": 1_000_000}, "equipment 500万円、design 100万円"),
        ("industry", "製造業", "製造業"),
    ],
)
def test_format_value(name: str, value: Any, expected: str) -> None:
    assert format_value(name, value) == expected


# --- Block Kit ------------------------------------------------------------------------------------


def test_summary_snapshot(slack_knowledge: KnowledgeBase) -> None:
    messages, slots, calls = conversation()
    summary = build_summary(session(), messages, slots, calls, slack_knowledge.programmes)

    rendered = render_summary(summary)

    check_snapshot("summary", rendered)
    texts = "\n".join(iter_texts(rendered.blocks))
    case = case_reference(SID)
    for expected in (GRANT_QUESTION, "800万円", "試算した助成額", IS_SME_QUESTION, "対象経費", case):
        assert expected in texts
    assert SID not in json.dumps(rendered.to_dict())  # the customer's credential stays out of Slack
    [buttons] = [b for b in rendered.blocks if b["type"] == "actions"]
    [end] = buttons["elements"]
    assert (end["action_id"], end["value"], end["text"]["text"]) == (END_ACTION, case, "✅ 対応を終了")
    assert rendered.text.startswith("Webチャットからのご相談: SAFの助成額は？")


def test_empty_summary_snapshot(slack_knowledge: KnowledgeBase) -> None:
    summary = build_summary(session(), [], {}, [], slack_knowledge.programmes)

    check_snapshot("summary_empty", render_summary(summary))


def test_what_users_write_is_escaped(slack_knowledge: KnowledgeBase) -> None:
    hostile = "<!channel> <@U123> A&B <https://evil.example|公式>"
    summary = build_summary(session(), [message(1, "user", hostile)], {}, [], slack_knowledge.programmes)

    for rendered in (render_summary(summary), render_user_message(hostile)):
        for texts in ("\n".join(iter_texts(rendered.blocks)), rendered.text):
            assert "<!channel>" not in texts and "<@U123>" not in texts and "<https://evil" not in texts
            assert "&lt;!channel&gt;" in texts and "A&amp;B" in texts


def test_the_case_reference_is_stable_short_and_not_the_conversation_id() -> None:
    case = case_reference(SID)

    assert case == case_reference(SID) and case != case_reference(SID + "x")
    assert re.fullmatch(r"HO-[A-Z2-7]{8}", case) and SID not in case


def test_a_long_user_message_fits_slacks_limits() -> None:
    rendered = render_user_message("長い質問です。\n" * 2_000)

    assert check_message(rendered.to_dict()) is None
    assert rendered.blocks[0]["text"]["text"].startswith("*💬 お客様*\n>長い質問です。")


def test_the_closed_summary_loses_its_button(slack_knowledge: KnowledgeBase) -> None:
    messages, slots, calls = conversation()
    original = render_summary(build_summary(session(), messages, slots, calls, slack_knowledge.programmes))

    closed = render_closed(original.blocks, "USTAFF0001", dt.datetime(2026, 1, 20, 2, 30, tzinfo=dt.UTC))

    assert not [b for b in closed.blocks if b["type"] == "actions"]
    assert closed.blocks[:-1] == [b for b in original.blocks if b["type"] != "actions"]
    note = closed.blocks[-1]["elements"][0]["text"]
    assert note == "✅ <@USTAFF0001> が対応を終了しました（2026年1月20日 11時30分）"

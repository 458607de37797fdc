"""render.py: Markdown → mrkdwn, Block Kit snapshots, and Slack's limits on long answers.

The snapshots under ``snapshots/`` are the exact Block Kit JSON of fixed inputs. After an
intended change to the rendering, regenerate and review them:

    UPDATE_SLACK_SNAPSHOTS=1 .venv/bin/python -m pytest tests/channels/slack/test_slack_render.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fakes.slack_api import check_message, check_view, iter_texts

from bot.channels.slack import render
from bot.channels.slack.render import FeedbackTarget, SlackMessage
from bot.knowledge.loader import KnowledgeBase
from bot.models import Answer, Citation, ToolCall
from bot.tools.grant_models import GrantResult
from bot.tools.schemas import run_tool
from bot.tools.status import application_status

from .support import NOW, ZERO, action_body

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SLACK_SNAPSHOTS") == "1"
HOW_TO_UPDATE = (
    "UPDATE_SLACK_SNAPSHOTS=1 .venv/bin/python -m pytest tests/channels/slack/test_slack_render.py"
)
AS_OF = dt.date(2026, 1, 20)
URL = "https://www.tokyo-co2down.jp/"
TITLE = "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"

ANSWER_MARKDOWN = """## ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業：助成額の試算

**区分3の助成額は 800万円 です。**

### 計算の内訳
- 対象経費 12,000,000円 × 助成率 2/3 = 8,000,000円
- 助成上限額 10,000,000円 以内 → 助成額 8,000,000円

| 申請区分 | 助成率 | 助成上限額 |
| --- | --- | --- |
| 区分1 | 3/4 | 4,500万円 |
| 区分3 | 2/3 | 1,000万円 |

> 根拠資料: 募集要項（令和7年度）
> <https://www.tokyo-co2down.jp/>

詳しくは[公式ページ](https://www.tokyo-co2down.jp/)を参照し、A&B社の<見積>は*税抜*で確認してください。

---
**出典**
- ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業 — 事業概要 > 助成額等
"""


def sample_answer(**overrides: Any) -> Answer:
    grant = {
        "programme_id": ZERO,
        "programme_name": TITLE,
        "status": "calculated",
        "category": {"id": "3", "name": "自ら計画を作成して3t-CO2又は30%以上削減", "label": "区分3"},
        "amount_yen": 8_000_000,
        "eligible_cost_yen": 12_000_000,
        "rate": "2/3",
        "cap_yen": 10_000_000,
        "capped": False,
        "steps": [
            "申請区分: 区分3（助成率 2/3、助成上限額 10,000,000円）",
            "対象経費 12,000,000円 × 助成率 2/3 = 8,000,000円",
        ],
    }
    values: dict[str, Any] = {
        "answer": ANSWER_MARKDOWN,
        "programmes": [ZERO],
        "citations": [
            Citation(
                source_id=ZERO, title=TITLE, url=URL, section="事業概要 > 助成額等", quote="2/3 | 1,000万円"
            ),
            Citation(source_id=ZERO, title=TITLE, url=URL, section="事業概要 > 助成額等", quote="重複"),
            Citation(source_id=ZERO, title=TITLE, url=URL, section="事業概要 > 助成対象経費", quote="設計費"),
        ],
        "tool_calls": [ToolCall(name="calculate_grant", arguments={"programme_id": ZERO}, result=grant)],
        "follow_up": ["貴社は中小企業基本法上の中小企業者に該当しますか？"],
        "mode": "offline",
        "as_of": AS_OF,
        "session_id": "S3ss10n1dAbCdEfGhIjKlM",
        "message_id": "M3ss4g31dAbCdEfG",
    }
    values.update(overrides)
    return Answer(**values)


def as_json(messages: list[SlackMessage]) -> list[dict[str, Any]]:
    return [message.to_dict() for message in messages]


def check_snapshot(name: str, messages: list[SlackMessage]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(as_json(messages), ensure_ascii=False, indent=2) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path.name}: run `{HOW_TO_UPDATE}` and commit it"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the rendering; if the change is intended run `{HOW_TO_UPDATE}`"
    )
    for message in messages:
        assert check_message(message.to_dict()) is None


# --- snapshots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["thread", "ephemeral", "shared"])
def test_answer_snapshots(surface: render.Surface) -> None:
    extra: dict[str, Any] = {"question": "経費1,200万円ならいくら？"} if surface != "thread" else {}
    if surface == "shared":
        extra["shared_by"] = "USTAFF0001"
    check_snapshot(f"answer_{surface}", render.render_answer(sample_answer(), surface, **extra))


def test_status_snapshot(slack_knowledge: KnowledgeBase) -> None:
    results = [
        application_status(slack_knowledge.programme(pid), NOW.date(), NOW.time())
        for pid in sorted(slack_knowledge.programmes)
    ]
    check_snapshot("status", render.render_status(results, NOW))


def test_calc_snapshot(slack_knowledge: KnowledgeBase) -> None:
    data = run_tool(
        "calculate_grant",
        {"programme_id": ZERO, "category": "1", "eligible_cost_yen": 80_000_000},
        slack_knowledge.programmes,
    )
    result = GrantResult.model_validate(data)
    citations = [
        Citation(
            source_id=ref.doc,
            title=slack_knowledge.sources[ref.doc].meta.title,
            url=slack_knowledge.sources[ref.doc].meta.url,
            section=ref.section,
            quote=ref.quote,
        )
        for ref in result.sources
    ]
    check_snapshot("calc", render.render_calc(result, citations))


def test_small_message_snapshots() -> None:
    messages = [
        render.render_help("/hojokin", "UBOTADVISOR"),
        render.render_error(),
        render.render_error("検索インデックスがありません。`advisor index` を実行してください"),
        render.render_error(question="経費1,200万円ならいくら？"),
        render.render_thanks(),
        render.render_thanks("上限額が古い <!here>"),
        render.render_shared_notice(),
        render.render_follow_up_prompt("中小企業ですか？", reply_hint="このスレッドに返信してください。"),
    ]
    check_snapshot("small_messages", messages)


# --- what the answer shows ------------------------------------------------------------------------


def test_the_answer_shows_the_amount_sources_and_buttons_once() -> None:
    [message] = render.render_answer(sample_answer(), "thread")
    texts = list(iter_texts(message.blocks))
    shown = "\n".join(texts)

    assert "*区分3の助成額は 800万円 です。*" in shown
    assert "**" not in shown and "###" not in shown
    assert f"<{URL}|{TITLE} — 事業概要 &gt; 助成額等>" in texts  # the duplicate citation shown once
    assert sum(t.startswith(f"<{URL}|") for t in texts) == 2
    assert "— 事業概要 > 助成額等" not in shown  # the answer's own 出典 list is replaced by the links
    assert "*助成額*\n800万円（8,000,000円）" in texts
    # The calculation shows once: the answer text has its 計算の内訳, so no second steps list.
    assert shown.count("計算の内訳") == 1 and "*計算の内訳*\n1." not in shown
    # The top citation's quote, under the sources; the footer has the date and no mode.
    kinds = [b["type"] for b in message.blocks]
    quote = message.blocks[kinds.index("context") + 1]["elements"][0]["text"]
    assert quote == "💬 「2/3 | 1,000万円」（事業概要 &gt; 助成額等）"
    assert "2026年1月20日時点の資料に基づく回答" in texts
    assert "offline" not in shown
    assert message.blocks[-1]["type"] == "actions"
    ids = [e["action_id"] for e in message.blocks[-1]["elements"]]
    assert ids == [
        "feedback:up:S3ss10n1dAbCdEfGhIjKlM:M3ss4g31dAbCdEfG",
        "feedback:down:S3ss10n1dAbCdEfGhIjKlM:M3ss4g31dAbCdEfG",
    ]
    follow_ups = [b for b in message.blocks if b["type"] == "actions" and b is not message.blocks[-1]]
    assert follow_ups[0]["elements"][0]["value"] == "貴社は中小企業基本法上の中小企業者に該当しますか？"


def test_the_private_answer_lists_follow_ups_as_text_and_offers_sharing() -> None:
    [message] = render.render_answer(sample_answer(), "ephemeral")
    ids = [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]

    assert ids[0] == "share:S3ss10n1dAbCdEfGhIjKlM:M3ss4g31dAbCdEfG"
    assert not any(i.startswith("followup:") for i in ids)
    assert "• 貴社は中小企業基本法上の中小企業者に該当しますか？" in json.dumps(
        message.blocks, ensure_ascii=False
    )


def test_steps_already_in_the_answer_are_not_repeated() -> None:
    answer = sample_answer()
    steps = answer.tool_calls[0].result["steps"]
    with_steps = answer.model_copy(
        update={"answer": answer.answer + "\n" + "\n".join(f"- {s}" for s in steps)}
    )

    shown = json.dumps(render.render_answer(with_steps)[0].blocks, ensure_ascii=False)
    assert "*計算の内訳*\\n1." not in shown


def test_the_steps_are_listed_when_the_answer_text_does_not_show_them() -> None:
    answer = sample_answer(answer="区分3なら助成額は800万円です。")

    shown = json.dumps(render.render_answer(answer)[0].blocks, ensure_ascii=False)
    assert shown.count("*計算の内訳*\\n1. 申請区分: 区分3") == 1


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("### 計算の内訳\n- 別の書き方の説明", True),  # a heading for the calculation
        ("**計算式：**\n対象経費の2/3", True),
        ("- **対象経費 12,000,000円 × 助成率 2/3 ＝ 8,000,000円**", True),  # copied, other markup
        ("対象経費12,000,000円×助成率2/3=8,000,000円 です", True),  # copied, no spaces
        ("申請区分: 区分3（助成率 2/3、助成上限額 10,000,000円）", False),  # not arithmetic
        ("助成額は800万円です。計算方法は募集要項をご覧ください。", False),  # a sentence, no heading
    ],
)
def test_whether_the_answer_text_shows_the_calculation(body: str, shown: bool) -> None:
    steps = sample_answer().tool_calls[0].result["steps"]
    assert render.shows_calculation(body, steps) is shown


def test_with_two_calculations_a_heading_does_not_hide_the_other_steps() -> None:
    answer = sample_answer()
    other = {
        **answer.tool_calls[0].result,
        "category": {"id": "1", "name": "区分1", "label": "区分1"},
        "amount_yen": 9_000_000,
        "rate": "3/4",
        "steps": ["対象経費 12,000,000円 × 助成率 3/4 = 9,000,000円"],
    }
    two = answer.model_copy(
        update={
            "tool_calls": [*answer.tool_calls, ToolCall(name="calculate_grant", arguments={}, result=other)]
        }
    )

    shown = json.dumps(render.render_answer(two)[0].blocks, ensure_ascii=False)
    assert "1. 対象経費 12,000,000円 × 助成率 3/4 = 9,000,000円" in shown  # not in the text
    assert "1. 申請区分: 区分3" not in shown  # the first one's arithmetic is in the text


def test_the_top_citations_quote_is_escaped_on_one_line_and_cut() -> None:
    long_quote = "助成対象経費 <!channel> & 税抜\n\n| 区分 | 率 |" + "。説明" * 400
    citations = [Citation(source_id="s", title="募集要項", url=URL, section="第3条", quote=long_quote)]
    blocks = render.render_answer(sample_answer(citations=citations))[0].blocks
    [quote] = [b for b in blocks if b["type"] == "context" and "💬" in json.dumps(b, ensure_ascii=False)]
    text = quote["elements"][0]["text"]

    assert text.startswith("💬 「助成対象経費 &lt;!channel&gt; &amp; 税抜 | 区分 | 率 |。説明")
    assert text.endswith("…」（第3条）") and "\n" not in text
    assert render.slack_len(text) <= render.QUOTE_SHOWN_MAX + 20


def test_no_quote_block_without_a_quote_or_citations() -> None:
    cited = [Citation(source_id="s", title="募集要項", url=URL, section="", quote="  ")]
    for answer in (sample_answer(citations=cited), sample_answer(citations=[])):
        shown = json.dumps(render.render_answer(answer)[0].blocks, ensure_ascii=False)
        assert "💬" not in shown


def test_the_private_answer_starts_with_the_question_and_the_thread_answer_does_not() -> None:
    question = "<!here> 経費は？"
    [private] = render.render_answer(sample_answer(), "ephemeral", question=question)
    [threaded] = render.render_answer(sample_answer(), "thread", question=question)

    assert private.blocks[0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "質問: 「&lt;!here&gt; 経費は？」"}],
    }
    assert "質問:" not in json.dumps(threaded.blocks, ensure_ascii=False)  # the thread shows it


def test_the_help_mentions_the_bot_only_with_a_real_user_id() -> None:
    def shown(bot_user_id: str | None) -> str:
        return json.dumps(render.render_help("/hojokin", bot_user_id).blocks, ensure_ascii=False)

    assert "<@UBOTADVISOR> をメンションして" in shown("UBOTADVISOR")
    for invalid in (None, "", "<@UBOT>", "UBOT|x", "ubot", "UBOT> <!channel"):
        assert "@アドバイザー をメンションして" in shown(invalid) and "<@" not in shown(invalid)


def test_the_feedback_modal_fits_slacks_view_limits_and_round_trips() -> None:
    target = FeedbackTarget("S1", "M1", channel="C0SUPPORT", thread_ts="1.2", response_url="https://hooks/x")
    view = render.render_feedback_modal(target)
    assert check_view(view) is None
    assert len(view["title"]["text"]) <= 24

    submitted = {**view, "state": {"values": {"reason": {"reason": {"value": "  古い情報 "}}}}}
    assert render.parse_feedback_modal(submitted) == (target, "古い情報")
    assert render.parse_feedback_modal({**view, "private_metadata": "not json"}) is None
    assert render.parse_feedback_modal({**view, "callback_id": "other"}) is None


def test_an_answer_without_ids_has_no_buttons() -> None:
    answer = sample_answer(session_id=None, message_id=None, follow_up=[])
    blocks = render.render_answer(answer)[0].blocks
    assert all(b["type"] != "actions" for b in blocks)


def test_action_ids_round_trip() -> None:
    assert render.parse_feedback_action(render.feedback_action_id("down", "s-1_x", "m_2-y")) == (
        "down",
        "s-1_x",
        "m_2-y",
    )
    assert render.parse_share_action(render.share_action_id("s", "m")) == ("s", "m")
    assert render.parse_feedback_action("feedback:maybe:s:m") is None
    assert render.parse_share_action("feedback:up:s:m") is None


# --- Markdown → mrkdwn ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**太字**のみ", "*太字*\u200bのみ"),
        ("これは**重要**です", "これは\u200b*重要*\u200bです"),
        ("**金額:** 800万円", "*金額:* 800万円"),
        ("# 見出し **強調**", "*見出し 強調*"),
        ("### 計算の内訳", "*計算の内訳*"),
        ("*斜体* と ~~取消~~", "_斜体_ と ~取消~"),
        ("[公式](https://a.jp/?x=1&y=2)", "<https://a.jp/?x=1&amp;y=2|公式>"),
        ("<https://a.jp/r8/>", "<https://a.jp/r8/>"),
        ("[公式](https://evil.example/login)", "公式（https://evil.example/login）"),
        ("<https://evil.example/>", "https://evil.example/"),
        ("A&B <b> 1 > 0", "A&amp;B &lt;b&gt; 1 &gt; 0"),
        ("<!channel> 全員へ", "&lt;!channel&gt; 全員へ"),
        ("`a*b*c` と **x**", "`a*b*c` と *x*"),
        ("- 項目\n  - 入れ子\n1. 番号", "• 項目\n    • 入れ子\n1. 番号"),
        ("> 引用 **太字**\n> > 二重", "> 引用 *太字*\n> 二重"),
        ("| a | b |\n| --- | :-: |\n| **1** | 2 |", "```\na | b\n1 | 2\n```"),
        ("> | a | b |\n> | --- | --- |\n> | 1 | 2 |", "```\na | b\n1 | 2\n```"),
        ("```\nx <= 1\n```", "```\nx &lt;= 1\n```"),
        ("前\n\n---\n\n後", "前\n\n後"),
    ],
)
def test_markdown_to_mrkdwn(markdown: str, mrkdwn: str) -> None:
    trusted = frozenset({"https://a.jp/?x=1&y=2", "https://a.jp/r8/"})  # the knowledge's URLs
    assert render.to_mrkdwn(markdown, trusted) == mrkdwn


def test_rules_become_dividers_and_the_sources_list_is_dropped() -> None:
    answer = sample_answer(answer="前半\n\n---\n\n後半\n\n---\n**出典**\n- 文書 — 節")
    blocks = render.render_answer(answer)[0].blocks
    kinds = [b["type"] for b in blocks]

    assert kinds[:3] == ["section", "divider", "section"]
    assert "文書 — 節" not in json.dumps(blocks, ensure_ascii=False)


def test_without_citations_the_answer_keeps_its_own_sources_list() -> None:
    answer = sample_answer(answer="本文\n\n**出典**\n- 文書 — 節", citations=[])
    assert "文書 — 節" in json.dumps(render.render_answer(answer)[0].blocks, ensure_ascii=False)


# --- limits ---------------------------------------------------------------------------------------


def long_markdown() -> str:
    """About 10,000 characters: 60 numbered paragraphs, a long table, a 4,000-character line."""
    sentence = "東京都の中小企業が省エネ設備を導入する場合の助成率と上限額を説明します。"
    paragraphs = [f"段落{n:02d}: {sentence * 2}" for n in range(60)]
    table = "\n".join(["| 項目 | 金額 |", "| --- | --- |", *(f"| 経費{n} | {n},000円 |" for n in range(120))])
    run_on = "区切りのない長い文" * 450
    return "\n\n".join([*paragraphs[:30], table, run_on, *paragraphs[30:]])


def test_a_long_answer_is_split_within_slacks_limits() -> None:
    markdown = long_markdown()
    assert len(markdown) >= 10_000
    messages = render.render_answer(sample_answer(answer=markdown))

    assert len(messages) > 1
    for number, message in enumerate(messages, 1):
        assert check_message(message.to_dict()) is None
        assert len(message.blocks) <= render.BLOCKS_MAX
        assert sum(render.block_chars(b) for b in message.blocks) <= render.MESSAGE_BLOCK_CHARS_MAX
        assert len(message.text) <= render.MESSAGE_TEXT_MAX
        assert message.text.startswith(f"（{number}/{len(messages)}）")
        for block in message.blocks:
            if block["type"] == "section" and "text" in block:
                assert render.slack_len(block["text"]["text"]) <= render.SECTION_TEXT_MAX
    # Nothing lost, nothing repeated, in order; code blocks are closed in every section.
    sections = [
        b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section" and "text" in b
    ]
    body = "\n".join(sections)
    positions = [body.index(f"段落{n:02d}: ") for n in range(60)]
    assert positions == sorted(positions)
    assert all(body.count(f"段落{n:02d}: ") == 1 for n in range(60))
    assert all(body.count(f"経費{n} | {n},000円") == 1 for n in range(120))
    assert body.replace("\n", "").count("区切りのない長い文") == 450
    assert all(s.count("```") % 2 == 0 for s in sections)
    # The buttons come once, with the end of the answer, not alone.
    last = messages[-1].blocks
    assert last[-1]["type"] == "actions" and any(b["type"] == "section" for b in last)
    assert (
        sum(b["type"] == "actions" and "feedback:" in json.dumps(b) for m in messages for b in m.blocks) == 1
    )


def test_many_short_parts_are_split_at_fifty_blocks() -> None:
    markdown = "\n\n---\n\n".join(f"部分{n}" for n in range(80))
    messages = render.render_answer(sample_answer(answer=markdown, citations=[]))

    assert len(messages) >= 4
    assert all(len(m.blocks) <= render.BLOCKS_MAX for m in messages)
    assert all(m.blocks[0]["type"] != "divider" and m.blocks[-1]["type"] != "divider" for m in messages)


def test_lengths_are_counted_as_slack_counts_them() -> None:
    emoji = "🙂" * 2000  # 4,000 UTF-16 code units
    sections = render.split_text(emoji)

    assert len(sections) == 2
    assert all(render.slack_len(s) <= render.SECTION_TEXT_MAX for s in sections)
    assert render.slack_len(render.truncate(emoji, 75)) <= 75


def test_a_button_click_on_the_largest_message_fits_the_web_apps_body_cap() -> None:
    messages = render.render_answer(sample_answer(answer=long_markdown()))
    largest = max(messages, key=lambda m: sum(render.block_chars(b) for b in m.blocks))
    clicked = {"type": "message", "text": largest.text, "blocks": largest.blocks, "ts": "1.000001"}

    body = action_body("feedback:up:s:m", "up", response_url="https://hooks.slack.com/x", message=clicked)
    assert len(body.encode()) < 64 * 1024

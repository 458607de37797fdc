"""Block Kit for the hand-off thread: pure functions from the summary and texts to Slack messages.

* :func:`render_summary` — the thread's first message in the hand-off channel: the questions
  with the advisor's answers in a line, the facts collected, the programmes, the computed
  amounts, what is still missing, and a 「対応を終了」 button;
* :func:`render_user_message` — a message the user wrote during the hand-off, posted in the thread;
* :func:`render_closed` — the first message again once the hand-off is over (button removed);
* :func:`render_ended_notice`, :func:`render_not_delivered` — small notices in the thread.

Everything the user wrote is escaped (``&``, ``<``, ``>``) in the blocks and in the message's
``text`` alike, so it can never ping ``@channel`` or forge a link; Slack's limits are kept by the
helpers of ``bot.channels.slack.render``. Staff see the case reference (相談番号), never the
conversation id, which is the customer's credential for the chat API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.handoff.summary import Amount, HandoffSummary
from bot.channels.slack.render import (
    SLACK_ID,
    Block,
    SlackMessage,
    actions,
    button,
    context,
    escape,
    fields_section,
    format_moment,
    header,
    link,
    notification,
    section,
    sections,
)
from bot.tools.parsing import format_yen

TOKYO = ZoneInfo("Asia/Tokyo")
END_ACTION = "handoff_end"
TITLE = "🙋 Webチャットからのご相談（担当者への引き継ぎ）"
NO_QUESTIONS = "（まだ質問はありません）"
NOT_ANSWERED = "（アドバイザーは回答していません）"
REPLY_HINT = (
    "このスレッドに返信すると、お客様のチャット画面に「担当者」として表示されます"
    "（アドバイザーへの @メンション付きの投稿は表示されません）。"
    "終わったら「対応を終了」を押してください。"
)
ENDED_TEXT = "対応を終了しました。以降のご質問にはアドバイザーが回答します。"
NOT_DELIVERED_TEXT = "この相談は終了しているため、この返信はお客様に届いていません。"
USER_PREFIX = "💬 お客様"
FACT_FIELDS_MAX = 10


def render_summary(summary: HandoffSummary) -> SlackMessage:
    """The hand-off thread's first message (the summary and the 「対応を終了」 button)."""
    blocks: list[Block] = [header(TITLE)]
    blocks += sections(_questions_text(summary))
    if summary.facts:
        fields = [f"*{escape(f.label)}*\n{escape(f.value)}" for f in summary.facts]
        blocks.append(fields_section(fields[:FACT_FIELDS_MAX], "*お聞きした内容*"))
        if len(fields) > FACT_FIELDS_MAX:
            blocks += sections("\n".join(f.replace("\n", "：", 1) for f in fields[FACT_FIELDS_MAX:]))
    if summary.programmes:
        names = [f"• {link(p.url, p.name)}" for p in summary.programmes]
        blocks.append(section("*関係する制度*\n" + "\n".join(names)))
    if summary.amounts:
        amounts = "\n".join(map(_amount_line, summary.amounts))
        blocks.append(section(f"*試算した助成額*（計算ツールの結果）\n{amounts}"))
    if summary.missing:
        lines = [f"• {escape(q)}" for q in summary.missing]
        blocks.append(section("*まだ確認できていないこと*\n" + "\n".join(lines)))
    started = summary.started_at.astimezone(TOKYO)
    about = f"相談番号 `{summary.case_ref}` ・ 会話の開始 {format_moment(started)}"
    blocks.append(context([about, REPLY_HINT]))
    blocks.append(actions([button("✅ 対応を終了", END_ACTION, summary.case_ref, style="danger")]))
    return SlackMessage(text=_notification(summary), blocks=blocks)


def _questions_text(summary: HandoffSummary) -> str:
    if not summary.exchanges:
        return f"*お客様のご質問*\n{NO_QUESTIONS}"
    lines = ["*お客様のご質問とアドバイザーの回答*"]
    if summary.earlier_questions:
        lines.append(f"（これより前に {summary.earlier_questions} 件の質問があります）")
    first = summary.earlier_questions + 1
    for number, exchange in enumerate(summary.exchanges, start=first):
        lines.append(f"*{number}.* {escape(exchange.question)}")
        lines.append(f"　　↳ {escape(exchange.answer) if exchange.answer else NOT_ANSWERED}")
    return "\n".join(lines)


def _amount_line(amount: Amount) -> str:
    what = escape(amount.programme) + (f" {escape(amount.category)}" if amount.category else "")
    basis: list[str] = []
    if amount.eligible_cost_yen is not None:
        basis.append(
            f"対象経費 {format_yen(amount.eligible_cost_yen)}"
            + (f" × {escape(amount.rate)}" if amount.rate else "")
        )
    elif amount.rate:
        basis.append(f"助成率 {escape(amount.rate)}")
    if amount.cap_yen is not None:
        basis.append(f"上限 {format_yen(amount.cap_yen)}" + ("を適用" if amount.capped else ""))
    detail = f"（{'、'.join(basis)}）" if basis else ""
    return f"• {what}: *{format_yen(amount.amount_yen)}*{detail}"


def _notification(summary: HandoffSummary) -> str:
    latest = summary.exchanges[-1].question if summary.exchanges else NO_QUESTIONS
    return notification(f"Webチャットからのご相談: {latest}")


def render_user_message(text: str) -> SlackMessage:
    """A message the user wrote while the hand-off was active, for the thread."""
    body = escape(text)
    quoted = "\n".join(f">{line}" if line else ">" for line in body.splitlines()) or ">"
    return SlackMessage(
        text=notification(f"お客様: {text}"),
        blocks=[section(f"*{USER_PREFIX}*\n{quoted}")],  # cut at 3,000 characters (all of it is stored)
    )


def render_closed(original: Sequence[dict[str, Any]], user_id: str | None, when: dt.datetime) -> SlackMessage:
    """The first message once the hand-off has ended: the same blocks, the button replaced by
    who ended it and when."""
    who = f"<@{user_id}> が" if user_id and SLACK_ID.fullmatch(user_id) else ""
    note = f"✅ {who}対応を終了しました（{format_moment(when.astimezone(TOKYO))}）"
    blocks = [dict(b) for b in original if b.get("type") != "actions"]
    blocks.append(context([note]))
    return SlackMessage(text="Webチャットからのご相談（対応終了）", blocks=blocks)


def render_ended_notice() -> SlackMessage:
    return SlackMessage(text=ENDED_TEXT, blocks=[context([f"✅ {ENDED_TEXT}"])])


def render_not_delivered() -> SlackMessage:
    return SlackMessage(text=NOT_DELIVERED_TEXT, blocks=[context([f"⚠️ {NOT_DELIVERED_TEXT}"])])

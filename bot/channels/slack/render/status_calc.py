"""``/hojokin status`` and ``/hojokin calc``: application windows and the calculator's result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.channels.slack.render.answer import grant_fields, sources_block
from bot.channels.slack.render.blocks import (
    context,
    fields_section,
    header,
    paginate,
    section,
    sections,
    split_text,
)
from bot.channels.slack.render.limits import Block, SlackMessage, escape, format_moment

if TYPE_CHECKING:
    from bot.models import Citation
    from bot.tools.grant_models import GrantResult
    from bot.tools.status import StatusResult

STATE_MARK = {"open": "🟢 受付中", "upcoming": "🟡 開始前", "closed": "⚪ 受付終了"}
DEADLINE_MARK = {"upcoming": "📅 期限前", "passed": "⚪ 期限切れ"}


def render_status(results: Sequence[StatusResult], as_of: dt.datetime) -> list[SlackMessage]:
    """Every programme's application windows and deadlines on ``as_of`` (Asia/Tokyo)."""
    blocks: list[Block] = [header(f"受付状況（{format_moment(as_of)}時点）")]
    for result in results:
        lines = [f"*{escape(result.programme_name)}*　`{escape(result.programme_id)}`"]
        lines += [f"{STATE_MARK[w.state]}｜{escape(w.sentence)}" for w in result.windows]
        lines += [f"{DEADLINE_MARK[d.state]}｜{escape(d.sentence)}" for d in result.deadlines]
        lines.append(f"*まとめ*: {escape(result.summary)}")
        blocks.extend(section(chunk) for chunk in split_text("\n".join(lines)))
    return paginate(
        blocks, f"受付状況（{format_moment(as_of)}時点）", [context(["最新の募集要項で必ずご確認ください。"])]
    )


def render_calc(result: GrantResult, citations: Sequence[Citation]) -> list[SlackMessage]:
    """A ``/hojokin calc`` result: amount and basis, steps, exclusions, warnings, missing facts."""
    data = result.model_dump(mode="json")
    title = f"*{escape(result.programme_name)}*　`{escape(result.programme_id)}`\n{escape(result.message)}"
    blocks: list[Block] = [header("助成額の計算")]
    if result.status == "calculated" and result.amount_yen is not None:
        blocks.append(fields_section(grant_fields(data), text=title))
    else:
        blocks.extend(sections(title))
    if result.steps:
        listed = "\n".join(f"{n}. {escape(step)}" for n, step in enumerate(result.steps, 1))
        blocks.extend(sections(f"*計算の内訳*\n{listed}"))
    notes: list[str] = []
    notes += [f"• 対象外: {escape(x.name)} {x.amount_yen:,}円 — {escape(x.reason)}" for x in result.excluded]
    if result.rounding is not None:
        note = f"（{escape(result.rounding.note)}）" if result.rounding.note else ""
        notes.append(f"• 端数処理: {escape(result.rounding.description)}{note}")
    notes += [f"• {escape(warning)}" for warning in result.warnings]
    if notes:
        blocks.extend(sections("*注意*\n" + "\n".join(notes)))
    if result.missing:
        listed = "\n".join(f"• {escape(m.question)}（`{escape(m.name)}=…`）" for m in result.missing)
        blocks.extend(sections(f"*確認が必要な情報*\n{listed}"))
    sources = sources_block(citations)
    return paginate(blocks, result.message, [sources] if sources else [])

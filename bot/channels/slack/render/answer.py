"""The advisor's answer as Block Kit: the body, the calculation, follow-up questions, sources
(with the top citation's quote), the as-of footer and the 👍/👎 (and 「チャンネルに共有」) buttons;
the buttons' action ids.

Made to be read during a phone call: the calculation shows once (the fields block, plus the
steps only when the answer text does not already show them), the quote under the sources is the
wording to read out, and the footer says how current the documents are, nothing internal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.channels.slack.render.blocks import (
    DIVIDER,
    actions,
    button,
    context,
    fields_section,
    paginate,
    sections,
)
from bot.channels.slack.render.limits import (
    FOLLOW_UP_BUTTONS_MAX,
    SLACK_ID,
    SOURCES_SHOWN,
    Block,
    Rating,
    SlackMessage,
    Surface,
    escape,
    format_date,
    link,
    truncate,
)
from bot.channels.slack.render.mrkdwn import markdown_to_parts, notification_text, strip_sources_section
from bot.tools.parsing import format_yen

if TYPE_CHECKING:
    from bot.models import Answer, Citation

FEEDBACK_ACTION = re.compile(r"^feedback:(up|down):([^:]+):([^:]+)$")
SHARE_ACTION = re.compile(r"^share:([^:]+):([^:]+)$")
FOLLOW_UP_ACTION = re.compile(r"^followup:\d+$")
QUESTION_SHOWN_MAX = 500
QUOTE_SHOWN_MAX = 300  # the top citation's quote: a few lines to read out, far below Slack's 3,000
QUOTE_LABEL_MAX = 100
# A heading or label line that introduces the calculation in the answer text (「### 計算の内訳」,
# 「**計算式:**」, 「計算の手順：」).
_CALCULATION_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:計算の内訳|計算の手順|計算式|計算方法|算定の内訳|助成額の計算)"
    r"\s*[:：]?\s*(?:\*\*)?\s*[:：]?\s*$",
    re.MULTILINE,
)
_ARITHMETIC = re.compile(r"[=×÷→]")
_NOT_COMPARED = re.compile(r"[\s*_~`•]+")


# --- action ids -----------------------------------------------------------------------------------


def feedback_action_id(rating: Rating, session_id: str, message_id: str) -> str:
    return f"feedback:{rating}:{session_id}:{message_id}"


def share_action_id(session_id: str, message_id: str) -> str:
    return f"share:{session_id}:{message_id}"


def parse_feedback_action(action_id: str) -> tuple[Rating, str, str] | None:
    """``(rating, session_id, message_id)`` of a 👍/👎 button, else None."""
    match = FEEDBACK_ACTION.match(action_id)
    if not match:
        return None
    rating: Rating = "up" if match.group(1) == "up" else "down"
    return rating, match.group(2), match.group(3)


def parse_share_action(action_id: str) -> tuple[str, str] | None:
    """``(session_id, message_id)`` of a 「チャンネルに共有」 button, else None."""
    match = SHARE_ACTION.match(action_id)
    return (match.group(1), match.group(2)) if match else None


# --- answers --------------------------------------------------------------------------------------


def render_answer(
    answer: Answer, surface: Surface = "thread", *, shared_by: str | None = None, question: str | None = None
) -> list[SlackMessage]:
    """The advisor's answer as one or more messages.

    ``thread``: posted in the Slack thread (follow-up buttons, 👍/👎); ``ephemeral``: only the
    caller of ``/hojokin`` sees it (adds 「チャンネルに共有」, lists follow-up questions as text);
    ``shared``: the same answer posted to the channel by that button, headed by who shared it
    and the question (which the channel never saw). The ``ephemeral`` answer starts with the
    caller's ``question`` too (Slack does not show a slash command's text).
    """
    blocks: list[Block] = []
    if surface == "shared":
        blocks.append(shared_header(shared_by, question))
    elif surface == "ephemeral" and question:
        blocks.append(context([question_line(question)]))
    trusted = frozenset(citation.url for citation in answer.citations)
    for number, part in enumerate(markdown_to_parts(_body(answer), trusted)):
        if number:
            blocks.append(dict(DIVIDER))
        blocks.extend(sections(part))
    trailer = calculation_blocks(answer)
    trailer += follow_up_blocks(answer.follow_up, answer.answer, buttons=surface != "ephemeral")
    sources = sources_block(answer.citations)
    if sources:
        trailer.append(sources)
        quote = quote_block(answer.citations)
        if quote:
            trailer.append(quote)
    trailer.append(context([f"{format_date(answer.as_of)}時点の資料に基づく回答"]))
    buttons = answer_buttons(answer, surface)
    if buttons:
        trailer.append(actions(buttons))
    return paginate(blocks, notification_text(answer.answer), trailer)


def shared_header(user_id: str | None, question: str | None) -> Block:
    who = f"<@{user_id}> さん" if user_id and SLACK_ID.fullmatch(user_id) else "窓口担当"
    texts = [f"📣 {who}が `/hojokin` の回答を共有しました"]
    if question:
        texts.append(question_line(question))
    return context(texts)


def question_line(question: str) -> str:
    """「質問: 「…」」: the question the answer is for, escaped and cut to a few lines."""
    return f"質問: 「{escape(truncate(question, QUESTION_SHOWN_MAX))}」"


def _body(answer: Answer) -> str:
    return strip_sources_section(answer.answer) if answer.citations else answer.answer


def calculation_blocks(answer: Answer) -> list[Block]:
    """Each grant the calculator computed: the amount and its basis as fields (once per grant);
    the steps only when the answer text does not already show that calculation
    (:func:`shows_calculation`), so a card never shows the calculation twice."""
    results = _calculated(answer)
    body = _body(answer)
    blocks: list[Block] = []
    for result in results:
        name = escape(str(result.get("programme_name", "")))
        blocks.append(fields_section(grant_fields(result), text=f"*助成額の計算* — {name}"))
        steps = [str(step) for step in result.get("steps", [])]
        if steps and not shows_calculation(body, steps, only=len(results) == 1):
            listed = "\n".join(f"{n}. {escape(step)}" for n, step in enumerate(steps, 1))
            blocks.extend(sections(f"*計算の内訳*\n{listed}"))
    return blocks


def _calculated(answer: Answer) -> list[dict[str, Any]]:
    """The calculator's results with an amount, each grant once (the same call can repeat)."""
    results: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for call in answer.tool_calls:
        result = call.result
        amount = result.get("amount_yen")
        if (
            call.name != "calculate_grant"
            or result.get("status") != "calculated"
            or not isinstance(amount, int)
        ):
            continue
        category = result.get("category") or {}
        key = (result.get("programme_id"), category.get("id"), amount, result.get("eligible_cost_yen"))
        if key not in seen:
            seen.add(key)
            results.append(result)
    return results


def shows_calculation(body: str, steps: Sequence[str], *, only: bool = True) -> bool:
    """Whether the answer text already shows a calculation's steps.

    It does when it writes out any of the arithmetic steps (a step with =, ×, ÷ or →), compared
    without spaces, emphasis, bullets or full-width differences — the models copy the steps, not
    always each one or in the same markup — or, for the answer's ``only`` calculation, when it
    has a heading for the calculation (「計算の内訳」, 「計算式」…)."""
    flat = _comparable(body)
    if any(_comparable(step) in flat for step in steps if _ARITHMETIC.search(step)):
        return True
    return only and _CALCULATION_HEADING.search(body) is not None


def _comparable(text: str) -> str:
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFKC", text))


def grant_fields(result: dict[str, Any]) -> list[str]:
    """The fields of a calculated grant: amount, category, eligible cost, rate, cap."""
    fields = [f"*助成額*\n{format_yen(result['amount_yen'])}（{result['amount_yen']:,}円）"]
    category = result.get("category")
    if isinstance(category, dict) and category.get("label"):
        label = escape(str(category["label"]))
        name = escape(str(category.get("name", "")))
        fields.append(f"*申請区分*\n{label}" + (f"（{name}）" if name and name != label else ""))
    cost = result.get("eligible_cost_yen")
    if isinstance(cost, int):
        fields.append(f"*対象経費*\n{format_yen(cost)}")
    if result.get("rate"):
        fields.append(f"*助成率*\n{escape(str(result['rate']))}")
    cap = result.get("cap_yen")
    if isinstance(cap, int):
        fields.append(f"*上限額*\n{format_yen(cap)}" + ("（上限を適用）" if result.get("capped") else ""))
    return fields


def follow_up_blocks(questions: Sequence[str], answer_text: str, *, buttons: bool) -> list[Block]:
    """The questions the advisor still needs answered: listed (unless the answer already asks
    them) and, in a thread, as buttons that post the question into the thread."""
    if not questions:
        return []
    blocks: list[Block] = []
    if not all(q in answer_text for q in questions):
        listed = "\n".join(f"• {escape(q)}" for q in questions)
        blocks.extend(sections(f"*確認させてください*\n{listed}"))
    if buttons:
        elements = [
            button(f"❓ {q}", f"followup:{n}", q) for n, q in enumerate(questions[:FOLLOW_UP_BUTTONS_MAX])
        ]
        blocks.append(actions(elements))
    return blocks


def sources_block(citations: Sequence[Citation]) -> Block | None:
    """The cited documents as links (title — section), each once; None without citations."""
    unique: list[Citation] = []
    seen: set[tuple[str, str, str]] = set()
    for citation in citations:
        key = (citation.url, citation.title, citation.section)
        if key not in seen:
            seen.add(key)
            unique.append(citation)
    if not unique:
        return None
    elements = ["📚 *出典*"]
    shown = unique[:SOURCES_SHOWN]
    elements += [link(c.url, truncate(_source_label(c), 300)) for c in shown]
    if len(unique) > len(shown):
        elements.append(f"ほか{len(unique) - len(shown)}件")
    return context(elements)


def _source_label(citation: Citation) -> str:
    return f"{citation.title} — {citation.section}" if citation.section else citation.title


def quote_block(citations: Sequence[Citation]) -> Block | None:
    """The first citation's quote, on one line, escaped and cut (``QUOTE_SHOWN_MAX``), with the
    section it comes from: the wording to read out on the phone. None without a quote."""
    if not citations:
        return None
    first = citations[0]
    quote = " ".join(first.quote.split())
    if not quote:
        return None
    where = truncate(first.section or first.title, QUOTE_LABEL_MAX)
    label = f"（{escape(where)}）" if where else ""
    return context([f"💬 「{escape(truncate(quote, QUOTE_SHOWN_MAX))}」{label}"])


def answer_buttons(answer: Answer, surface: Surface) -> list[Block]:
    """👍/👎 (and, for the caller's private copy, 「チャンネルに共有」) for a stored answer."""
    if not answer.session_id or not answer.message_id:
        return []
    sid, mid = answer.session_id, answer.message_id
    elements: list[Block] = []
    if surface == "ephemeral":
        elements.append(button("📣 チャンネルに共有", share_action_id(sid, mid), "share", style="primary"))
    elements.append(button("👍 役に立った", feedback_action_id("up", sid, mid), "up"))
    elements.append(button("👎 改善が必要", feedback_action_id("down", sid, mid), "down"))
    return elements

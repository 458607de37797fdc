"""Block Kit rendering: pure functions from the advisor's data to Slack messages.

Nothing here talks to Slack or reads the clock; every function returns :class:`SlackMessage`
values (``text`` for notifications, ``blocks`` for display) that respect Slack's limits:

* a section's text ≤ 3,000 characters, a field ≤ 2,000, ≤ 10 fields, ≤ 10 context elements;
* ≤ 50 blocks per message, and ≤ 6,000 characters of block text per message (Slack rejects
  ``chat.postMessage`` with ``msg_blocks_too_long`` at roughly 12–13k, an undocumented limit,
  and a button click posts the whole message back to us: see ``MESSAGE_BLOCK_CHARS_MAX``);
* the top-level ``text`` ≤ 40,000 characters (it is kept short: it is the notification).

Lengths are counted in UTF-16 code units, as Slack counts them. A long answer becomes several
messages; the calculation, sources and buttons follow the last part of the answer.

The Markdown subset the advisor writes becomes Slack mrkdwn: ``**bold**`` → ``*bold*``,
headings → bold lines, ``[text](url)`` and ``<url>`` → ``<url|text>``, lists → ``•``, tables →
code blocks, ``---`` → divider blocks. ``&``, ``<`` and ``>`` are escaped, so an answer can never
ping ``@channel`` or forge a link. Emphasis next to Japanese text gets zero-width spaces around
it, which Slack needs to recognise the markers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.tools.parsing import format_yen

if TYPE_CHECKING:
    from bot.models import Answer, Citation
    from bot.tools.grant_models import GrantResult
    from bot.tools.status import StatusResult

Block = dict[str, Any]
Surface = Literal["thread", "ephemeral", "shared"]
Rating = Literal["up", "down"]

SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BLOCKS_MAX = 50
# Characters of block text (and button values) per message. Two limits meet here: Slack refuses
# chat.postMessage with msg_blocks_too_long at roughly 12–13k characters (undocumented), and a
# button click sends the whole message back to POST /slack/events — URL-encoded Japanese costs
# about 9 bytes a character, so 6,000 characters keep a click under the web app's 64 KiB body cap.
MESSAGE_BLOCK_CHARS_MAX = 6_000
MESSAGE_TEXT_MAX = 40_000
NOTIFICATION_CHARS = 300
SOURCES_SHOWN = 8
FOLLOW_UP_BUTTONS_MAX = 5

FEEDBACK_ACTION = re.compile(r"^feedback:(up|down):([^:]+):([^:]+)$")
SHARE_ACTION = re.compile(r"^share:([^:]+):([^:]+)$")
FOLLOW_UP_ACTION = re.compile(r"^followup:\d+$")
SLACK_ID = re.compile(r"[A-Z0-9]+")  # a user id as Slack sends it (U…, W…)

ZWSP = "\u200b"
ELLIPSIS = "…"
DIVIDER: Block = {"type": "divider"}
ERROR_TEXT = "申し訳ありません。回答中にエラーが発生しました。"
ERROR_RETRY = "しばらくしてからもう一度お試しください。"
THANKS_TEXT = "フィードバックありがとうございます"
SHARED_TEXT = "✅ この回答をチャンネルに共有しました。"
ANSWER_FALLBACK = "脱炭素補助金アドバイザーの回答"
STATE_MARK = {"open": "🟢 受付中", "upcoming": "🟡 開始前", "closed": "⚪ 受付終了"}
DEADLINE_MARK = {"upcoming": "📅 期限前", "passed": "⚪ 期限切れ"}


@dataclass(frozen=True)
class SlackMessage:
    """One message: ``text`` (notifications, screen readers) and its Block Kit ``blocks``."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


# --- lengths ------------------------------------------------------------------------------------


def slack_len(text: str) -> int:
    """Length as Slack counts it (UTF-16 code units: an emoji or a rare kanji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` (UTF-16) characters, ending in "…" when cut."""
    if slack_len(text) <= limit:
        return text
    return text[: fitting_prefix(text, limit - 1)].rstrip() + ELLIPSIS


def fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


# --- Markdown → mrkdwn ----------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```")
_TABLE_ROW = re.compile(r"^(?P<quote>\s*>\s?)?\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*:?-+:?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*>\s?(?P<rest>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.*)$")
_ORDERED = re.compile(r"^(?P<indent>\s*)(?P<num>\d{1,3})[.)]\s+(?P<text>.*)$")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_MD_LINK = re.compile(r"\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)")
_AUTOLINK = re.compile(r"<(?P<url>https?://[^>\s]+)>")
_ITALIC = re.compile(r"(?<!\*)\*(?![\s*])(?P<text>[^*\n]+?)(?<![\s*])\*(?!\*)")
_BOLD = re.compile(r"\*\*(?!\s)(?P<text>.+?)(?<!\s)\*\*|__(?!\s)(?P<text2>.+?)(?<!\s)__")
_STRIKE = re.compile(r"~~(?!\s)(?P<text>.+?)(?<!\s)~~")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_SOURCES_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:出典|参考資料)\s*[:：]?\s*(?:\*\*)?\s*$")


def escape(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notification(text: str, limit: int = NOTIFICATION_CHARS) -> str:
    """A message's top-level ``text`` (what notifications and screen readers show): cut to
    ``limit`` and escaped. Slack renders ``text`` as mrkdwn too, so outside text in it could
    otherwise ping ``<!channel>`` or plant a disguised ``<url|label>`` link."""
    return escape(truncate(text, limit))


def link(url: str, label: str) -> str:
    """``<url|label>`` (a label cannot contain ``|`` or ``>``); the label alone when no URL."""
    label = escape(label).replace("|", "｜")
    if not url.startswith(("https://", "http://")):
        return label
    return f"<{escape(url)}|{label}>"


def markdown_to_parts(markdown: str, trusted_urls: frozenset[str] = frozenset()) -> list[str]:
    """The Markdown as mrkdwn parts: one part per stretch between horizontal rules.

    A Markdown link becomes a Slack link only when its URL is one of ``trusted_urls`` (the
    knowledge's URLs that the answer cites); any other link is shown as its label followed by
    the URL in plain text, so text from a model or a document can never disguise a link."""
    parts: list[list[str]] = [[]]
    lines = markdown.replace("\r\n", "\n").split("\n")
    index = 0
    in_fence = False
    while index < len(lines):
        line = lines[index]
        index += 1
        if _FENCE.match(line):
            in_fence = not in_fence
            parts[-1].append("```")
            continue
        if in_fence:
            parts[-1].append(escape(line))
            continue
        if _RULE.match(line):
            parts.append([])
            continue
        if _TABLE_ROW.match(line):
            rows = [line]
            while index < len(lines) and _TABLE_ROW.match(lines[index]):
                rows.append(lines[index])
                index += 1
            parts[-1].extend(table_to_code(rows))
            continue
        parts[-1].append(convert_line(line, trusted_urls))
    if in_fence:
        parts[-1].append("```")
    texts = ["\n".join(part).strip("\n") for part in parts]
    return [_squeeze_blank_lines(text) for text in texts if text.strip()]


def to_mrkdwn(markdown: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """The whole Markdown as one mrkdwn string (rules become blank lines)."""
    return "\n\n".join(markdown_to_parts(markdown, trusted_urls))


def table_to_code(rows: Sequence[str]) -> list[str]:
    """A Markdown table as a code block: cells joined by " | ", the separator row dropped."""
    lines = ["```"]
    for row in rows:
        match = _TABLE_ROW.match(row)
        body = row[len(match.group("quote") or "") :].strip() if match else row.strip()
        cells = [cell.strip().replace("**", "") for cell in body.strip("|").split("|")]
        if all(_TABLE_SEPARATOR.match(cell) for cell in cells):
            continue
        lines.append(escape(" | ".join(cells)))
    lines.append("```")
    return lines


def convert_line(line: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """One Markdown line (not a table row or fence) as mrkdwn."""
    heading = _HEADING.match(line)
    if heading:
        text = heading.group("text").replace("**", "").strip()
        return f"*{inline(text, trusted_urls)}*" if text else ""
    quote = _QUOTE.match(line)
    if quote:
        rest = quote.group("rest")
        while nested := _QUOTE.match(rest):  # Slack has one level of quotes
            rest = nested.group("rest")
        return f"> {convert_line(rest, trusted_urls)}" if rest.strip() else ""
    bullet = _BULLET.match(line)
    if bullet:
        return f"{_indent(bullet.group('indent'))}• {inline(bullet.group('text'), trusted_urls)}"
    ordered = _ORDERED.match(line)
    if ordered:
        number, rest = ordered.group("num"), inline(ordered.group("text"), trusted_urls)
        return f"{_indent(ordered.group('indent'))}{number}. {rest}"
    return inline(line.rstrip(), trusted_urls)


def inline(text: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """Inline Markdown (code, links, emphasis) as mrkdwn, everything else escaped; links to
    URLs outside ``trusted_urls`` become ``label（url）`` in plain text."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\ue000{len(kept) - 1}\ue001"

    def markdown_link(match: re.Match[str]) -> str:
        url, label = match.group("url"), match.group("label")
        if url in trusted_urls:
            return keep(link(url, label))
        return keep(escape(label if label == url else f"{label}（{url}）"))

    def autolink(match: re.Match[str]) -> str:
        url = match.group("url")
        return keep(f"<{escape(url)}>" if url in trusted_urls else escape(url))

    text = _CODE_SPAN.sub(lambda m: keep(escape(m.group(0))), text)
    text = _MD_LINK.sub(markdown_link, text)
    text = _AUTOLINK.sub(autolink, text)
    text = escape(text)
    text = _ITALIC.sub(_emphasis("_"), text)
    text = _BOLD.sub(_emphasis("*"), text)
    text = _STRIKE.sub(_emphasis("~"), text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def _emphasis(marker: str) -> Callable[[re.Match[str]], str]:
    """A substitution wrapping the match's text in ``marker``, with zero-width spaces where the
    neighbouring character is not a space or punctuation (Slack needs a boundary there)."""

    def replace(match: re.Match[str]) -> str:
        inner = next(group for group in match.groups() if group is not None)
        source = match.string
        before = source[match.start() - 1] if match.start() > 0 else " "
        after = source[match.end()] if match.end() < len(source) else " "
        left = "" if _is_boundary(before) else ZWSP
        right = "" if _is_boundary(after) else ZWSP
        return f"{left}{marker}{inner}{marker}{right}"

    return replace


def _is_boundary(char: str) -> bool:
    return char.isspace() or char == ZWSP or char in "([{「『（【、。，．,.:;：；!?！？)]}」』）】"


def _indent(spaces: str) -> str:
    return "    " * (len(spaces.expandtabs(4)) // 2)


def _squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text)


def strip_sources_section(markdown: str) -> str:
    """The answer without its trailing 出典 list (rendered as a context block with links instead)."""
    lines = markdown.rstrip().split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if _SOURCES_HEADING.match(lines[index]):
            head = lines[:index]
            while head and (not head[-1].strip() or _RULE.match(head[-1])):
                head.pop()
            return "\n".join(head)
    return markdown


# --- splitting ------------------------------------------------------------------------------------


def split_text(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """mrkdwn cut into chunks of at most ``limit`` characters: between paragraphs where possible,
    else between lines, else inside a line; a code block cut in two is closed and reopened."""
    chunks: list[str] = []
    current = ""
    for unit in _units(text, limit):
        candidate = f"{current}\n\n{unit}" if current else unit
        if slack_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = unit
    if current:
        chunks.append(current)
    return chunks


def _units(text: str, limit: int) -> Iterable[str]:
    """Paragraphs and code blocks, each at most ``limit`` long."""
    for unit in _paragraphs(text):
        if slack_len(unit) <= limit:
            yield unit
        elif unit.startswith("```"):
            inner = unit.removeprefix("```").removesuffix("```").strip("\n")
            for piece in _pack_lines(inner.split("\n"), limit - 8):
                yield f"```\n{piece}\n```"
        else:
            yield from _pack_lines(unit.split("\n"), limit)


def _paragraphs(text: str) -> list[str]:
    units: list[str] = []
    lines: list[str] = []
    in_code = False
    for line in text.split("\n"):
        if line.strip() == "```":
            if not in_code and lines:
                units.append("\n".join(lines))
                lines = []
            lines.append(line)
            in_code = not in_code
            if not in_code:
                units.append("\n".join(lines))
                lines = []
            continue
        if not in_code and not line.strip():
            if lines:
                units.append("\n".join(lines))
                lines = []
            continue
        lines.append(line)
    if lines:
        units.append("\n".join(lines))
    return units


def _pack_lines(lines: Sequence[str], limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in lines:
        for part in _hard_split(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if slack_len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def _hard_split(line: str, limit: int) -> list[str]:
    """A line longer than ``limit`` cut after 。 or a space where one is near the limit."""
    parts: list[str] = []
    rest = line
    while slack_len(rest) > limit:
        cut = fitting_prefix(rest, limit)
        window = rest[:cut]
        soft = max(window.rfind("。"), window.rfind(" "), window.rfind("、"))
        if soft >= cut // 2:
            cut = soft + 1
        parts.append(rest[:cut])
        rest = rest[cut:]
    parts.append(rest)
    return parts


# --- blocks ---------------------------------------------------------------------------------------


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}}


def fields_section(fields: Sequence[str], text: str | None = None) -> Block:
    block: Block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": truncate(f, FIELD_TEXT_MAX)} for f in fields[:FIELDS_MAX]],
    }
    if text:
        block["text"] = {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}
    return block


def context(texts: Sequence[str]) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(t, CONTEXT_TEXT_MAX)} for t in texts[:CONTEXT_ELEMENTS_MAX]
        ],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, HEADER_TEXT_MAX)}}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_MAX), "emoji": True},
        "action_id": action_id,
        "value": truncate(value, BUTTON_VALUE_MAX),
    }
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[Block]) -> Block:
    return {"type": "actions", "elements": list(elements)}


def sections(text: str) -> list[Block]:
    return [section(chunk) for chunk in split_text(text)]


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


# --- messages -------------------------------------------------------------------------------------


def paginate(blocks: Sequence[Block], preview: str, trailer: Sequence[Block] = ()) -> list[SlackMessage]:
    """Blocks packed into messages within the per-message limits; the ``trailer`` (calculation,
    sources, buttons) stays together at the end, never in a message of its own."""
    pages = _pack(blocks)
    tail = list(trailer)
    if tail:
        if _fits(pages[-1] + tail):
            pages[-1].extend(tail)
        elif pages[-1] and _fits([pages[-1][-1], *tail]):
            pages.append([pages[-1].pop(), *tail])
        else:
            pages.extend(_pack(tail))
    pages = [_without_edge_dividers(page) for page in pages]
    pages = [page for page in pages if page]
    total = len(pages)
    messages: list[SlackMessage] = []
    for number, page in enumerate(pages, 1):
        text = preview if total == 1 else f"（{number}/{total}）{preview}"
        messages.append(SlackMessage(text=notification(text, MESSAGE_TEXT_MAX), blocks=page))
    return messages


def _pack(blocks: Sequence[Block]) -> list[list[Block]]:
    pages: list[list[Block]] = [[]]
    for block in blocks:
        if pages[-1] and not _fits([*pages[-1], block]):
            pages.append([])
        pages[-1].append(block)
    return pages


def _fits(page: Sequence[Block]) -> bool:
    return len(page) <= BLOCKS_MAX and sum(block_chars(block) for block in page) <= MESSAGE_BLOCK_CHARS_MAX


def _without_edge_dividers(page: list[Block]) -> list[Block]:
    while page and page[0] == DIVIDER:
        page = page[1:]
    while page and page[-1] == DIVIDER:
        page = page[:-1]
    return page


def block_chars(value: Any) -> int:
    """Characters a block carries (every text and button value): what the per-message budget counts."""
    if isinstance(value, dict):
        return sum(
            slack_len(item) if key in ("text", "value") and isinstance(item, str) else block_chars(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return sum(block_chars(item) for item in value)
    return 0


def notification_text(markdown: str) -> str:
    """A short plain preview of an answer for notifications: its first lines, no markup."""
    preview: list[str] = []
    for line in strip_sources_section(markdown).split("\n"):
        if _TABLE_ROW.match(line) or _FENCE.match(line) or _RULE.match(line):
            continue
        line = _MD_LINK.sub(lambda m: m.group("label"), line)
        line = _AUTOLINK.sub("", line)
        line = re.sub(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)?", "", line)
        line = re.sub(r"[*_`~]+", "", line).strip()
        if line:
            preview.append(line)
        if sum(len(p) for p in preview) >= NOTIFICATION_CHARS // 2:
            break
    return truncate(" ".join(preview), NOTIFICATION_CHARS) if preview else ANSWER_FALLBACK


def render_answer(
    answer: Answer, surface: Surface = "thread", *, shared_by: str | None = None, question: str | None = None
) -> list[SlackMessage]:
    """The advisor's answer as one or more messages.

    ``thread``: posted in the Slack thread (follow-up buttons, 👍/👎); ``ephemeral``: only the
    caller of ``/hojokin`` sees it (adds 「チャンネルに共有」, lists follow-up questions as text);
    ``shared``: the same answer posted to the channel by that button, headed by who shared it
    and the question (which the channel never saw).
    """
    blocks: list[Block] = []
    if surface == "shared":
        blocks.append(shared_header(shared_by, question))
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
    trailer.append(context([f"{format_date(answer.as_of)}時点の資料に基づく回答・{escape(answer.mode)}"]))
    buttons = answer_buttons(answer, surface)
    if buttons:
        trailer.append(actions(buttons))
    return paginate(blocks, notification_text(answer.answer), trailer)


def shared_header(user_id: str | None, question: str | None) -> Block:
    who = f"<@{user_id}> さん" if user_id and SLACK_ID.fullmatch(user_id) else "窓口担当"
    texts = [f"📣 {who}が `/hojokin` の回答を共有しました"]
    if question:
        texts.append(f"質問: 「{escape(truncate(question, 500))}」")
    return context(texts)


def _body(answer: Answer) -> str:
    return strip_sources_section(answer.answer) if answer.citations else answer.answer


def calculation_blocks(answer: Answer) -> list[Block]:
    """Each grant the calculator computed: the amount and its basis as fields; the steps when
    the answer text does not already list them."""
    blocks: list[Block] = []
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
        if key in seen:
            continue
        seen.add(key)
        name = escape(str(result.get("programme_name", "")))
        blocks.append(fields_section(grant_fields(result), text=f"*助成額の計算* — {name}"))
        steps = [str(step) for step in result.get("steps", [])]
        if steps and not all(step in answer.answer for step in steps):
            listed = "\n".join(f"{n}. {escape(step)}" for n, step in enumerate(steps, 1))
            blocks.extend(sections(f"*計算の内訳*\n{listed}"))
    return blocks


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


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_moment(moment: dt.datetime) -> str:
    return f"{format_date(moment.date())} {moment.hour}時{moment.minute:02d}分"


# --- small messages -------------------------------------------------------------------------------


def render_error(detail: str | None = None) -> SlackMessage:
    """「申し訳ありません。回答中にエラーが発生しました…」 with the user-facing reason when known."""
    text = f"{ERROR_TEXT}{detail}" if detail else f"{ERROR_TEXT}{ERROR_RETRY}"
    return SlackMessage(text=notification(text), blocks=[section(f"⚠️ {escape(text)}")])


def render_notice(text: str) -> SlackMessage:
    """A one-line message (plain text, escaped)."""
    return SlackMessage(text=notification(text), blocks=[section(escape(text))])


def render_thanks() -> SlackMessage:
    return SlackMessage(text=THANKS_TEXT, blocks=[section(f"🙏 {THANKS_TEXT}")])


def render_shared_notice() -> SlackMessage:
    return SlackMessage(text=SHARED_TEXT, blocks=[context([SHARED_TEXT])])


def render_follow_up_prompt(question: str, *, reply_hint: str) -> SlackMessage:
    """A follow-up question posted into the thread, for the staff member to ask the customer."""
    text = f"❓ *確認事項*: {escape(question)}\n{reply_hint}"
    return SlackMessage(text=notification(f"確認事項: {question}"), blocks=[section(text)])


def render_help(command: str = "/hojokin", mention: str | None = None) -> SlackMessage:
    """How to use the bot, in Japanese."""
    ask = f"{mention} " if mention else "@アドバイザー "
    lines = [
        "*脱炭素補助金アドバイザーの使い方*",
        f"• `{command} <質問>` — 質問に回答します（あなたにだけ表示。「チャンネルに共有」で共有できます）",
        f"  例: `{command} 省エネ設備の更新に使える補助金はありますか？経費は1,200万円です`",
        f"• `{command} status [制度ID]` — 各制度の受付状況（本日時点）",
        f"• `{command} calc <制度ID> key=value …` — 助成額を計算",
        f"  例: `{command} calc <制度ID> category=1 eligible_cost=8000万円`（制度IDは status に表示）",
        f"• `{command} help` — この説明",
        f"• チャンネルでは `{escape(ask)}質問` とメンションすると、スレッドで回答します。"
        "同じスレッドで続けて質問すると、前の内容をふまえて答えます。DMでも質問できます。",
    ]
    text = "\n".join(lines)
    return SlackMessage(text="脱炭素補助金アドバイザーの使い方", blocks=[section(text)])


# --- /hojokin status and calc ---------------------------------------------------------------------


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

"""Block builders, and packing blocks into messages within Slack's limits.

A section holds ≤ 3,000 characters (longer mrkdwn is split between paragraphs, else lines, else
inside a line; a code block cut in two is closed and reopened), a message ≤ 50 blocks and ≤ 6,000
characters of block text (see ``MESSAGE_BLOCK_CHARS_MAX``). ``paginate`` keeps the trailer
(calculation, sources, buttons) together with the last part of a long answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.channels.slack.render.limits import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    FIELD_TEXT_MAX,
    FIELDS_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCK_CHARS_MAX,
    MESSAGE_TEXT_MAX,
    SECTION_TEXT_MAX,
    Block,
    SlackMessage,
    fitting_prefix,
    notification,
    slack_len,
    truncate,
)

DIVIDER: Block = {"type": "divider"}


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

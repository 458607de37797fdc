"""Parsing what people type to the bot: ``/hojokin …`` and the text of a mention or a DM.

``/hojokin`` / ``/hojokin help`` → usage; ``/hojokin status [制度ID]`` → application status;
``/hojokin calc <制度ID> key=value …`` → the calculator (the key=value words are read by
``bot.cli.tools.parse_assignments``, exactly as ``advisor calc`` reads them); anything else is
a question for the advisor. Words are split on ASCII and full-width spaces.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

CommandKind = Literal["help", "status", "calc", "ask"]

HELP_WORDS = frozenset({"help", "ヘルプ", "使い方", "つかいかた", "?", "？", "-h", "--help"})
STATUS_WORDS = frozenset({"status", "受付状況"})
CALC_WORDS = frozenset({"calc"})
# Message subtypes that are a person writing (a DM to the bot is a question when it has one).
DIRECT_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})

_SLACK_LINK = re.compile(r"<(?P<url>https?://[^|>]+)\|(?P<label>[^>]*)>")
_SLACK_URL = re.compile(r"<(?P<url>(?:https?|mailto|tel):[^|>]+)>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|(?P<name>[^>]*)>")
_USER = re.compile(r"<@(?P<id>[A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(?P<name>[a-z]+)(?:\^[^|>]*)?(?:\|(?P<label>[^>]*))?>")


@dataclass(frozen=True)
class Command:
    """A parsed ``/hojokin`` invocation."""

    kind: CommandKind
    question: str = ""
    programme_id: str | None = None
    assignments: list[str] = field(default_factory=list)


def parse_command(text: str | None) -> Command:
    """The ``/hojokin`` text as a :class:`Command` (an empty text asks for help)."""
    cleaned = (text or "").strip()
    words = cleaned.split()
    if not words or words[0].lower() in HELP_WORDS:
        return Command("help")
    first = words[0].lower()
    if first in STATUS_WORDS and len(words) <= 2:
        return Command("status", programme_id=words[1] if len(words) == 2 else None)
    if first in CALC_WORDS:
        if len(words) < 2:
            return Command("help")
        return Command("calc", programme_id=words[1], assignments=words[2:])
    return Command("ask", question=cleaned)


def clean_event_text(text: str | None, bot_user_id: str | None) -> str:
    """A mention's or a DM's text as the question: the bot's mention removed, Slack's markup
    (links, channel and user references, HTML entities) turned back into plain text."""
    value = text or ""
    if bot_user_id:
        value = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", value)
    else:
        value = re.sub(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>", " ", value)
    value = _SLACK_LINK.sub(lambda m: f"{m.group('label')} ({m.group('url')})", value)
    value = _SLACK_URL.sub(lambda m: m.group("url"), value)
    value = _CHANNEL.sub(lambda m: f"#{m.group('name')}", value)
    value = _USER.sub(lambda m: f"@{m.group('id')}", value)
    value = _SPECIAL.sub(lambda m: m.group("label") or f"@{m.group('name')}", value)
    value = html.unescape(value)
    return re.sub(r"[ \t\u3000]+", " ", value).strip()

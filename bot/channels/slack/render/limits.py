"""Slack's limits, the message type, and the text primitives every renderer uses.

Lengths are counted in UTF-16 code units, as Slack counts them. ``escape`` neutralises the three
characters Slack reserves for its markup (``&``, ``<``, ``>``), so outside text can never ping
``@channel`` or forge a link; ``link`` builds the only links the renderers emit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

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
SLACK_ID = re.compile(r"[A-Z0-9]+")  # a user id as Slack sends it (U…, W…)

ZWSP = "\u200b"
ELLIPSIS = "…"


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


# --- escaping and links ------------------------------------------------------------------------


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


# --- dates --------------------------------------------------------------------------------------


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_moment(moment: dt.datetime) -> str:
    return f"{format_date(moment.date())} {moment.hour}時{moment.minute:02d}分"

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

The modules, by responsibility (everything public is importable from this package):

* ``limits`` — the limits, :class:`SlackMessage`, lengths, ``escape``/``link``/``notification``;
* ``mrkdwn`` — the advisor's Markdown as Slack mrkdwn (``&``, ``<`` and ``>`` always escaped);
* ``blocks`` — block builders, splitting long text, packing blocks into messages;
* ``answer`` — the answer card and its buttons' action ids;
* ``messages`` — errors, notices, thanks, prompts and the help;
* ``status_calc`` — ``/hojokin status`` and ``/hojokin calc``.
"""

from bot.channels.slack.render.answer import (
    FEEDBACK_ACTION,
    FOLLOW_UP_ACTION,
    SHARE_ACTION,
    answer_buttons,
    calculation_blocks,
    feedback_action_id,
    follow_up_blocks,
    grant_fields,
    parse_feedback_action,
    parse_share_action,
    render_answer,
    share_action_id,
    shared_header,
    sources_block,
)
from bot.channels.slack.render.blocks import (
    DIVIDER,
    actions,
    block_chars,
    button,
    context,
    fields_section,
    header,
    paginate,
    section,
    sections,
    split_text,
)
from bot.channels.slack.render.limits import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    ELLIPSIS,
    FIELD_TEXT_MAX,
    FIELDS_MAX,
    FOLLOW_UP_BUTTONS_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCK_CHARS_MAX,
    MESSAGE_TEXT_MAX,
    NOTIFICATION_CHARS,
    SECTION_TEXT_MAX,
    SLACK_ID,
    SOURCES_SHOWN,
    ZWSP,
    Block,
    Rating,
    SlackMessage,
    Surface,
    escape,
    fitting_prefix,
    format_date,
    format_moment,
    link,
    notification,
    slack_len,
    truncate,
)
from bot.channels.slack.render.messages import (
    ERROR_RETRY,
    ERROR_TEXT,
    SHARED_TEXT,
    THANKS_TEXT,
    render_error,
    render_follow_up_prompt,
    render_help,
    render_notice,
    render_shared_notice,
    render_thanks,
)
from bot.channels.slack.render.mrkdwn import (
    ANSWER_FALLBACK,
    convert_line,
    inline,
    markdown_to_parts,
    notification_text,
    strip_sources_section,
    table_to_code,
    to_mrkdwn,
)
from bot.channels.slack.render.status_calc import (
    DEADLINE_MARK,
    STATE_MARK,
    render_calc,
    render_status,
)

__all__ = [
    "ANSWER_FALLBACK",
    "BLOCKS_MAX",
    "BUTTON_TEXT_MAX",
    "BUTTON_VALUE_MAX",
    "CONTEXT_ELEMENTS_MAX",
    "CONTEXT_TEXT_MAX",
    "DEADLINE_MARK",
    "DIVIDER",
    "ELLIPSIS",
    "ERROR_RETRY",
    "ERROR_TEXT",
    "FEEDBACK_ACTION",
    "FIELDS_MAX",
    "FIELD_TEXT_MAX",
    "FOLLOW_UP_ACTION",
    "FOLLOW_UP_BUTTONS_MAX",
    "HEADER_TEXT_MAX",
    "MESSAGE_BLOCK_CHARS_MAX",
    "MESSAGE_TEXT_MAX",
    "NOTIFICATION_CHARS",
    "SECTION_TEXT_MAX",
    "SHARED_TEXT",
    "SHARE_ACTION",
    "SLACK_ID",
    "SOURCES_SHOWN",
    "STATE_MARK",
    "THANKS_TEXT",
    "ZWSP",
    "Block",
    "Rating",
    "SlackMessage",
    "Surface",
    "actions",
    "answer_buttons",
    "block_chars",
    "button",
    "calculation_blocks",
    "context",
    "convert_line",
    "escape",
    "feedback_action_id",
    "fields_section",
    "fitting_prefix",
    "follow_up_blocks",
    "format_date",
    "format_moment",
    "grant_fields",
    "header",
    "inline",
    "link",
    "markdown_to_parts",
    "notification",
    "notification_text",
    "paginate",
    "parse_feedback_action",
    "parse_share_action",
    "render_answer",
    "render_calc",
    "render_error",
    "render_follow_up_prompt",
    "render_help",
    "render_notice",
    "render_shared_notice",
    "render_status",
    "render_thanks",
    "section",
    "sections",
    "share_action_id",
    "shared_header",
    "slack_len",
    "sources_block",
    "split_text",
    "strip_sources_section",
    "table_to_code",
    "to_mrkdwn",
    "truncate",
]

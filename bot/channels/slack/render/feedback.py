"""The 👎 reason modal: the view ``views.open`` shows, and reading the submitted view back.

The modal holds one short, optional plain-text input (the reason). The answer it rates travels in
the view's ``private_metadata`` (Slack hands it back untouched with the submission, in a request
signed like every other): the session and message ids, and where to thank the user privately —
the clicked message's ``response_url`` (valid for 30 minutes) or its channel and thread.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.channels.slack.render.limits import Block, truncate

FEEDBACK_REASON_CALLBACK = "feedback_reason"
REASON_BLOCK = "reason"
REASON_ACTION = "reason"
REASON_MAX = 500  # characters a reason may have (the input's max_length; Slack allows 3,000)
MODAL_TITLE = "改善が必要な点"  # ≤ 24 characters, like the submit and close labels
MODAL_SUBMIT = "送信"
MODAL_CLOSE = "キャンセル"
MODAL_PROMPT = (
    "この回答のどこを直すべきか、ひとことで教えてください（任意）。"
    "空欄のまま送信しても「改善が必要」として記録されます。"
)
REASON_PLACEHOLDER = "例: 上限額が古い／区分の説明が足りない"
PRIVATE_METADATA_MAX = 3000
PLAIN_TEXT_MAX = 150


@dataclass(frozen=True)
class FeedbackTarget:
    """The rated answer (store session and message) and where to thank the user privately."""

    session_id: str
    message_id: str
    channel: str = ""
    thread_ts: str | None = None
    response_url: str | None = None


def render_feedback_modal(target: FeedbackTarget) -> Block:
    """The modal asking why the answer needs improving (a view for ``views.open``)."""
    metadata = json.dumps(asdict(target), ensure_ascii=False, separators=(",", ":"))
    if len(metadata) > PRIVATE_METADATA_MAX:  # never with Slack's ids and URLs; keep the ids then
        slim = FeedbackTarget(target.session_id, target.message_id, target.channel)
        metadata = json.dumps(asdict(slim), ensure_ascii=False, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": FEEDBACK_REASON_CALLBACK,
        "title": _plain(MODAL_TITLE),
        "submit": _plain(MODAL_SUBMIT),
        "close": _plain(MODAL_CLOSE),
        "private_metadata": metadata,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": MODAL_PROMPT}},
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": _plain("理由"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "max_length": REASON_MAX,
                    "placeholder": _plain(REASON_PLACEHOLDER),
                },
            },
        ],
    }


def parse_feedback_modal(view: dict[str, Any]) -> tuple[FeedbackTarget, str | None] | None:
    """``(target, reason)`` of a submitted reason modal (reason None when left empty); None when
    the view is not one this app opened."""
    if view.get("callback_id") != FEEDBACK_REASON_CALLBACK:
        return None
    try:
        data = json.loads(str(view.get("private_metadata") or ""))
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    session_id, message_id = data.get("session_id"), data.get("message_id")
    if not (isinstance(session_id, str) and session_id and isinstance(message_id, str) and message_id):
        return None
    target = FeedbackTarget(
        session_id=session_id,
        message_id=message_id,
        channel=_text(data.get("channel")) or "",
        thread_ts=_text(data.get("thread_ts")),
        response_url=_text(data.get("response_url")),
    )
    values = ((view.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    reason = _text((values.get(REASON_ACTION) or {}).get("value"))
    reason = reason.strip()[:REASON_MAX] if reason else None
    return target, reason or None


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": truncate(text, PLAIN_TEXT_MAX), "emoji": True}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

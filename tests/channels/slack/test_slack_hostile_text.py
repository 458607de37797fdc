"""Hostile text stays inert in every message the Slack side can send.

Slack renders a message's top-level ``text`` and its blocks' mrkdwn: ``<!channel>``, ``<@U…>``,
``<#C…>`` and ``<url|label>`` from outside the app (a website visitor, a document, a model)
would ping people or disguise a link in front of staff. Each renderer is fed hostile strings
wherever outside text can reach it; every ``<…>`` sequence in what it returns must be one the
app built itself: a link to a URL the knowledge gives (the citations' URLs), or a mention of a
Slack user id that Slack itself sent (the bot's own id in the help, a staff member's in a shared
answer). The answers include the question line of ``/hojokin`` and the top citation's quote; the
small messages include the help (with a valid and a hostile bot id) and the thanks repeating a
👎 reason; the 👎 reason modal is walked like a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.handoff.render import render_closed, render_summary, render_user_message
from bot.channels.handoff.summary import build_summary
from bot.channels.slack import render
from bot.channels.slack.render import Block, FeedbackTarget, SlackMessage
from bot.models import Answer, Citation, ToolCall
from bot.store.records import Message, Session

KNOWN_URL = "https://www.tokyo-co2down.jp/"
STAFF_ID = "U0STAFF01"
BOT_ID = "U0ADVISOR"
HOSTILE = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0GROUP|@staff>",
    "<@U0STAFF>",
    "<@W0OTHER|boss>",
    "<#C0GENERAL>",
    "<https://evil.example/login|公式サイトで再申請>",
    "<https://evil.example/>",
    "<mailto:a@evil.example|窓口>",
    "[公式サイト](https://evil.example/login)",
    "[公式](https://www.tokyo-co2down.jp/|x>)",
    "&lt;!channel&gt;",
    "&amp;",
    "`<!here>`",
    "**<!channel>**",
    "> <@U0STAFF>",
    "| <!here> | x |",
)
START = dt.datetime(2026, 1, 20, 1, 0, tzinfo=dt.UTC)

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(alphabet="あ<>|!@#&*`[]()\n -:/.", max_size=12)),
    min_size=1,
    max_size=6,
).map(" ".join)

_ANGLE = re.compile(r"<([^<>]*)>")
NOT_SHOWN = frozenset({"value", "action_id", "type", "block_id", "callback_id", "private_metadata"})


def every_string(value: Any) -> Iterator[str]:
    """Every string Slack renders as mrkdwn: ``text`` and mrkdwn objects (``plain_text`` objects
    are shown literally; button values, ids and a modal's private_metadata are not shown)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for key, item in value.items():
            if key not in NOT_SHOWN:
                yield from every_string(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_string(item)


def assert_inert(message: SlackMessage | Block, *, user_ids: frozenset[str] = frozenset()) -> None:
    """Every ``<…>`` in the message (``text`` and blocks; or a modal view) is a link to a known URL
    or a mention of a user id Slack sent; nothing else is live markup."""
    shown = message.to_dict() if isinstance(message, SlackMessage) else message
    for text in every_string(shown):
        for match in _ANGLE.finditer(text):
            inner = match.group(1)
            target = inner.split("|", 1)[0]
            if target.startswith("@"):
                assert target[1:] in user_ids, f"live mention {match.group(0)!r} in {text!r}"
            else:
                assert target == KNOWN_URL, f"live markup {match.group(0)!r} in {text!r}"


def answer_with(text: str) -> Answer:
    grant = {
        "programme_id": "p",
        "programme_name": text,
        "status": "calculated",
        "category": {"id": "1", "name": text, "label": text},
        "amount_yen": 1_000,
        "eligible_cost_yen": 2_000,
        "rate": "1/2",
        "cap_yen": 5_000,
        "capped": False,
        "steps": [text],
    }
    return Answer(
        answer=f"## {text}\n\n{text}\n\n- {text}\n\n[公式ページ]({KNOWN_URL}) <{KNOWN_URL}>\n\n{text}",
        programmes=["p"],
        citations=[Citation(source_id="p", title=text, url=KNOWN_URL, section=text, quote=text)],
        tool_calls=[ToolCall(name="calculate_grant", arguments={"q": text}, result=grant)],
        follow_up=[text],
        mode="offline",
        as_of=dt.date(2026, 1, 20),
        session_id="S1",
        message_id="M1",
    )


@settings(max_examples=60, deadline=None)
@given(text=hostile_text)
def test_answers_on_every_surface_are_inert(text: str) -> None:
    answer = answer_with(text)
    for surface in ("thread", "ephemeral"):
        for message in render.render_answer(answer, surface):
            assert_inert(message)
    for message in render.render_answer(answer, "ephemeral", question=text):
        assert_inert(message)
    for message in render.render_answer(answer, "shared", shared_by=STAFF_ID, question=text):
        assert_inert(message, user_ids=frozenset({STAFF_ID}))


@settings(max_examples=60, deadline=None)
@given(text=hostile_text)
def test_small_messages_are_inert(text: str) -> None:
    for message in (
        render.render_error(text),
        render.render_notice(text),
        render.render_follow_up_prompt(text, reply_hint="このスレッドで回答を送ってください。"),
        render.render_error(text, question=text),
        render.render_thanks(text),
        render.render_help("/hojokin", text),  # an id that is not one: no mention at all
        render_user_message(text),
    ):
        assert_inert(message)
    assert_inert(render.render_help("/hojokin", BOT_ID), user_ids=frozenset({BOT_ID}))


@settings(max_examples=30, deadline=None)
@given(text=hostile_text)
def test_the_feedback_modal_is_inert(text: str) -> None:
    target = FeedbackTarget(session_id="S1", message_id="M1", channel=text, thread_ts=text, response_url=text)
    view = render.render_feedback_modal(target)
    assert_inert(view)
    parsed = render.parse_feedback_modal(
        {**view, "state": {"values": {"reason": {"reason": {"value": text}}}}}
    )
    assert parsed is not None  # the ids come back as they went out, the reason as typed
    assert (parsed[0].session_id, parsed[0].message_id, parsed[1]) == ("S1", "M1", text.strip() or None)
    assert_inert(render.render_thanks(parsed[1]))


@settings(max_examples=60, deadline=None)
@given(question=hostile_text, answer=hostile_text)
def test_hand_off_summaries_are_inert(question: str, answer: str) -> None:
    session = Session(session_id="S1", channel="web", external_key=None, created_at=START, updated_at=START)
    messages = [
        Message(message_id="m1", session_id="S1", role="user", content=question, created_at=START),
        Message(message_id="m2", session_id="S1", role="assistant", content=answer, created_at=START),
    ]
    slots = {"industry": question, "pending_x": answer}
    summary = build_summary(session, messages, slots, [], {})
    rendered = render_summary(summary)
    assert_inert(rendered)
    assert_inert(render_closed(rendered.blocks, STAFF_ID, START), user_ids=frozenset({STAFF_ID}))
    assert_inert(render_closed(rendered.blocks, f"{STAFF_ID}|<!channel>", START))


def test_links_in_answer_text_are_live_only_for_the_knowledge_urls() -> None:
    answer = answer_with("x").model_copy(
        update={"answer": f"[公式サイト](https://evil.example/login) と [公式ページ]({KNOWN_URL})"}
    )

    [message] = render.render_answer(answer)

    shown = "\n".join(every_string(message.blocks))
    assert "公式サイト（https://evil.example/login）" in shown  # the real target, in plain sight
    assert f"<{KNOWN_URL}|公式ページ>" in shown

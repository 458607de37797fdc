"""Buttons on a threaded answer: 👍/👎 stored as feedback with who gave it (👎 asks why in a
modal), follow-up questions posted in the thread."""

from __future__ import annotations

import httpx
import pytest
from fakes.slack_api import BOT_USER_ID, RESPONSE_URL_CALL, FakeSlackApi, SlackCall

from bot.channels.slack.app import SlackBot
from bot.deps import Deps

from .support import (
    CHANNEL,
    EVENTS,
    GRANT_QUESTION,
    STAFF,
    action_body,
    event_body,
    find_action,
    mention,
    new_ts,
    posted_message,
    signed_headers,
    view_submission_body,
)

pytestmark = pytest.mark.anyio

FORM = "application/x-www-form-urlencoded"


async def post(http: httpx.AsyncClient, body: str, content_type: str) -> None:
    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=content_type))
    assert response.status_code == 200, response.text


async def answered(http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, question: str) -> SlackCall:
    await post(http, event_body(mention(question, ts=new_ts())), "application/json")
    await bot.drain()
    return slack.calls_to("chat.postMessage")[-1]


async def test_a_thumbs_up_is_stored_once_and_acknowledged_privately(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    up = find_action(answer, "feedback:up:")
    _, _, session_id, message_id = up["action_id"].split(":")
    click = action_body(
        up["action_id"], up["value"], response_url=slack.response_url("fb"), message=posted_message(answer)
    )

    await post(http, click, FORM)
    await post(http, click, FORM)  # a double click
    await bot.drain()

    [feedback] = deps.store.list_feedback(session_id)
    assert (feedback.message_id, feedback.rating) == (message_id, "up")
    assert feedback.comment == f"slack:{STAFF}"  # who gave it (the store has no user column)
    assert slack.calls_to("views.open") == []  # 👍 asks nothing
    thanks = slack.calls_to(RESPONSE_URL_CALL)
    assert len(thanks) == 2
    assert all(t.body["response_type"] == "ephemeral" and t.body["replace_original"] is False for t in thanks)
    assert thanks[0].body["text"] == "フィードバックありがとうございます"


async def click_down(http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, answer: SlackCall) -> str:
    """Click 👎 on ``answer``; the session id it rates."""
    down = find_action(answer, "feedback:down:")
    click = action_body(
        down["action_id"], "down", response_url=slack.response_url("fb"), message=posted_message(answer)
    )
    await post(http, click, FORM)
    await bot.drain()
    return str(down["action_id"].split(":")[2])


async def test_a_thumbs_down_asks_for_a_reason_and_stores_it_with_the_user(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    session_id = await click_down(http, bot, slack, answer)

    # The click opens the modal with the click's trigger_id; nothing is stored until it is sent.
    [opened] = slack.calls_to("views.open")
    assert opened.delivered and opened.body["trigger_id"] == "1.2.3"
    view = opened.response["view"]
    assert view["callback_id"] == "feedback_reason"
    [reason_input] = [b for b in view["blocks"] if b["type"] == "input"]
    assert reason_input["optional"] is True and reason_input["element"]["type"] == "plain_text_input"
    assert deps.store.list_feedback(session_id) == []

    reason = "上限額が古い <!channel> & 区分3"
    await post(http, view_submission_body(view, reason), FORM)
    await bot.drain()

    [feedback] = deps.store.list_feedback(session_id)
    assert feedback.rating == "down"
    assert feedback.comment == f"slack:{STAFF}: {reason}"  # stored as given; shown escaped
    [thanks] = slack.calls_to(RESPONSE_URL_CALL)
    assert thanks.path == "/response/fb"  # the clicked message's response_url, kept in the modal
    assert thanks.body["response_type"] == "ephemeral" and thanks.body["replace_original"] is False
    assert "上限額が古い &lt;!channel&gt; &amp; 区分3" in thanks.blocks_json
    assert "<!channel>" not in thanks.blocks_json


async def test_a_thumbs_down_sent_without_a_reason_is_stored_with_the_user(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    session_id = await click_down(http, bot, slack, answer)
    view = slack.calls_to("views.open")[0].response["view"]

    await post(http, view_submission_body(view, None), FORM)
    await post(http, view_submission_body(view, "二度目"), FORM)  # a second modal for the same answer
    await bot.drain()

    [feedback] = deps.store.list_feedback(session_id)  # once per person, answer and rating
    assert (feedback.rating, feedback.comment) == ("down", f"slack:{STAFF}")
    assert len(slack.calls_to(RESPONSE_URL_CALL)) == 2  # both thanked


async def test_a_thumbs_down_is_kept_when_the_modal_cannot_open(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    slack.fail("views.open", "expired_trigger_id")  # e.g. the click took over 3 seconds to reach us

    session_id = await click_down(http, bot, slack, answer)

    [feedback] = deps.store.list_feedback(session_id)
    assert (feedback.rating, feedback.comment) == ("down", f"slack:{STAFF}")
    [thanks] = slack.calls_to(RESPONSE_URL_CALL)
    assert thanks.body["text"] == "フィードバックありがとうございます"


async def test_feedback_on_an_unknown_answer_is_refused_politely(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    session_id = find_action(answer, "feedback:up:")["action_id"].split(":")[2]

    forged = f"feedback:up:{session_id}:nosuchmessage"
    await post(
        http,
        action_body(forged, "up", response_url=slack.response_url("fb"), message=posted_message(answer)),
        FORM,
    )
    await bot.drain()

    [reply] = slack.calls_to(RESPONSE_URL_CALL)
    assert "フィードバックを保存できませんでした" in reply.body["text"]


async def test_a_follow_up_button_posts_the_question_into_the_thread(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    answer = await answered(http, bot, slack, "ゼロエミの助成、うちは対象になる？")
    button = find_action(answer, "followup:")
    assert button["value"].endswith("？")

    clicked = action_body(
        button["action_id"],
        button["value"],
        response_url=slack.response_url("q"),
        message=posted_message(answer),
    )
    await post(http, clicked, FORM)
    await bot.drain()

    prompt = slack.calls_to("chat.postMessage")[-1]
    assert prompt.body["channel"] == CHANNEL
    assert prompt.body["thread_ts"] == answer.body["thread_ts"]
    assert button["value"] in prompt.blocks_json
    assert f"<@{BOT_USER_ID}>" in prompt.blocks_json  # how to answer: mention the bot in the thread

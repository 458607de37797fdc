"""Buttons on a threaded answer: 👍/👎 stored as feedback, follow-up questions posted in the thread."""

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
    action_body,
    event_body,
    find_action,
    mention,
    new_ts,
    posted_message,
    signed_headers,
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
    thanks = slack.calls_to(RESPONSE_URL_CALL)
    assert len(thanks) == 2
    assert all(t.body["response_type"] == "ephemeral" and t.body["replace_original"] is False for t in thanks)
    assert thanks[0].body["text"] == "フィードバックありがとうございます"


async def test_a_thumbs_down_is_stored(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    answer = await answered(http, bot, slack, GRANT_QUESTION)
    down = find_action(answer, "feedback:down:")
    session_id = down["action_id"].split(":")[2]

    await post(
        http,
        action_body(
            down["action_id"], "down", response_url=slack.response_url("fb"), message=posted_message(answer)
        ),
        FORM,
    )
    await bot.drain()

    assert [f.rating for f in deps.store.list_feedback(session_id)] == ["down"]


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
    answer = await answered(http, bot, slack, "東京で使える補助金は？")
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

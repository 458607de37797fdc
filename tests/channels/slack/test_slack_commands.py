"""``/hojokin``: acknowledged at once, answered privately, shared on request; status and calc."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from fakes.slack_api import BOT_USER_ID, RESPONSE_URL_CALL, FakeSlackApi, iter_texts

from bot.channels.slack.app import SlackBot
from bot.channels.slack.commands import clean_event_text, parse_command
from bot.deps import Deps
from bot.tools.parsing import format_yen
from bot.tools.schemas import run_tool

from .support import (
    CHANNEL,
    EVENTS,
    FOLLOW_UP_QUESTION,
    GRANT_QUESTION,
    STAFF,
    ZERO,
    FailingEngine,
    GatedEngine,
    action_body,
    command_body,
    event_body,
    find_action,
    mention,
    new_ts,
    signed_headers,
)

pytestmark = pytest.mark.anyio

FORM = "application/x-www-form-urlencoded"


async def run_command(http: httpx.AsyncClient, text: str, response_url: str) -> httpx.Response:
    body = command_body(text, response_url)
    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=FORM))
    assert response.status_code == 200, response.text
    return response


async def click(http: httpx.AsyncClient, body: str) -> None:
    response = await http.post(EVENTS, content=body, headers=signed_headers(body, content_type=FORM))
    assert response.status_code == 200, response.text


async def test_a_question_is_acknowledged_first_then_answered_privately_with_a_share_button(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    gate = threading.Event()
    deps.use_llm_engine(GatedEngine(deps.offline_engine, gate))

    response = await run_command(http, GRANT_QUESTION, slack.response_url("ask"))

    # Slack has its acknowledgement while the advisor is still working (held by the gate).
    assert "回答を作成しています" in response.text
    assert slack.message_calls() == []
    gate.set()
    await bot.drain()
    [reply] = slack.calls_to(RESPONSE_URL_CALL)
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body["replace_original"] is True  # the answer takes the placeholder's place
    # It starts with the question (Slack does not show a slash command's text), escaped.
    first = reply.blocks[0]
    assert first["type"] == "context"
    assert first["elements"][0]["text"] == f"質問: 「{GRANT_QUESTION}」"
    assert "800万円" in reply.blocks_json
    share = find_action(reply, "share:")
    assert share["text"]["text"].endswith("チャンネルに共有")
    assert slack.calls_to("chat.postMessage") == []  # nobody else saw anything


async def test_the_question_is_escaped_and_an_error_replaces_the_placeholder_too(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    deps.use_llm_engine(FailingEngine())

    await run_command(http, "<!channel> 経費 <https://evil.example|公式> & 区分", slack.response_url("ask"))
    await bot.drain()

    [reply] = slack.calls_to(RESPONSE_URL_CALL)
    assert reply.body["replace_original"] is True
    question = reply.blocks[0]["elements"][0]["text"]
    assert question == "質問: 「&lt;!channel&gt; 経費 &lt;https://evil.example|公式&gt; &amp; 区分」"
    assert "エラーが発生しました" in reply.blocks_json


async def test_when_slack_refuses_the_replacement_the_answer_follows_the_placeholder(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    slack.fail(RESPONSE_URL_CALL, "no_original_message")  # a 400 for the replace_original post

    await run_command(http, GRANT_QUESTION, slack.response_url("ask"))
    await bot.drain()

    refused, posted = slack.calls_to(RESPONSE_URL_CALL)
    assert refused.body["replace_original"] is True and refused.status == 400
    assert posted.delivered and posted.body["replace_original"] is False
    assert "800万円" in posted.blocks_json


async def test_status_and_calc_replace_nothing(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    await run_command(http, "status", slack.response_url("status"))
    await run_command(http, f"calc {ZERO} category=1 eligible_cost=8000万円", slack.response_url("calc"))
    await bot.drain()

    assert all(c.body["replace_original"] is False for c in slack.calls_to(RESPONSE_URL_CALL))


async def test_sharing_posts_the_same_answer_to_the_channel_and_its_thread_continues(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    await run_command(http, GRANT_QUESTION, slack.response_url("ask"))
    await bot.drain()
    [private] = slack.calls_to(RESPONSE_URL_CALL)
    share = find_action(private, "share:")

    await click(
        http,
        action_body(
            share["action_id"], share["value"], response_url=slack.response_url("share"), ephemeral=True
        ),
    )
    await bot.drain()

    [shared] = slack.calls_to("chat.postMessage")
    assert shared.body["channel"] == CHANNEL and "thread_ts" not in shared.body
    assert "800万円" in shared.blocks_json
    assert f"<@{STAFF}>" in shared.blocks_json and GRANT_QUESTION in shared.blocks_json
    assert "share:" not in shared.blocks_json and "feedback:up:" in shared.blocks_json
    notice = slack.calls_to(RESPONSE_URL_CALL)[-1]
    assert notice.body["replace_original"] is True and "共有しました" in notice.body["text"]

    # A mention in the shared answer's thread continues that conversation.
    root = shared.response["ts"]
    body = event_body(mention(FOLLOW_UP_QUESTION, ts=new_ts(), thread_ts=root))
    await http.post(EVENTS, content=body, headers=signed_headers(body, content_type="application/json"))
    await bot.drain()
    follow_up = slack.calls_to("chat.postMessage")[-1]
    assert follow_up.body["thread_ts"] == root
    assert "1,000万円" in follow_up.blocks_json


async def test_sharing_where_the_bot_is_not_a_member_goes_through_the_response_url(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    await run_command(http, GRANT_QUESTION, slack.response_url("ask"))
    await bot.drain()
    share = find_action(slack.calls_to(RESPONSE_URL_CALL)[0], "share:")
    slack.fail("chat.postMessage", "not_in_channel")

    await click(
        http,
        action_body(share["action_id"], "share", response_url=slack.response_url("share"), ephemeral=True),
    )
    await bot.drain()

    in_channel = [c for c in slack.calls_to(RESPONSE_URL_CALL) if c.body["response_type"] == "in_channel"]
    assert len(in_channel) == 1 and "800万円" in in_channel[0].blocks_json


async def test_status_lists_every_programme_with_its_current_state(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    response = await run_command(http, "status", slack.response_url("status"))
    assert response.text == ""
    await bot.drain()

    [reply] = slack.calls_to(RESPONSE_URL_CALL)
    assert reply.body["response_type"] == "ephemeral"
    shown = reply.blocks_json
    assert "受付状況（2026年1月20日 10時00分時点）" in shown
    for programme in deps.knowledge.programmes.values():
        assert programme.name.value in shown and programme.id in shown
    assert "🟢 受付中｜令和7年度 第5回は受付中です" in shown  # open on 2026-01-20


async def test_calc_runs_the_calculator_as_advisor_calc_does(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    await run_command(http, f"calc {ZERO} category=1 eligible_cost=8000万円", slack.response_url("calc"))
    await bot.drain()

    [reply] = slack.calls_to(RESPONSE_URL_CALL)
    expected = run_tool(
        "calculate_grant",
        {"programme_id": ZERO, "category": "1", "eligible_cost_yen": 80_000_000},
        deps.knowledge.programmes,
    )
    assert format_yen(expected["amount_yen"]) == "4,500万円"
    assert "4,500万円" in reply.blocks_json
    assert "計算の内訳" in reply.blocks_json
    assert any(t.startswith("<https://") for t in iter_texts(reply.blocks))


async def test_calc_errors_are_explained_in_japanese(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi
) -> None:
    await run_command(http, "calc no-such-programme category=1", slack.response_url("c1"))
    await run_command(http, f"calc {ZERO} 8000万円", slack.response_url("c2"))
    await bot.drain()

    unknown, malformed = sorted(slack.calls_to(RESPONSE_URL_CALL), key=lambda c: c.path)
    assert "計算できませんでした。制度ID「no-such-programme」は登録されていません" in unknown.body["text"]
    assert "key=value の形で指定してください" in malformed.body["text"]


@pytest.mark.parametrize("text", ["", "help", "ヘルプ", "calc"])
async def test_help_is_the_immediate_answer(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, text: str
) -> None:
    response = await run_command(http, text, slack.response_url("help"))
    await bot.drain()

    shown = json.dumps(response.json(), ensure_ascii=False)
    assert "使い方" in shown and "/hojokin calc" in shown and "/hojokin status" in shown
    assert f"<@{BOT_USER_ID}>" in shown  # the real mention, built from the id Slack gave
    assert "&lt;@" not in shown and "@アドバイザー" not in shown
    assert slack.message_calls() == []


def test_command_parsing() -> None:
    assert parse_command(None).kind == "help"
    assert parse_command("  help ").kind == "help"
    assert parse_command("status").kind == "status"
    assert parse_command(f"status {ZERO}").programme_id == ZERO
    calc = parse_command(f"calc　{ZERO}　category=1 eligible_cost=8000万円")  # full-width spaces
    assert (calc.kind, calc.programme_id, calc.assignments) == (
        "calc",
        ZERO,
        ["category=1", "eligible_cost=8000万円"],
    )
    assert parse_command("statusを教えて").kind == "ask"
    assert parse_command("status ゼロエミ の 締切は？").question == "status ゼロエミ の 締切は？"


def test_event_text_cleaning() -> None:
    assert clean_event_text("<@UBOT> 経費&amp;工事 &lt;1,200万円&gt;", "UBOT") == "経費&工事 <1,200万円>"
    assert clean_event_text("<@UBOT|advisor>\u3000質問です", "UBOT") == "質問です"
    assert clean_event_text("<https://example.jp|公式> と <https://a.jp> <#C1|general>", None) == (
        "公式 (https://example.jp) と https://a.jp #general"
    )
    assert clean_event_text("<!channel> <@UOTHER> こんにちは", "UBOT") == "@channel @UOTHER こんにちは"

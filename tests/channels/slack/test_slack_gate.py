"""Who may ask and how often: the per-user question limit and the allowlist, applied alike to
mentions, DMs and ``/hojokin``, with a private notice to the person refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fakes.slack_api import RESPONSE_URL_CALL, FakeSlackApi
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.channels.slack.app import SlackBot
from bot.channels.slack.gate import NOT_ENABLED_CHANNEL, NOT_ENABLED_USER, Question, question_of
from bot.channels.slack.render import feedback_action_id
from bot.config import load_settings
from bot.deps import Deps

from .conftest import mounted_app
from .support import (
    CHANNEL,
    DM_CHANNEL,
    EVENTS,
    STAFF,
    action_body,
    direct_message,
    event_body,
    fixed_clock,
    mention,
    new_ts,
    signed_headers,
)

pytestmark = pytest.mark.anyio

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
OTHER_USER = "UOTHER0002"
OTHER_CHANNEL = "C0ELSEWHERE"
LIMITED = "短い時間にご質問が続いたため"


class Desk:
    """The mounted app of one configuration, and ways to ask it things."""

    def __init__(self, bot: SlackBot, http: httpx.AsyncClient, slack: FakeSlackApi) -> None:
        self.bot, self.http, self.slack = bot, http, slack

    async def post(self, body: str, content_type: str) -> httpx.Response:
        headers = signed_headers(body, content_type=content_type)
        response = await self.http.post(EVENTS, content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response

    async def mention(
        self,
        *,
        user: str = STAFF,
        channel: str = CHANNEL,
        ts: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
    ) -> str:
        """An empty mention (answered with the usage, no advisor run); returns its ts."""
        ts = ts or new_ts()
        payload = {**mention("", ts=ts, thread_ts=thread_ts, user=user), "channel": channel}
        await self.post(event_body(payload, event_id), JSON)
        return ts

    async def dm(self, *, user: str = STAFF) -> str:
        ts = new_ts()
        await self.post(event_body({**direct_message("", ts=ts), "user": user}), JSON)
        return ts

    async def command(self, text: str = "help", *, channel: str = CHANNEL, user: str = STAFF) -> str:
        """``/hojokin <text>``: the acknowledgement's text (what the caller sees at once)."""
        fields = {
            "team_id": "TFAKETEAM",
            "channel_id": channel,
            "user_id": user,
            "command": "/hojokin",
            "text": text,
            "response_url": self.slack.response_url("cmd"),
            "trigger_id": "1.2.3",
        }
        response = await self.post(urlencode(fields), FORM)
        return json.dumps(response.json(), ensure_ascii=False) if response.content else ""

    def answers(self) -> list[str]:
        """The thread_ts of each answer posted (the usage, for the empty mentions and DMs), in the
        order the questions were asked (answers are written concurrently, in any order)."""
        return sorted(str(c.body.get("thread_ts")) for c in self.slack.delivered_to("chat.postMessage"))

    def notices(self) -> list[dict[str, Any]]:
        return [c.body for c in self.slack.delivered_to("chat.postEphemeral")]


@pytest.fixture
def desk_for(make_deps: Callable[..., Deps], slack: FakeSlackApi) -> Callable[..., Any]:
    """``async with desk_for(**settings) as desk``: the real app with these settings."""

    @asynccontextmanager
    async def factory(**settings: Any) -> AsyncIterator[Desk]:
        deps = make_deps(**settings)
        bot = SlackBot(deps, clock=fixed_clock)
        transport = httpx.ASGITransport(app=mounted_app(deps, bot))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Desk(bot, http, slack)
            await bot.drain()

    return factory


# --- the limit ----------------------------------------------------------------------------------


async def test_over_the_limit_a_user_is_told_privately_and_others_are_still_answered(
    desk_for: Callable[..., Any],
) -> None:
    async with desk_for(slack_questions_per_minute=2) as desk:
        first, second, _third = [await desk.mention() for _ in range(3)]
        other = await desk.mention(user=OTHER_USER)
        await desk.bot.drain()

        assert desk.answers() == [first, second, other]
        [notice] = desk.notices()
        assert (notice["channel"], notice["user"]) == (CHANNEL, "USTAFF0001")
        assert LIMITED in notice["text"] and "1分あたり2件まで" in notice["text"]
        assert "秒後にもう一度お試しください" in notice["text"]
        assert notice.get("thread_ts") is None  # a top-level mention: the notice beside it


async def test_mentions_dms_and_the_command_share_one_count(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=2) as desk:
        mentioned = await desk.mention()
        await desk.dm()
        acknowledgement = await desk.command("status")
        refused_dm = await desk.dm()
        await desk.bot.drain()

        assert LIMITED in acknowledgement and '"response_type": "ephemeral"' in acknowledgement
        assert desk.slack.calls_to(RESPONSE_URL_CALL) == []  # the status was never computed
        assert len(desk.answers()) == 2 and desk.answers()[0] == mentioned
        [notice] = desk.notices()
        assert notice["channel"] == DM_CHANNEL and LIMITED in notice["text"]
        assert refused_dm not in desk.answers()


async def test_a_notice_in_a_thread_stays_in_the_thread(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=1) as desk:
        root = await desk.mention()
        await desk.mention(thread_ts=root)
        await desk.bot.drain()

        [notice] = desk.notices()
        assert notice["thread_ts"] == root


async def test_one_message_delivered_twice_counts_once(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=1) as desk:
        ts = await desk.mention(event_id="Ev0FIRST01")
        await desk.mention(ts=ts, event_id="Ev0SECOND1")  # the same message, another event
        await desk.bot.drain()

        assert desk.answers() == [ts] and desk.notices() == []


async def test_a_refused_message_delivered_twice_is_told_once(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=1) as desk:
        await desk.mention()
        refused = await desk.mention(event_id="Ev0THIRD01")
        await desk.mention(ts=refused, event_id="Ev0FOURTH1")
        await desk.bot.drain()

        assert len(desk.answers()) == 1 and len(desk.notices()) == 1


async def test_buttons_are_not_questions(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=1, slack_allowed_channels=CHANNEL) as desk:
        await desk.mention()
        await desk.mention()  # over the limit
        button = feedback_action_id("up", "no-session", "no-message")
        click = action_body(button, "up", response_url=desk.slack.response_url("fb"))
        await desk.post(click, FORM)
        await desk.bot.drain()

        [thanks] = desk.slack.calls_to(RESPONSE_URL_CALL)
        assert "フィードバック" in thanks.blocks_json


async def test_zero_means_no_limit(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_questions_per_minute=0) as desk:
        for _ in range(12):
            await desk.mention()
        await desk.bot.drain()

        assert len(desk.answers()) == 12 and desk.notices() == []


# --- the allowlist ------------------------------------------------------------------------------


async def test_outside_the_allowed_channels_the_bot_says_it_is_not_enabled(
    desk_for: Callable[..., Any],
) -> None:
    async with desk_for(slack_allowed_channels=f"{OTHER_CHANNEL}, {CHANNEL}") as desk:
        allowed = await desk.mention()
        await desk.mention(channel="C0NOTLISTED")
        dm = await desk.dm()
        acknowledgement = await desk.command(channel="C0NOTLISTED")
        await desk.bot.drain()

        assert desk.answers() == [allowed]
        channel_notice, dm_notice = sorted(desk.notices(), key=lambda n: str(n["channel"]))  # C… < D…
        assert channel_notice["channel"] == "C0NOTLISTED" and channel_notice["text"] == NOT_ENABLED_CHANNEL
        assert dm_notice["channel"] == DM_CHANNEL and dm_notice["text"] == NOT_ENABLED_USER
        assert dm not in desk.answers()
        assert NOT_ENABLED_CHANNEL in acknowledgement
        assert desk.slack.calls_to("usergroups.users.list") == []


async def test_members_of_an_allowed_user_group_may_ask_anywhere(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_allowed_usergroups="S0ADVISORS") as desk:
        desk.slack.usergroups = {"S0ADVISORS": [STAFF]}
        member_dm = await desk.dm()
        member_mention = await desk.mention(channel="C0ANYWHERE")
        await desk.dm(user=OTHER_USER)
        acknowledgement = await desk.command(user=OTHER_USER)
        await desk.bot.drain()

        assert desk.answers() == [member_dm, member_mention]
        [notice] = desk.notices()
        assert notice["user"] == OTHER_USER and notice["text"] == NOT_ENABLED_USER
        assert NOT_ENABLED_CHANNEL in acknowledgement
        [lookup] = desk.slack.calls_to("usergroups.users.list")  # remembered after the first
        assert lookup.body["usergroup"] == "S0ADVISORS"


async def test_when_the_user_group_cannot_be_read_nobody_counts_as_a_member(
    desk_for: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    async with desk_for(slack_allowed_usergroups="S0ADVISORS") as desk:
        desk.slack.usergroups = {"S0ADVISORS": [STAFF]}
        desk.slack.fail("usergroups.users.list", "missing_scope")
        await desk.dm()
        await desk.bot.drain()

        assert desk.answers() == []
        assert [n["text"] for n in desk.notices()] == [NOT_ENABLED_USER]
        assert any("usergroups:read" in r.getMessage() for r in caplog.records)


async def test_refused_questions_do_not_use_up_the_limit(desk_for: Callable[..., Any]) -> None:
    async with desk_for(slack_allowed_channels=CHANNEL, slack_questions_per_minute=1) as desk:
        await desk.mention(channel="C0NOTLISTED")
        allowed = await desk.mention()
        await desk.bot.drain()

        assert desk.answers() == [allowed]
        assert [n["text"] for n in desk.notices()] == [NOT_ENABLED_CHANNEL]


# --- what counts as a question ------------------------------------------------------------------


def test_what_is_a_question() -> None:
    def body(event: dict[str, Any]) -> dict[str, Any]:
        return json.loads(event_body(event))  # type: ignore[no-any-return]

    ts = new_ts()
    assert question_of(body(mention("質問", ts=ts)), "UBOT") == Question(
        "TFAKETEAM", STAFF, CHANNEL, command=False, key=f"{CHANNEL}:{ts}"
    )
    assert question_of(body(direct_message("質問", ts=ts)), "UBOT") is not None
    not_questions = [
        direct_message("x", ts=ts, subtype="message_changed"),
        direct_message("x", ts=ts, bot_id="B1"),
        {**direct_message("x", ts=ts), "user": "UBOT"},
        {**direct_message("x", ts=ts), "channel_type": "channel"},  # no mention: not for the bot
    ]
    assert [question_of(body(event), "UBOT") for event in not_questions] == [None] * 4
    command = {"team_id": "T1", "user_id": "U1", "channel_id": "C1", "command": "/hojokin", "text": ""}
    assert question_of(command, "UBOT") == Question("T1", "U1", "C1", command=True)
    assert question_of({"type": "block_actions", "user": {"id": "U1"}}, "UBOT") is None


def test_the_settings_read_comma_separated_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_SLACK_ALLOWED_CHANNELS", " C0AAAAAAA, G0BBBBBBB ,,")
    monkeypatch.setenv("ADVISOR_SLACK_ALLOWED_USERGROUPS", "S0CCCCCCC")
    monkeypatch.setenv("ADVISOR_SLACK_QUESTIONS_PER_MINUTE", "5")
    monkeypatch.setenv("ADVISOR_SLACK_MAX_RETRIES", "3")

    settings = load_settings()

    assert settings.slack_allowed_channels == ["C0AAAAAAA", "G0BBBBBBB"]
    assert settings.slack_allowed_usergroups == ["S0CCCCCCC"]
    assert (settings.slack_questions_per_minute, settings.slack_max_retries) == (5, 3)
    monkeypatch.delenv("ADVISOR_SLACK_ALLOWED_CHANNELS")
    assert load_settings().slack_allowed_channels == []


async def test_over_socket_mode_the_command_notice_is_the_acknowledgement(
    make_deps: Callable[..., Deps], slack: FakeSlackApi
) -> None:
    deps = make_deps(slack_signing_secret=None, slack_app_token="xapp-test", slack_allowed_channels=CHANNEL)
    bot = SlackBot(deps, socket_mode=True, clock=fixed_clock)
    payload = {
        "team_id": "TFAKETEAM",
        "channel_id": "C0NOTLISTED",
        "user_id": STAFF,
        "command": "/hojokin",
        "text": "status",
        "response_url": slack.response_url("socket"),
    }

    response = await run_async_bolt_app(bot.app, SocketModeRequest("slash_commands", "env-1", payload))
    await bot.drain()

    assert response.status == 200
    assert json.loads(response.body)["text"] == NOT_ENABLED_CHANNEL
    assert slack.message_calls() == []

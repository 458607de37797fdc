"""A website visitor's hostile text reaches the staff channel inert, and without the visitor's
conversation id (the credential for ``/api/chat`` and its message history)."""

from __future__ import annotations

import re

import httpx
import pytest
from fakes.slack_api import FakeSlackApi

from bot.channels.handoff.summary import case_reference

from .conftest import HANDOFF_CHANNEL
from .support import chat, summary_call

pytestmark = pytest.mark.anyio

HOSTILE = "<!channel> <!here> <@U0STAFF> <https://evil.example/login|公式サイト> ゼロエミの上限は？"
LIVE = re.compile(r"<[!@#]|<https?://evil|<mailto:")


async def test_hostile_text_is_inert_in_every_staff_message_and_the_id_stays_out(
    http: httpx.AsyncClient, slack: FakeSlackApi
) -> None:
    sid = (await chat(http, HOSTILE))["session_id"]
    started = await http.post("/api/handoff", json={"session_id": sid})
    assert started.status_code == 201, started.text
    await chat(http, f"追伸 {HOSTILE}", sid)  # relayed into the thread during the hand-off

    summary = summary_call(slack)
    staff_posts = [c for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == HANDOFF_CHANNEL]
    assert len(staff_posts) == 2
    for call in staff_posts:
        for shown in (str(call.body.get("text", "")), call.blocks_json):
            assert not LIVE.search(shown), shown
            assert "&lt;!channel&gt;" in shown
            assert sid not in shown
    assert case_reference(sid) in summary.blocks_json

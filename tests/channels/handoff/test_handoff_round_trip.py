"""The whole hand-off against the real app: widget API → Slack thread → staff reply → widget →
the advisor quiet while staff talk → 「対応を終了」 → the advisor answers again."""

from __future__ import annotations

import httpx
import pytest
from fakes.slack_api import FakeSlackApi, iter_texts

from bot.channels.handoff.service import ENDED_NOTE
from bot.channels.handoff.summary import case_reference
from bot.channels.slack.app import SlackBot
from bot.deps import Deps
from channels.slack.support import STAFF

from .conftest import HANDOFF_CHANNEL
from .support import (
    ACK,
    GRANT_QUESTION,
    SAF_QUESTION,
    chat,
    click_end,
    reply_in_thread,
    stream,
    summary_call,
)

pytestmark = pytest.mark.anyio

ZERO_NAME = "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"
SAF_NAME = "企業のScope3対応に向けた航空貨物輸送でのSAF活用促進事業"
STAFF_REPLY = "担当の山田です。<https://www.tokyo-co2down.jp/|公式ページ>もご覧ください &amp; お電話ください"
STAFF_REPLY_SHOWN = "担当の山田です。[公式ページ](https://www.tokyo-co2down.jp/)もご覧ください & お電話ください"  # noqa: E501


async def test_a_complete_hand_off(
    http: httpx.AsyncClient, bot: SlackBot, slack: FakeSlackApi, deps: Deps
) -> None:
    store = deps.store
    # 1. A website conversation with the advisor: an amount, then a question it needs a fact for.
    first = await chat(http, GRANT_QUESTION)
    sid = first["session_id"]
    assert "800万円" in first["answer"]
    second = await chat(http, SAF_QUESTION, sid)
    [missing] = second["follow_up"][:1]

    # 2. 「担当者に相談する」: the summary becomes a new thread in the hand-off channel.
    started = await http.post("/api/handoff", json={"session_id": sid})
    assert started.status_code == 201, started.text
    last_id = store.list_messages(sid)[-1].message_id
    assert started.json() == {"state": "active", "session_id": sid, "message_id": last_id}
    summary = summary_call(slack)
    assert summary.body["channel"] == HANDOFF_CHANNEL and "thread_ts" not in summary.body
    texts = "\n".join(iter_texts(summary.blocks))
    case = case_reference(sid)
    for expected in (GRANT_QUESTION, SAF_QUESTION, "800万円", ZERO_NAME, SAF_NAME, missing, "対象経費", case):
        assert expected in texts, expected
    # The conversation id is the customer's credential: it never reaches the staff channel.
    assert sid not in summary.blocks_json and sid not in summary.body["text"]
    assert "試算した助成額" in texts and "まだ確認できていないこと" in texts
    thread_ts = summary.response["ts"]
    session = store.get_session(sid)
    assert session is not None
    assert (session.handoff_state, session.staff_ref) == ("active", f"{HANDOFF_CHANNEL}:{thread_ts}")

    # 3. A staff member replies in the thread: the widget's poll shows it as role staff.
    await reply_in_thread(http, STAFF_REPLY, thread_ts)
    await bot.drain()
    polled = await http.get(f"/api/chat/{sid}/messages", params={"after": last_id})
    assert polled.status_code == 200
    assert polled.json()["handoff_state"] == "active"
    [staff] = polled.json()["messages"]
    assert staff["role"] == "staff"
    assert staff["content"] == STAFF_REPLY_SHOWN
    assert set(staff) == {"message_id", "role", "content", "created_at"}

    # 4. The user writes during the hand-off: forwarded into the thread, not answered.
    answers_before = [m for m in store.list_messages(sid) if m.role == "assistant"]
    ack = await chat(http, "来週お電話してもいいですか？", sid)
    assert (ack["answer"], ack["mode"], ack["session_id"]) == (ACK, "handoff", sid)
    forwarded = slack.calls_to("chat.postMessage")[-1]
    assert (forwarded.body["channel"], forwarded.body["thread_ts"]) == (HANDOFF_CHANNEL, thread_ts)
    assert "来週お電話してもいいですか？" in forwarded.blocks_json
    events = await stream(http, "午後なら何時でも大丈夫です", sid)
    assert [name for name, _ in events] == ["delta", "final"]
    assert events[0][1] == {"text": ACK} and events[1][1]["mode"] == "handoff"
    assert slack.calls_to("chat.postMessage")[-1].body["thread_ts"] == thread_ts
    messages = store.list_messages(sid)
    assert [m.role for m in messages[-2:]] == ["user", "user"]
    assert messages[-1].message_id == events[1][1]["message_id"]
    assert [m for m in messages if m.role == "assistant"] == answers_before  # the advisor kept quiet
    polled = await http.get(f"/api/chat/{sid}/messages", params={"after": staff["message_id"]})
    assert [m["role"] for m in polled.json()["messages"]] == ["user", "user"]

    # 5. 「対応を終了」 in the thread: the hand-off ends; the summary loses its button.
    await click_end(http, slack, summary)
    await bot.drain()
    ended = store.get_session(sid)
    assert ended is not None and ended.handoff_state == "ended"
    [update] = slack.calls_to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (HANDOFF_CHANNEL, thread_ts)
    assert not [b for b in update.blocks if b["type"] == "actions"]
    assert f"<@{STAFF}> が対応を終了しました" in update.blocks_json
    notice = slack.calls_to("chat.postMessage")[-1]
    assert notice.body["thread_ts"] == thread_ts and "対応を終了しました" in notice.blocks_json
    polled = await http.get(f"/api/chat/{sid}/messages", params={"after": messages[-1].message_id})
    assert polled.json()["handoff_state"] == "ended"
    assert [(m["role"], m["content"]) for m in polled.json()["messages"]] == [("system", ENDED_NOTE)]

    # 6. The advisor answers again; nothing more goes to Slack.
    posts = len(slack.calls_to("chat.postMessage"))
    again = await chat(http, GRANT_QUESTION, sid)
    assert again["mode"] == "offline" and "800万円" in again["answer"]
    assert len(slack.calls_to("chat.postMessage")) == posts

    # 7. A late staff reply is not delivered, and the thread says so.
    await reply_in_thread(http, "ほかにご質問はありますか？", thread_ts)
    await bot.drain()
    assert not [m for m in store.list_messages(sid) if m.content == "ほかにご質問はありますか？"]
    late = slack.calls_to("chat.postMessage")[-1]
    assert late.body["thread_ts"] == thread_ts and "お客様に届いていません" in late.blocks_json

    # 8. Asking for a person again opens a new thread with the whole conversation.
    restarted = await http.post("/api/handoff", json={"session_id": sid})
    assert restarted.status_code == 201
    new_summary = summary_call(slack)
    assert new_summary.response["ts"] != thread_ts
    assert "担当の山田です" not in new_summary.blocks_json  # staff messages are not questions
    assert store.find_session_by_staff_ref(f"{HANDOFF_CHANNEL}:{new_summary.response['ts']}") is not None

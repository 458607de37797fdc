"""The widget's hand-off to a person, in Chromium against the real app.

With Slack configured (the real bolt app mounted in the real web app, Slack's Web API played by
``tests/fakes/slack_api.py``): the advisor offers 「担当者に相談する」 when asked for a person, the
click hands the conversation to the staff thread, a staff reply — a signed Slack event posted by
the test — appears marked 担当者, the user's next message goes to the thread, and 「対応を終了」
(a signed button click) gives the conversation back to the advisor. Without Slack (the session
server of ``conftest.py``): the widget shows the programmes' contact desks instead.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fakes.slack_api import FakeSlackApi, SlackCall
from playwright.sync_api import Page, expect

from bot.channels.handoff.render import END_ACTION
from bot.channels.slack import include_slack
from bot.channels.slack.app import SlackBot
from bot.channels.web import create_app
from bot.config import load_settings
from bot.deps import Deps, build_deps
from channels.slack.support import (
    SECRET,
    STAFF,
    action_body,
    event_body,
    find_action,
    new_ts,
    posted_message,
    signed_headers,
)

from .support import GRANT_QUESTION, ask, open_widget, panel, user_messages, wait_answers

HANDOFF_CHANNEL = "C0HANDOFF"
STAFF_REPLY = "担当の山田です。<https://www.tokyo-co2down.jp/|公式ページ>もご覧ください。"
REPLY_TIMEOUT_MS = 15_000  # the widget polls every 3 s


@dataclass
class SlackServer:
    url: str
    slack: FakeSlackApi

    def deliver(self, body: str, content_type: str) -> None:
        """Post a request to /slack/events as Slack does (signed)."""
        headers = signed_headers(body, content_type=content_type)
        response = httpx.post(f"{self.url}/slack/events", content=body.encode(), headers=headers, timeout=30)
        assert response.status_code == 200, response.text

    def summary(self) -> SlackCall:
        posts = [c for c in self.slack.calls_to("chat.postMessage") if not c.body.get("thread_ts")]
        assert posts, "no hand-off summary was posted"
        return posts[-1]


def serve(deps: Deps, bot: SlackBot) -> Iterator[str]:
    app = create_app(deps)
    assert include_slack(app, deps, bot=bot)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web app with Slack did not start under uvicorn", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="module")
def slack_server(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackServer]:
    """The real app with Slack and a hand-off channel configured, under uvicorn."""
    data_dir = tmp_path_factory.mktemp("widget-handoff") / "data"
    shutil.copytree(corpus_data_dir / "index", data_dir / "index")
    with FakeSlackApi() as slack:
        deps = build_deps(
            load_settings(
                data_dir=data_dir,
                llm=None,
                rate_limit_per_ip=0,
                rate_limit_per_session=0,
                slack_bot_token="xoxb-test-token",
                slack_signing_secret=SECRET,
                slack_app_token=None,
                slack_api_base_url=slack.base_url,
                slack_handoff_channel=HANDOFF_CHANNEL,
            )
        )
        try:
            for url in serve(deps, SlackBot(deps)):
                yield SlackServer(url, slack)
        finally:
            deps.close()


def test_hand_off_to_a_person_and_back(page: Page, slack_server: SlackServer, artifacts: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(slack_server.url + "/")
    page.wait_for_function("() => !!window.GrantAdvisorWidget")
    open_widget(page)
    dialog = panel(page)

    # The advisor answers; asked for a person, it offers one.
    ask(page, GRANT_QUESTION)
    expect(wait_answers(page, 1)).to_contain_text("800万円")
    expect(dialog.locator(".offer")).to_have_count(0)
    ask(page, "人と話したい")
    answer = wait_answers(page, 2)
    offer = answer.locator(".offer")
    expect(offer).to_contain_text("担当者に直接ご相談いただくこともできます。")

    # 「担当者に相談する」: the conversation goes to the staff thread.
    offer.get_by_role("button", name="担当者に相談する").click()
    expect(dialog.locator(".sys").last).to_have_text(
        "担当者に引き継ぎました。これまでの会話の内容をお伝えしています。返信をお待ちください。"
    )
    expect(dialog.locator(".hobar")).to_be_visible()
    expect(dialog.locator(".hobar")).to_contain_text("担当者が対応します")
    expect(dialog.locator(".foot").get_by_role("button", name="担当者に相談する")).to_be_hidden()
    expect(dialog.locator(".offer")).to_have_count(0)
    summary = slack_server.summary()
    assert summary.body["channel"] == HANDOFF_CHANNEL
    assert GRANT_QUESTION in summary.blocks_json and "800万円" in summary.blocks_json
    thread_ts = summary.response["ts"]

    # A staff reply in the thread (a signed Slack event) appears, marked 担当者.
    reply_ts = new_ts()
    event = {
        "type": "message",
        "channel": HANDOFF_CHANNEL,
        "channel_type": "channel",
        "user": STAFF,
        "text": STAFF_REPLY,
        "ts": reply_ts,
        "thread_ts": thread_ts,
        "event_ts": reply_ts,
    }
    slack_server.deliver(event_body(event), "application/json")
    staff = dialog.locator(".msg.staff")
    expect(staff).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(staff.locator(".who")).to_have_text("担当者")
    expect(staff.locator(".md")).to_contain_text("担当の山田です。公式ページ")
    link = staff.get_by_role("link", name=re.compile("^公式ページ"))
    expect(link).to_have_attribute("href", "https://www.tokyo-co2down.jp/")
    expect(link).to_have_attribute("target", "_blank")

    # The user's next message goes to the thread; the advisor does not answer it.
    ask(page, "来週お電話してもいいですか？")
    expect(dialog.locator(".sys").last).to_have_text("担当者にお伝えしました。返信をお待ちください。")
    expect(user_messages(page).last).to_contain_text("来週お電話してもいいですか？")
    forwarded = slack_server.slack.wait_for("chat.postMessage", 2)[-1]
    assert forwarded.body["thread_ts"] == thread_ts
    assert "来週お電話してもいいですか？" in forwarded.blocks_json
    expect(page.locator(".msg.bot:has(.actions)")).to_have_count(2)
    page.screenshot(path=str(artifacts / "handoff-active.png"))

    # A reload keeps the hand-off (and the staff reply).
    page.reload()
    page.wait_for_function("() => !!window.GrantAdvisorWidget")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".msg.staff")).to_have_count(1)
    expect(dialog.locator(".hobar")).to_be_visible()

    # 「対応を終了」 in Slack (a signed button click): the advisor is back.
    button = find_action(summary, END_ACTION)
    click = action_body(
        button["action_id"],
        button["value"],
        response_url=slack_server.slack.response_url("end"),
        channel=HANDOFF_CHANNEL,
        message=posted_message(summary),
    )
    slack_server.deliver(click, "application/x-www-form-urlencoded")
    expect(dialog.locator(".sys").last).to_have_text(
        "担当者との会話が終了しました。引き続きアドバイザーがお答えします。", timeout=REPLY_TIMEOUT_MS
    )
    expect(dialog.locator(".hobar")).to_be_hidden()
    expect(dialog.locator(".foot").get_by_role("button", name="担当者に相談する")).to_be_visible()
    ask(page, GRANT_QUESTION)
    expect(wait_answers(page, 3)).to_contain_text("800万円")
    page.screenshot(path=str(artifacts / "handoff-ended.png"))
    assert not errors, errors


def test_without_slack_the_contact_desks_are_shown(demo: Page) -> None:
    page = demo
    open_widget(page)
    ask(page, GRANT_QUESTION)
    wait_answers(page, 1)

    page.locator(".foot").get_by_role("button", name="担当者に相談する").click()

    box = panel(page).locator(".cbox")
    expect(box).to_contain_text("現在、担当者におつなぎできません")
    expect(box).to_contain_text("お問い合わせ窓口")
    expect(box).to_contain_text("クール・ネット東京 事業支援チーム")
    expect(box).to_contain_text("電話 03-5990-5089（受付時間 平日9:00~12:00 13:00~17:00）")
    expect(box.get_by_role("link", name="cnt-kanki@tokyokankyo.jp")).to_have_attribute(
        "href", "mailto:cnt-kanki@tokyokankyo.jp"
    )
    expect(panel(page).locator(".hobar")).to_be_hidden()
    # The advisor keeps answering.
    ask(page, "SAFの助成率は？")
    wait_answers(page, 2)
    expect(box).to_have_count(0)

"""Failures: server errors, 429 with Retry-After, the network down, an SSE error event, a cut
stream and the real server's 422 — a Japanese message, a 再試行 button, and the text kept."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, Route, expect

from .support import ask, open_widget, sse, textbox, user_messages, wait_answers

STREAM = "**/api/chat/stream"
QUESTION = "SAFの助成率は？"


def test_server_error_keeps_the_text_and_retry_sends_it_again(demo: Page, artifacts: Path) -> None:
    page = demo
    open_widget(page)
    page.route(
        STREAM,
        lambda route: route.fulfill(
            status=500, json={"code": "internal_error", "detail": "内部エラー", "detail_en": "Internal error"}
        ),
    )
    ask(page, QUESTION)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "サーバーでエラーが発生しました。しばらくしてから、もう一度お試しください。"
    )
    expect(alert).to_contain_text("入力した内容は入力欄に戻しました。")
    expect(textbox(page)).to_have_value(QUESTION)
    expect(user_messages(page).first).to_contain_text("送信できませんでした")
    page.screenshot(path=str(artifacts / "error-500.png"), animations="disabled")

    page.unroute(STREAM)
    alert.get_by_role("button", name="再試行").click()
    answer = wait_answers(page, 1)
    expect(answer).to_contain_text("SAF")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(user_messages(page)).to_have_count(1)  # the failed attempt is replaced, not duplicated
    expect(textbox(page)).to_have_value("")
    expect(textbox(page)).to_be_focused()


def test_rate_limited_shows_the_wait_and_counts_down(demo: Page) -> None:
    page = demo
    open_widget(page)
    page.route(
        STREAM,
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "2"},
            json={"code": "rate_limited", "detail": "混み合っています", "detail_en": "Too many requests"},
        ),
    )
    ask(page, QUESTION)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("混み合っています。2秒後にもう一度お試しください。")
    retry = alert.get_by_role("button", name=re.compile("再試行"))
    expect(retry).to_be_disabled()
    expect(retry).to_contain_text("秒")
    expect(retry).to_be_enabled(timeout=5000)
    expect(retry).to_have_text("再試行")
    expect(textbox(page)).to_have_value(QUESTION)


def test_network_down_is_reported_in_japanese(demo: Page) -> None:
    page = demo
    open_widget(page)
    page.route(STREAM, lambda route: route.abort("connectionrefused"))
    ask(page, QUESTION)
    expect(page.get_by_role("alert")).to_contain_text("サーバーに接続できませんでした。")
    expect(page.get_by_role("alert").get_by_role("button", name="再試行")).to_be_enabled()
    expect(textbox(page)).to_have_value(QUESTION)

    # Typing something else and sending replaces the failed attempt (nothing is sent twice).
    page.unroute(STREAM)
    ask(page, "カーボンクレジット活用促進事業の対象は？")
    wait_answers(page, 1)
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first).to_contain_text("カーボンクレジット")


def test_error_event_in_the_stream_shows_its_japanese_message(demo: Page) -> None:
    page = demo
    open_widget(page)
    body = sse(
        ("progress", {"label": "検索中…", "tool": "search_documents"}),
        (
            "error",
            {
                "code": "index_missing",
                "message_ja": "検索インデックスがありません。",
                "message_en": "The search index is missing.",
            },
        ),
    )
    page.route(STREAM, lambda route: route.fulfill(status=200, body=body, content_type="text/event-stream"))
    ask(page, QUESTION)
    expect(page.get_by_role("alert")).to_contain_text("検索インデックスがありません。")
    expect(textbox(page)).to_have_value(QUESTION)


def test_a_stream_cut_before_the_final_answer_is_an_error(demo: Page) -> None:
    page = demo
    open_widget(page)
    body = sse(
        ("progress", {"label": "検索中…", "tool": "search_documents"}), ("delta", {"text": "途中まで"})
    )

    def cut(route: Route) -> None:
        route.fulfill(status=200, body=body, content_type="text/event-stream")

    page.route(STREAM, cut)
    ask(page, QUESTION)
    expect(page.get_by_role("alert")).to_contain_text("回答の受信が途中で途切れました。")
    expect(page.locator(".msg.bot")).to_have_count(0)  # no half answer left behind
    expect(textbox(page)).to_have_value(QUESTION)


def test_the_real_servers_validation_error_is_shown_and_the_text_kept(demo: Page) -> None:
    page = demo
    open_widget(page)
    too_long = "省エネ" * 7000  # over the server's max_message_chars (20,000)
    box = textbox(page)
    box.fill(too_long)
    with page.expect_response(STREAM) as response:
        box.press("Enter")
    assert response.value.status == 422
    detail = response.value.json()["detail"]
    expect(page.get_by_role("alert")).to_contain_text(detail)
    assert box.input_value() == too_long

"""The widget against the real app: streamed answers, citations, the steps table, feedback, copy,
follow-up quick replies, starter questions, reload persistence and a new conversation."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .conftest import README_SCREENSHOT
from .support import (
    ELIGIBILITY_QUESTION,
    GRANT_QUESTION,
    SHADOW,
    active_element,
    ask,
    body_of,
    chat_requests,
    open_widget,
    panel,
    textbox,
    user_messages,
    wait_answers,
)

WATCH_STREAM = f"""() => {{
    const root = {SHADOW};
    window.__seen = {{labels: []}};
    new MutationObserver(() => {{
        const status = root.querySelector('.msg.bot .status');
        if (status && !status.hidden) {{
            const text = status.textContent.trim();
            if (text && !window.__seen.labels.includes(text)) window.__seen.labels.push(text);
        }}
    }}).observe(root, {{subtree: true, childList: true, characterData: true, attributes: true}});
}}"""


def test_streamed_answer_with_amount_citation_and_steps_table(
    demo: Page, context: BrowserContext, artifacts: Path
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = demo
    open_widget(page)
    expect(page.get_by_text("よくあるご質問")).to_be_visible()
    page.evaluate(WATCH_STREAM)
    ask(page, GRANT_QUESTION)

    answer = wait_answers(page, 1)
    expect(answer).to_contain_text("800万円")
    # Progress labels from the server's tool events were shown while waiting.
    labels = page.evaluate("() => window.__seen.labels")
    assert {"計算中…", "検索中…", "要件を確認中…", "受付状況を確認中…"} & set(labels), labels

    # Citations: numbered document links (http/https, new tab) with their sections.
    sources = answer.locator(".sources")
    expect(sources.get_by_role("heading", name="出典")).to_be_visible()
    first = sources.locator("a").first
    expect(first).to_contain_text("ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業")
    expect(first).to_have_attribute("href", re.compile(r"^https://"))
    expect(first).to_have_attribute("target", "_blank")
    expect(first).to_have_attribute("rel", re.compile("noopener"))
    expect(sources).to_contain_text("[1]")
    expect(sources).to_contain_text("事業概要 > 助成額等")
    # The answer's own plain-text 「出典」 list is replaced by the linked one (not shown twice).
    expect(answer.locator(".md")).not_to_contain_text("出典")

    # The calculate_grant steps as a table, with the amount in its footer.
    table = answer.locator("table.calc")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("対象経費 12,000,000円 × 助成率 2/3 = 8,000,000円")
    expect(table.locator("tfoot")).to_contain_text("8,000,000円（800万円）")
    expect(table.locator("tfoot")).to_contain_text("助成率 2/3")
    expect(answer).to_contain_text("時点の情報です。")

    # README screenshot: the answered question on the demo page, desktop.
    page.locator(".log").evaluate("log => { log.scrollTop = 0; }")
    if os.environ.get("UPDATE_README_SCREENSHOT"):  # refreshed on demand, not on every run
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SCREENSHOT), animations="disabled")
    page.screenshot(path=str(artifacts / "desktop-answer.png"), animations="disabled")

    # Copy: the answer as plain text with the source URLs.
    answer.get_by_role("button", name="回答をコピー").click()
    expect(answer.get_by_role("button", name="回答をコピー")).to_contain_text("コピーしました")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "800万円" in copied and "https://" in copied and "**" not in copied

    # 👍 → POST /api/feedback → 201 → thanks.
    with page.expect_response("**/api/feedback") as feedback:
        answer.get_by_role("button", name="役に立った", exact=True).click()
    assert feedback.value.status == 201
    expect(answer.get_by_text("ありがとうございました")).to_be_visible()
    expect(answer.get_by_role("button", name="役に立った", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(answer.get_by_role("button", name="役に立たなかった")).to_be_disabled()
    assert active_element(page)["inPanel"]  # focus stays in the dialog after the buttons disable


def test_thumbs_down_sends_the_optional_comment(demo: Page) -> None:
    page = demo
    open_widget(page)
    ask(page, "SAFの助成率は？")
    answer = wait_answers(page, 1)
    answer.get_by_role("button", name="役に立たなかった").click()
    comment = answer.get_by_role("textbox", name=re.compile("足りなかった点"))
    expect(comment).to_be_focused()
    comment.fill("大企業の場合の例も知りたい")
    with page.expect_response("**/api/feedback") as feedback:
        answer.get_by_role("button", name="送信する").click()
    assert feedback.value.status == 201
    sent = body_of(feedback.value.request)
    assert sent["rating"] == "down" and sent["comment"] == "大企業の場合の例も知りたい"
    assert sent["session_id"] and sent["message_id"]
    expect(answer.get_by_text("ありがとうございました")).to_be_visible()


def test_follow_up_question_gets_quick_replies_that_do_not_send_questions(demo: Page) -> None:
    page = demo
    open_widget(page)
    requests = chat_requests(page)
    ask(page, ELIGIBILITY_QUESTION)
    answer = wait_answers(page, 1)
    follow = page.get_by_role("group", name="確認させてください")
    expect(follow).to_contain_text("中小企業基本法上の中小企業者")

    # The question chip does not send anything: it shows the question above the input.
    follow.get_by_role("button", name="入力して回答する").click()
    expect(textbox(page)).to_be_focused()
    expect(textbox(page)).to_have_attribute("placeholder", "ここに回答を入力してください")
    expect(page.locator(".ctx")).to_contain_text("中小企業基本法上の中小企業者")
    assert len(requests) == 1
    page.get_by_role("button", name="質問への回答をやめる").click()
    expect(page.locator(".ctx")).to_be_hidden()

    # A yes/no question has はい/いいえ, which answer it (the user's reply, sent in the session).
    follow.get_by_role("button", name="はい", exact=True).click()
    wait_answers(page, 2)
    assert len(requests) == 2
    assert body_of(requests[1]) == {"message": "はい", "session_id": body_of(requests[1])["session_id"]}
    assert body_of(requests[1])["session_id"]
    expect(user_messages(page).nth(1)).to_contain_text("はい")
    expect(answer).to_be_visible()


def test_starter_question_reload_keeps_the_conversation_and_new_conversation_clears_it(
    demo: Page, artifacts: Path
) -> None:
    page = demo
    open_widget(page)
    requests = chat_requests(page)
    starters = page.get_by_role("group", name="よくあるご質問")
    starters.get_by_role("button", name="省エネ設備の補助金の助成率は？").click()
    first = wait_answers(page, 1)
    expect(first).to_contain_text("助成率")
    expect(page.get_by_role("group", name="よくあるご質問")).to_have_count(0)
    assert "session_id" not in body_of(requests[0])
    session_id = page.evaluate(
        "() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('grant-advisor:v1:'))[1])"
        ".sessionId"
    )
    assert session_id

    textbox(page).fill("下書き中の質問")
    page.reload()
    # The panel was open, so it reopens; the conversation and the draft are back.
    expect(panel(page)).to_be_visible()
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first).to_contain_text("省エネ設備の補助金の助成率は？")
    answer = wait_answers(page, 1)
    expect(answer).to_contain_text("助成率")
    expect(answer.locator(".sources a").first).to_have_attribute("href", re.compile(r"^https://"))
    expect(textbox(page)).to_have_value("下書き中の質問")
    page.screenshot(path=str(artifacts / "after-reload.png"), animations="disabled")

    # The next question continues the same server-side session.
    requests = chat_requests(page)
    ask(page, "大企業の場合の上限は？")
    wait_answers(page, 2)
    assert body_of(requests[0])["session_id"] == session_id

    # New conversation: starters again, nothing stored, next request starts a new session.
    page.get_by_role("button", name="新しい会話を始める").click()
    expect(user_messages(page)).to_have_count(0)
    expect(page.get_by_role("group", name="よくあるご質問")).to_be_visible()
    expect(textbox(page)).to_be_focused()
    page.reload()
    expect(panel(page)).to_be_visible()
    expect(user_messages(page)).to_have_count(0)
    requests = chat_requests(page)
    ask(page, "SAFの助成率は？")
    wait_answers(page, 1)
    assert "session_id" not in body_of(requests[0])

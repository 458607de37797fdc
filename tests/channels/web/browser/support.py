"""Helpers shared by the widget's browser tests (Playwright locators pierce the open shadow root)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, Request, expect

GRANT_QUESTION = "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？"
ELIGIBILITY_QUESTION = "ゼロエミの省エネ助成に申請できますか？"
TITLE = "脱炭素補助金アドバイザー"
SHADOW = "document.querySelector('grant-advisor-widget').shadowRoot"
ANSWER_TIMEOUT_MS = 30_000


def launcher(page: Page) -> Locator:
    return page.locator(".launcher")


def panel(page: Page) -> Locator:
    return page.get_by_role("dialog", name=TITLE)


def textbox(page: Page) -> Locator:
    return page.get_by_role("textbox", name="ご質問")


def settle(page: Page) -> None:
    """Wait until the panel's opening animation has finished."""
    page.wait_for_function(f"() => {SHADOW}.querySelector('.panel').getAnimations().length === 0")


def open_widget(page: Page) -> None:
    page.get_by_role("button", name=f"{TITLE}を開く").click()
    expect(panel(page)).to_be_visible()
    settle(page)


def ask(page: Page, text: str) -> None:
    box = textbox(page)
    box.fill(text)
    box.press("Enter")


def answers(page: Page) -> Locator:
    """Finished answers (a streaming answer has no action row yet)."""
    return page.locator(".msg.bot:has(.actions)")


def wait_answers(page: Page, count: int) -> Locator:
    expect(answers(page)).to_have_count(count, timeout=ANSWER_TIMEOUT_MS)
    return answers(page).nth(count - 1)


def user_messages(page: Page) -> Locator:
    return page.locator(".msg.user")


def active_element(page: Page) -> dict[str, Any]:
    """What has focus inside the widget's shadow root (None when focus is outside it)."""
    result: dict[str, Any] = page.evaluate(
        f"""() => {{
            const a = {SHADOW}.activeElement;
            if (!a) return {{inside: false}};
            return {{inside: true, cls: a.className && a.className.baseVal === undefined ? a.className : '',
                     tag: a.tagName, label: a.getAttribute('aria-label') || '',
                     inPanel: {SHADOW}.querySelector('.panel').contains(a)}};
        }}"""
    )
    return result


def chat_requests(page: Page) -> list[Request]:
    """Collects the POSTs to /api/chat/stream made from now on."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith("/api/chat/stream") else None)
    return seen


def body_of(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(request.post_data or "{}")
    return data


def sse(*events: tuple[str, Any]) -> str:
    """An SSE body (what a crafted server would send)."""
    return "".join(
        f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n" for name, data in events
    )


def answer_json(text: str, **extra: Any) -> dict[str, Any]:
    """A minimal Answer as the final event carries it."""
    return {
        "answer": text,
        "programmes": [],
        "citations": [],
        "tool_calls": [],
        "follow_up": [],
        "mode": "offline",
        "as_of": "2026-01-20",
        "session_id": "s-test",
        "message_id": "m-test",
        **extra,
    }

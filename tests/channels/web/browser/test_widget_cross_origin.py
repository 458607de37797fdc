"""The widget embedded on another site: the API answers origins in ADVISOR_ALLOWED_ORIGINS,
and a site that is not allowed gets a clear Japanese message instead of a silent failure."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import HostSites
from .support import GRANT_QUESTION, ask, open_widget, textbox, wait_answers


def test_an_allowed_site_gets_answers_and_feedback(
    page: Page, cross_site: HostSites, artifacts: Path
) -> None:
    page.goto(cross_site.allowed.origin + "/")
    open_widget(page)
    with page.expect_response(re.compile(r"/api/chat/stream$")) as response:
        ask(page, GRANT_QUESTION)
    assert response.value.headers["access-control-allow-origin"] == cross_site.allowed.origin
    answer = wait_answers(page, 1)
    expect(answer).to_contain_text("800万円")
    expect(answer.locator("table.calc")).to_be_visible()
    with page.expect_response("**/api/feedback") as feedback:
        answer.get_by_role("button", name="役に立った", exact=True).click()
    assert feedback.value.status == 201
    expect(answer.get_by_text("ありがとうございました")).to_be_visible()
    page.screenshot(path=str(artifacts / "cross-origin.png"), animations="disabled")


def test_a_site_that_is_not_allowed_sees_a_japanese_error(page: Page, cross_site: HostSites) -> None:
    page.goto(cross_site.other.origin + "/")
    open_widget(page)
    ask(page, "SAFの助成率は？")
    expect(page.get_by_role("alert")).to_contain_text("サーバーに接続できませんでした。")
    expect(textbox(page)).to_have_value("SAFの助成率は？")

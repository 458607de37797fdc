"""Input, accessibility, isolation and layout: Japanese IME, keyboard, focus, hostile host CSS,
the phone layout, colour contrast and the English string table."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from .support import (
    SHADOW,
    TITLE,
    active_element,
    ask,
    chat_requests,
    launcher,
    open_widget,
    panel,
    settle,
    textbox,
    user_messages,
    wait_answers,
)

KEYDOWN = """(box, init) => box.dispatchEvent(new KeyboardEvent('keydown',
    {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true, composed: true, ...init}))"""


def test_enter_during_ime_composition_never_sends(demo: Page) -> None:
    page = demo
    open_widget(page)
    requests = chat_requests(page)
    box = textbox(page)
    box.fill("しょうえねせつび")

    # Composition in progress: the Enter that confirms the conversion has isComposing set.
    box.dispatch_event("compositionstart", {"data": ""})
    box.evaluate(KEYDOWN, {"isComposing": True, "keyCode": 229})
    box.evaluate(KEYDOWN, {"isComposing": False})  # tracked via compositionstart/compositionend
    box.dispatch_event("compositionend", {"data": "省エネ設備"})
    # Safari fires compositionend first, then the confirming keydown with keyCode 229.
    box.evaluate(KEYDOWN, {"isComposing": False, "keyCode": 229})
    page.wait_for_timeout(300)
    assert requests == []
    expect(user_messages(page)).to_have_count(0)
    expect(box).to_have_value("しょうえねせつび")

    # Shift+Enter: a new line, nothing sent; the textarea grows with its content.
    height = box.evaluate("b => b.getBoundingClientRect().height")
    box.press("End")
    for _ in range(3):
        box.press("Shift+Enter")
        box.type("改行")
    assert requests == []
    expect(box).to_have_value("しょうえねせつび\n改行\n改行\n改行")
    assert box.evaluate("b => b.getBoundingClientRect().height") > height + 30

    # A plain Enter (no composition) sends.
    box.fill("SAFの助成率は？")
    box.press("Enter")
    wait_answers(page, 1)
    assert len(requests) == 1
    expect(box).to_have_value("")


def test_xss_in_a_question_is_shown_as_text(demo: Page) -> None:
    page = demo
    open_widget(page)
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    ask(page, payload)
    wait_answers(page, 1)
    expect(user_messages(page).first).to_contain_text(payload)
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate(f"() => {SHADOW}.querySelectorAll('img, script, iframe, object, embed').length") == 0


def test_dialog_semantics_focus_trap_and_escape(demo: Page) -> None:
    page = demo
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    launcher(page).focus()
    page.keyboard.press("Enter")
    dialog = panel(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".log")).to_have_attribute("aria-live", "polite")
    expect(page.locator(".log")).to_have_attribute("role", "log")
    expect(textbox(page)).to_be_focused()  # desktop: straight into the input

    # Tab and Shift+Tab stay inside the open panel.
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        focus = active_element(page)
        assert focus["inside"] and focus["inPanel"], (key, focus)

    # Focus outlines are visible (keyboard focus).
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate(
        f"""() => {{ const a = {SHADOW}.activeElement; const s = getComputedStyle(a);
            return [s.outlineStyle, parseFloat(s.outlineWidth)]; }}"""
    )
    assert outline[0] != "none" and outline[1] >= 2, outline

    # Esc closes and gives focus back to the launcher.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    focus = active_element(page)
    assert focus["inside"] and "launcher" in focus["cls"], focus
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")

    # Esc while an IME composition is open only cancels the composition.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    textbox(page).dispatch_event("compositionstart", {"data": ""})
    textbox(page).evaluate(
        "b => b.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true, composed: true,"
        " isComposing: true}))"
    )
    expect(dialog).to_be_visible()


def test_hostile_host_css_does_not_reach_the_widget_and_the_widget_does_not_touch_the_page(
    demo: Page,
) -> None:
    page = demo
    # The demo page's own `* { font-size: 20px; color: red }` applies to the page…
    body = page.evaluate("() => { const s = getComputedStyle(document.body); return [s.fontSize, s.color]; }")
    assert body == ["20px", "rgb(255, 0, 0)"]
    open_widget(page)
    styles = page.evaluate(
        f"""() => {{
            const root = {SHADOW};
            const pick = sel => {{ const s = getComputedStyle(root.querySelector(sel));
                return {{size: s.fontSize, color: s.color, family: s.fontFamily, spacing: s.letterSpacing,
                        border: s.borderTopStyle, background: s.backgroundColor}}; }};
            return {{text: pick('.welcome p:not(.hi)'), input: pick('.input'), chip: pick('.chip'),
                     title: pick('.title'), send: pick('.send')}};
        }}"""
    )
    # …but not inside the shadow root (15 px body text, 16 px input so iOS does not zoom).
    assert styles["text"]["size"] == "15px", styles
    assert styles["input"]["size"] == "16px", styles
    assert styles["title"]["size"] == "16px", styles
    assert styles["chip"]["size"] == "13px", styles
    for part in styles.values():
        assert part["color"] != "rgb(255, 0, 0)", styles
        assert not part["family"].startswith("serif"), styles
        assert part["spacing"] == "normal", styles
    assert styles["chip"]["border"] != "dashed" and styles["send"]["background"] != "rgb(255, 255, 0)"
    # The page's `[role="dialog"] { display: none !important }` does not hide the panel.
    expect(panel(page)).to_be_visible()
    box = panel(page).bounding_box()
    assert box is not None and box["width"] == 400

    # The widget adds no style or element to the page besides its one host element.
    assert page.evaluate("() => document.querySelectorAll('style, link[rel=stylesheet]').length") == 1
    assert page.evaluate("() => document.body.lastElementChild.tagName") == "GRANT-ADVISOR-WIDGET"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.site-main h1')).fontSize") == "30px"


def test_phone_viewport_opens_full_screen(browser: Browser, server_url: str, artifacts: Path) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
    )
    try:
        page = context.new_page()
        page.goto(server_url + "/")
        expect(launcher(page)).to_be_visible()
        box = launcher(page).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
        page.screenshot(path=str(artifacts / "phone-closed.png"), animations="disabled")

        launcher(page).tap()
        dialog = panel(page)
        expect(dialog).to_be_visible()
        settle(page)
        assert dialog.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
        expect(launcher(page)).to_be_hidden()  # the panel's own close button takes over
        # Touch devices: focus goes to the dialog's title, so the keyboard does not cover the starters.
        assert active_element(page)["tag"] == "H2"
        page.screenshot(path=str(artifacts / "phone-open.png"), animations="disabled")

        ask(page, "SAFの助成率は？")
        answer = wait_answers(page, 1)
        expect(answer).to_contain_text("SAF")
        # Wide tables scroll inside their own box instead of widening the panel.
        assert page.evaluate(f"() => {SHADOW}.querySelector('.log').scrollWidth") <= 375
        page.screenshot(path=str(artifacts / "phone-answer.png"), animations="disabled")

        page.get_by_role("button", name="閉じる", exact=True).tap()
        expect(dialog).to_be_hidden()
        expect(launcher(page)).to_be_visible()
    finally:
        context.close()


CONTRAST = """() => {
    const root = document.querySelector('grant-advisor-widget').shadowRoot;
    const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const background = el => {
        for (let e = el; e; e = e.parentElement) {
            const c = rgba(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || c[3] > 0.99) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const out = [];
    for (const sel of SELECTORS) {
        for (const el of root.querySelectorAll(sel)) {
            if (!el.getClientRects().length) continue;
            const fg = lum(rgba(getComputedStyle(el).color)), bg = lum(background(el));
            const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
            out.push([sel, Math.round(ratio * 100) / 100]);
        }
    }
    return out;
}"""


def test_text_colour_contrast_is_at_least_4_5(demo: Page) -> None:
    page = demo
    open_widget(page)
    ask(page, "ゼロエミの省エネ助成に申請できますか？")
    wait_answers(page, 1)
    selectors = [
        ".title",
        ".sub",
        ".welcome p",
        ".user .bubble",
        ".md p",
        ".md li",
        ".md th",
        ".md td",
        ".sources h4",
        ".sources a",
        ".sec",
        ".quote",
        ".num",
        ".meta",
        ".abtn",
        ".chip",
        ".follow p",
        ".more",
        ".hint",
        ".input",
        ".launcher",
    ]
    script = CONTRAST.replace("SELECTORS", repr(selectors))
    ratios = page.evaluate(script)
    checked = {sel for sel, _ in ratios}
    assert {".title", ".sub", ".md p", ".sources a", ".chip", ".hint", ".launcher"} <= checked, checked
    low = [(sel, ratio) for sel, ratio in ratios if ratio < 4.5]
    assert not low, low


def test_english_strings_with_data_lang_en(page: Page, server_url: str) -> None:
    host_page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>EN</title></head><body>"
        "<h1>Support desk</h1>"
        "<script src='/widget.js' data-lang='en' data-title='Grant Advisor' defer></script></body></html>"
    )
    page.route(server_url + "/en.html", lambda route: route.fulfill(body=host_page, content_type="text/html"))
    page.goto(server_url + "/en.html")
    page.get_by_role("button", name="Open Grant Advisor").click()
    dialog = page.get_by_role("dialog", name="Grant Advisor")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("textbox", name="Your question")).to_have_attribute(
        "placeholder", "Type your question"
    )
    expect(dialog.get_by_role("button", name="Start a new conversation")).to_be_visible()
    expect(dialog).to_contain_text("Common questions")
    expect(dialog).not_to_contain_text("よくあるご質問")
    expect(dialog.get_by_role("button", name="When is the application deadline?")).to_be_visible()
    expect(dialog).not_to_contain_text("申請の締切はいつ？")  # the starters are English questions too
    page.route(
        server_url + "/api/chat/stream",
        lambda route: route.fulfill(
            status=503,
            json={
                "code": "index_missing",
                "detail": "検索インデックスがありません。",
                "detail_en": "The index is missing.",
            },
        ),
    )
    page.get_by_role("textbox", name="Your question").fill("SAF rate?")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("The server had an error")
    expect(dialog.get_by_role("button", name="Retry")).to_be_visible()
    assert TITLE not in page.evaluate(f"() => {SHADOW}.textContent")


def test_works_under_a_strict_content_security_policy(page: Page, server_url: str) -> None:
    """No inline style or script, no eval, no HTML strings: a strict CSP with Trusted Types is fine."""
    csp = (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
        "require-trusted-types-for 'script'"
    )
    violations: list[str] = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    host_page = (
        "<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>CSP</title></head>"
        "<body><h1>CSP</h1><script src='/widget.js' defer></script></body></html>"
    )
    page.route(
        server_url + "/csp.html",
        lambda route: route.fulfill(
            body=host_page, content_type="text/html", headers={"Content-Security-Policy": csp}
        ),
    )
    page.goto(server_url + "/csp.html")
    open_widget(page)
    assert page.evaluate(f"() => getComputedStyle({SHADOW}.querySelector('.launcher')).position") == "fixed"
    ask(page, "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？")
    answer = wait_answers(page, 1)
    expect(answer.locator("table.calc")).to_be_visible()
    textbox(page).press("Shift+Enter")  # the auto-growing textarea sets its height through the CSSOM
    assert violations == []

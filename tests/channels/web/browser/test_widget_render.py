"""The Markdown renderer and the streaming path, in the browser.

``window.GrantAdvisorWidget.renderMarkdown(md)`` is the renderer the widget uses; it returns a
detached DocumentFragment and is exposed on purpose (harmless: it only builds nodes). A crafted
"compromised server" answer goes through the whole widget, and a fetch stub that streams slowly
shows the deltas being rendered before the final answer replaces them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from .support import SHADOW, answer_json, ask, open_widget, sse, wait_answers

RENDER = """md => {
    const host = document.createElement('div');
    host.id = 'render-test';
    host.append(window.GrantAdvisorWidget.renderMarkdown(md));
    document.body.append(host);   // attached, so an injected handler would get its chance to run
    return new Promise(resolve => setTimeout(() => {
        const q = s => Array.from(host.querySelectorAll(s));
        resolve({
            text: host.textContent,
            tags: q('*').map(e => e.tagName.toLowerCase()),
            hrefs: q('a').map(a => a.getAttribute('href')),
            targets: q('a').map(a => a.target + '|' + a.rel),
            attrs: q('*').flatMap(e => e.getAttributeNames()),
        });
        host.remove();
    }, 200));
}"""

MALICIOUS = """# 見出し<script>window.__xss=1</script>

<img src=x onerror="window.__xss=2">
**太字<svg onload="window.__xss=3">**
[危険なリンク](javascript:window.__xss=4)
[データURL](data:text/html,<script>window.__xss=5</script>)
[vbscript](vbscript:msgbox)
<a href="javascript:window.__xss=6">生のリンク</a>
<iframe src="javascript:window.__xss=7"></iframe>
`<b>コード</b>`

| 列<img src=x onerror=window.__xss=8> | B |
| --- | --- |
| <script>window.__xss=9</script> | [ok](https://example.jp/a?b=1&c=<2>) |

> 引用 <style>*{display:none}</style>
- 項目 <details open ontoggle="window.__xss=10">
"""


def render(page: Page, markdown: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(RENDER, markdown)
    return result


def test_markdown_subset_renders_to_the_right_elements(demo: Page) -> None:
    markdown = (
        "## 助成額\n\n"
        "**区分3の助成額は 800万円 です。**\n\n"
        "- 対象経費 `12,000,000円`\n- 助成率 2/3\n  - 上限 1,000万円\n\n"
        "1. 申請\n2. 交付決定\n\n"
        "| 区分 | 助成率 |\n| --- | ---: |\n| 中小企業 | 2/3 |\n| 大企業 | 1/2 |\n\n"
        "> 根拠資料: 募集要項\n\n"
        "詳しくは[公式ページ](https://www.tokyo-co2down.jp/)と https://example.jp/x をご覧ください。\n"
        "改行も保たれます。\n\n---\n\n\\*\\*太字ではない\\*\\*"
    )
    out = render(demo, markdown)
    tags = out["tags"]
    for tag in (
        "h4",
        "strong",
        "ul",
        "ol",
        "li",
        "code",
        "table",
        "thead",
        "tbody",
        "th",
        "td",
        "blockquote",
        "a",
        "p",
        "br",
        "hr",
    ):
        assert tag in tags, (tag, tags)
    assert tags.count("ul") == 2  # the nested list
    assert out["hrefs"] == ["https://www.tokyo-co2down.jp/", "https://example.jp/x"]
    assert all(t == "_blank|noopener noreferrer nofollow" for t in out["targets"])
    assert "**太字ではない**" in out["text"]
    assert "<" not in out["text"]


def test_malicious_markdown_stays_inert_text(demo: Page) -> None:
    out = render(demo, MALICIOUS)
    assert demo.evaluate("() => window.__xss") is None
    forbidden = {"script", "img", "svg", "iframe", "style", "details", "object", "embed", "b"}
    assert not forbidden & set(out["tags"]), out["tags"]
    assert all(h.startswith("https://") for h in out["hrefs"]), out["hrefs"]
    assert not any(a.startswith("on") for a in out["attrs"]), out["attrs"]
    assert set(out["attrs"]) <= {"href", "target", "rel", "class", "tabindex", "role", "aria-label", "scope"}
    # The payloads are visible as text.
    for visible in (
        '<img src=x onerror="window.__xss=2">',
        "<script>window.__xss=1</script>",
        "<b>コード</b>",
        "javascript:window.__xss=6",
        "危険なリンク",
        "データURL",
    ):
        assert visible in out["text"], visible


def test_a_malicious_server_answer_is_rendered_inert(demo: Page, artifacts: Path) -> None:
    page = demo
    open_widget(page)
    final = answer_json(
        MALICIOUS,
        citations=[
            {
                "source_id": "x",
                "title": '<img src=x onerror="window.__xss=11">資料',
                "section": "<b>節</b>",
                "url": "javascript:window.__xss=12",
                "quote": "<script>window.__xss=13</script>",
            },
            {
                "source_id": "y",
                "title": "正しい資料",
                "section": "概要",
                "url": "https://example.jp/doc",
                "quote": "| 2/3 | 1,000万円 |",
            },
        ],
        tool_calls=[
            {
                "name": "calculate_grant",
                "arguments": {},
                "result": {
                    "programme_name": "<img src=x onerror=window.__xss=14>",
                    "steps": ["<script>window.__xss=15</script>", "手順2"],
                    "amount_yen": 8000000,
                    "rate": "<i>2/3</i>",
                    "cap_yen": 10000000,
                    "capped": False,
                },
            }
        ],
        follow_up=['<img src=x onerror="window.__xss=16">ですか？'],
    )
    body = sse(
        ("progress", {"label": "<img src=x onerror=window.__xss=17>", "tool": "x"}),
        ("delta", {"text": MALICIOUS[:80]}),
        ("final", final),
    )
    page.route(
        "**/api/chat/stream",
        lambda route: route.fulfill(status=200, body=body, content_type="text/event-stream"),
    )
    ask(page, "テスト")
    answer = wait_answers(page, 1)
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None
    dangerous = page.evaluate(
        f"() => {SHADOW}.querySelectorAll('script, img, iframe, svg:not(.ic), details, b, i').length"
    )
    assert dangerous == 0
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("https://") for h in hrefs), hrefs
    expect(answer.locator(".sources")).to_contain_text('<img src=x onerror="window.__xss=11">資料')
    expect(answer.locator("table.calc")).to_contain_text("<script>window.__xss=15</script>")
    expect(page.locator(".follow")).to_contain_text('<img src=x onerror="window.__xss=16">ですか？')
    page.screenshot(path=str(artifacts / "malicious-answer.png"), animations="disabled")


SLOW_FETCH = """() => {
    const real = window.fetch;
    window.fetch = (url, init) => {
        if (!String(url).endsWith('/api/chat/stream')) return real(url, init);
        const enc = new TextEncoder();
        const wait = ms => new Promise(r => setTimeout(r, ms));
        const final = FINAL;
        const body = new ReadableStream({ async start(c) {
            // CRLF line ends and events split across chunks: the parser must cope with both.
            c.enqueue(enc.encode('event: progress\\r\\n'
                + 'data: {"label":"計算中…","tool":"calculate_grant"}\\r\\n\\r\\n'));
            await wait(400);
            c.enqueue(enc.encode('event: delta\\ndata: {"text":"## 試算\\\\n\\\\n**助成額は'));
            await wait(50);
            c.enqueue(enc.encode(' 800万円 です。**\\\\n"}\\n\\n: keep-alive comment\\n\\n'));
            await wait(600);
            c.enqueue(enc.encode('event: delta\\ndata: {"text":"\\\\n続きの文章"}\\n\\n'));
            await wait(600);
            c.enqueue(enc.encode('event: final\\ndata: ' + JSON.stringify(final) + '\\n\\n'));
            c.close();
        }});
        const headers = {'Content-Type': 'text/event-stream'};
        return Promise.resolve(new Response(body, {status: 200, headers}));
    };
}"""


def test_deltas_render_as_they_arrive_then_the_final_answer_replaces_them(demo: Page) -> None:
    page = demo
    final = answer_json("## 試算\n\n**助成額は 800万円 です。**\n\n続きの文章（最終版）")
    page.evaluate(SLOW_FETCH.replace("FINAL", json.dumps(final, ensure_ascii=False)))
    open_widget(page)
    ask(page, "いくら？")
    pending = page.locator(".msg.bot").last
    expect(pending.locator(".status")).to_contain_text("計算中…")
    expect(pending.locator(".md strong")).to_have_text("助成額は 800万円 です。")
    expect(pending).not_to_contain_text("続きの文章")  # the second delta has not arrived yet
    expect(pending.locator(".status")).to_be_hidden()
    expect(pending).to_contain_text("続きの文章")
    answer = wait_answers(page, 1)
    expect(answer).to_contain_text("続きの文章（最終版）")
    expect(answer.locator("h4")).to_have_text("試算")

"""The widget file itself: its size budget, no HTML-string APIs, and the one-tag demo embed."""

from __future__ import annotations

import gzip
import re

from bot.config import PROJECT_ROOT

STATIC = PROJECT_ROOT / "bot" / "channels" / "web" / "static"
WIDGET = STATIC / "widget.js"
GZIP_BUDGET = 30 * 1024


def test_widget_is_small() -> None:
    size = len(gzip.compress(WIDGET.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"widget.js is {size} bytes gzipped (budget {GZIP_BUDGET})"


def test_widget_never_parses_html_strings_or_evaluates_code() -> None:
    source = WIDGET.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)  # comments may mention them
    code = re.sub(r"^\s*//[^\n]*$", "", code, flags=re.M)
    for banned in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "DOMParser",
        "createContextualFragment",
        "srcdoc",
    ):
        assert banned not in code, banned
    assert 'attachShadow({ mode: "open" })' in code


def test_demo_page_embeds_the_widget_with_one_tag() -> None:
    html = (STATIC / "demo.html").read_text(encoding="utf-8")
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags == ['<script src="/widget.js" data-title="脱炭素補助金アドバイザー" data-lang="ja" defer>']
    assert "* { font-size: 20px; color: red;" in html  # the hostile CSS the isolation test relies on

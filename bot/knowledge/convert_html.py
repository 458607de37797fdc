"""HTML and DOCX → Markdown: beautifulsoup4 + markdownify, and mammoth for DOCX.

HTML: scripts, styles, navigation, forms and comments are dropped; when the page has a
``<main>`` (or else an ``<article>``) only that is converted. Line breaks of the HTML source
next to Japanese characters are removed first (a browser shows them as nothing), so a
sentence written over two source lines stays whole. Links to other sites stay links; relative
links become their text. Images are dropped. Headings become ATX headings, tables Markdown
tables (the first row is the header).

DOCX: mammoth turns the document into HTML by its paragraph styles (見出し 1 … → ``<h1>`` …,
the Title style → ``<h1>``), which then goes the HTML way; the title is the document's own
title property when set.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from bot.knowledge.cjk import is_wide, remove_cjk_newlines
from bot.knowledge.convert import ConvertedDocument, first_heading, require

DROP_TAGS = (
    "head", "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "nav", "form", "button", "select", "input",
)  # fmt: skip
KEEP_WHITESPACE = ("pre", "code", "textarea")
DOCX_STYLE_MAP = "\n".join(
    (
        "p[style-name='Title'] => h1:fresh",
        "p[style-name='Subtitle'] => h2:fresh",
    )
)
_ABSOLUTE = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)
_LEADING_BREAK = re.compile(r"^\s*\n\s*")
_TRAILING_BREAK = re.compile(r"\s*\n\s*$")
_CORE_NS = {"dc": "http://purl.org/dc/elements/1.1/"}


def html_document(data: bytes | str) -> ConvertedDocument:
    """Convert an HTML page (bytes: its own ``<meta charset>`` decides the encoding)."""
    bs4 = require("bs4", "beautifulsoup4")
    soup = bs4.BeautifulSoup(data, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    url = _canonical_url(soup)
    for comment in soup.find_all(string=lambda s: isinstance(s, bs4.Comment)):
        comment.extract()
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for link in root.find_all("a"):
        if not _ABSOLUTE.match(str(link.get("href") or "")):
            link.unwrap()
    _join_cjk_breaks(root)
    markdown = _markdownify(root)
    title = None if first_heading(markdown) else page_title or None
    return ConvertedDocument(markdown=markdown, title=title, url=url, tables=len(root.find_all("table")))


def docx_document(path: Path) -> ConvertedDocument:
    """Convert a Word document through mammoth's HTML."""
    mammoth = require("mammoth", "mammoth")
    with path.open("rb") as handle:
        result = mammoth.convert_to_html(handle, style_map=DOCX_STYLE_MAP)
    converted = html_document(f"<html><body>{result.value}</body></html>")
    title = _docx_title(path)
    if title:
        return ConvertedDocument(markdown=converted.markdown, title=title, tables=converted.tables)
    return converted


def _markdownify(root: Any) -> str:
    markdownify = require("markdownify", "markdownify")
    converter = markdownify.MarkdownConverter(
        heading_style=markdownify.ATX,
        bullets="-",
        table_infer_header=True,
        strip=["img"],
    )
    return str(converter.convert_soup(root))


def _canonical_url(soup: Any) -> str | None:
    link = soup.find("link", rel="canonical", href=True)
    if link is not None:
        return str(link["href"]).strip() or None
    meta = soup.find("meta", attrs={"property": "og:url", "content": True})
    if meta is not None:
        return str(meta["content"]).strip() or None
    return None


def _join_cjk_breaks(root: Any) -> None:
    """Remove source line breaks next to Japanese text, also where an inline tag splits it."""
    strings = [s for s in root.find_all(string=True) if not s.find_parent(KEEP_WHITESPACE)]
    texts = [remove_cjk_newlines(str(s)) for s in strings]
    visible = [t.strip() for t in texts]
    before = [""] * len(texts)  # the last visible character before each string
    after = [""] * len(texts)  # the first visible character after it
    for index in range(1, len(texts)):
        before[index] = visible[index - 1][-1:] or before[index - 1]
    for index in range(len(texts) - 2, -1, -1):
        after[index] = visible[index + 1][:1] or after[index + 1]
    for index, text in enumerate(texts):
        own = visible[index]
        prev, nxt = before[index], after[index]
        if not own:
            if "\n" in text and prev and nxt and (is_wide(prev) or is_wide(nxt)):
                text = ""
        else:
            if prev and (is_wide(prev) or is_wide(own[0])):
                text = _LEADING_BREAK.sub("", text)
            if nxt and (is_wide(nxt) or is_wide(own[-1])):
                text = _TRAILING_BREAK.sub("", text)
        if text != str(strings[index]):
            strings[index].replace_with(text)


def _docx_title(path: Path) -> str | None:
    """``dc:title`` of the document's core properties, when set."""
    with zipfile.ZipFile(path) as archive:
        try:
            core = archive.read("docProps/core.xml")
        except KeyError:
            return None
    node = ElementTree.fromstring(core).find("dc:title", _CORE_NS)
    title = (node.text or "").strip() if node is not None else ""
    return title or None

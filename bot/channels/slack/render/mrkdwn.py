"""The Markdown subset the advisor writes, as Slack mrkdwn.

``**bold**`` → ``*bold*``, headings → bold lines, ``[text](url)`` and ``<url>`` → ``<url|text>``
(for the knowledge's URLs only), lists → ``•``, tables → code blocks, ``---`` → part breaks
(divider blocks). ``&``, ``<`` and ``>`` are escaped. Emphasis next to Japanese text gets
zero-width spaces around it, which Slack needs to recognise the markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.channels.slack.render.limits import NOTIFICATION_CHARS, ZWSP, escape, link, truncate

ANSWER_FALLBACK = "脱炭素補助金アドバイザーの回答"

_FENCE = re.compile(r"^\s*```")
_TABLE_ROW = re.compile(r"^(?P<quote>\s*>\s?)?\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*:?-+:?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*>\s?(?P<rest>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.*)$")
_ORDERED = re.compile(r"^(?P<indent>\s*)(?P<num>\d{1,3})[.)]\s+(?P<text>.*)$")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_MD_LINK = re.compile(r"\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)")
_AUTOLINK = re.compile(r"<(?P<url>https?://[^>\s]+)>")
_ITALIC = re.compile(r"(?<!\*)\*(?![\s*])(?P<text>[^*\n]+?)(?<![\s*])\*(?!\*)")
_BOLD = re.compile(r"\*\*(?!\s)(?P<text>.+?)(?<!\s)\*\*|__(?!\s)(?P<text2>.+?)(?<!\s)__")
_STRIKE = re.compile(r"~~(?!\s)(?P<text>.+?)(?<!\s)~~")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_SOURCES_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:出典|参考資料)\s*[:：]?\s*(?:\*\*)?\s*$")


def markdown_to_parts(markdown: str, trusted_urls: frozenset[str] = frozenset()) -> list[str]:
    """The Markdown as mrkdwn parts: one part per stretch between horizontal rules.

    A Markdown link becomes a Slack link only when its URL is one of ``trusted_urls`` (the
    knowledge's URLs that the answer cites); any other link is shown as its label followed by
    the URL in plain text, so text from a model or a document can never disguise a link."""
    parts: list[list[str]] = [[]]
    lines = markdown.replace("\r\n", "\n").split("\n")
    index = 0
    in_fence = False
    while index < len(lines):
        line = lines[index]
        index += 1
        if _FENCE.match(line):
            in_fence = not in_fence
            parts[-1].append("```")
            continue
        if in_fence:
            parts[-1].append(escape(line))
            continue
        if _RULE.match(line):
            parts.append([])
            continue
        if _TABLE_ROW.match(line):
            rows = [line]
            while index < len(lines) and _TABLE_ROW.match(lines[index]):
                rows.append(lines[index])
                index += 1
            parts[-1].extend(table_to_code(rows))
            continue
        parts[-1].append(convert_line(line, trusted_urls))
    if in_fence:
        parts[-1].append("```")
    texts = ["\n".join(part).strip("\n") for part in parts]
    return [_squeeze_blank_lines(text) for text in texts if text.strip()]


def to_mrkdwn(markdown: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """The whole Markdown as one mrkdwn string (rules become blank lines)."""
    return "\n\n".join(markdown_to_parts(markdown, trusted_urls))


def table_to_code(rows: Sequence[str]) -> list[str]:
    """A Markdown table as a code block: cells joined by " | ", the separator row dropped."""
    lines = ["```"]
    for row in rows:
        match = _TABLE_ROW.match(row)
        body = row[len(match.group("quote") or "") :].strip() if match else row.strip()
        cells = [cell.strip().replace("**", "") for cell in body.strip("|").split("|")]
        if all(_TABLE_SEPARATOR.match(cell) for cell in cells):
            continue
        lines.append(escape(" | ".join(cells)))
    lines.append("```")
    return lines


def convert_line(line: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """One Markdown line (not a table row or fence) as mrkdwn."""
    heading = _HEADING.match(line)
    if heading:
        text = heading.group("text").replace("**", "").strip()
        return f"*{inline(text, trusted_urls)}*" if text else ""
    quote = _QUOTE.match(line)
    if quote:
        rest = quote.group("rest")
        while nested := _QUOTE.match(rest):  # Slack has one level of quotes
            rest = nested.group("rest")
        return f"> {convert_line(rest, trusted_urls)}" if rest.strip() else ""
    bullet = _BULLET.match(line)
    if bullet:
        return f"{_indent(bullet.group('indent'))}• {inline(bullet.group('text'), trusted_urls)}"
    ordered = _ORDERED.match(line)
    if ordered:
        number, rest = ordered.group("num"), inline(ordered.group("text"), trusted_urls)
        return f"{_indent(ordered.group('indent'))}{number}. {rest}"
    return inline(line.rstrip(), trusted_urls)


def inline(text: str, trusted_urls: frozenset[str] = frozenset()) -> str:
    """Inline Markdown (code, links, emphasis) as mrkdwn, everything else escaped; links to
    URLs outside ``trusted_urls`` become ``label（url）`` in plain text."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\ue000{len(kept) - 1}\ue001"

    def markdown_link(match: re.Match[str]) -> str:
        url, label = match.group("url"), match.group("label")
        if url in trusted_urls:
            return keep(link(url, label))
        return keep(escape(label if label == url else f"{label}（{url}）"))

    def autolink(match: re.Match[str]) -> str:
        url = match.group("url")
        return keep(f"<{escape(url)}>" if url in trusted_urls else escape(url))

    text = _CODE_SPAN.sub(lambda m: keep(escape(m.group(0))), text)
    text = _MD_LINK.sub(markdown_link, text)
    text = _AUTOLINK.sub(autolink, text)
    text = escape(text)
    text = _ITALIC.sub(_emphasis("_"), text)
    text = _BOLD.sub(_emphasis("*"), text)
    text = _STRIKE.sub(_emphasis("~"), text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def _emphasis(marker: str) -> Callable[[re.Match[str]], str]:
    """A substitution wrapping the match's text in ``marker``, with zero-width spaces where the
    neighbouring character is not a space or punctuation (Slack needs a boundary there)."""

    def replace(match: re.Match[str]) -> str:
        inner = next(group for group in match.groups() if group is not None)
        source = match.string
        before = source[match.start() - 1] if match.start() > 0 else " "
        after = source[match.end()] if match.end() < len(source) else " "
        left = "" if _is_boundary(before) else ZWSP
        right = "" if _is_boundary(after) else ZWSP
        return f"{left}{marker}{inner}{marker}{right}"

    return replace


def _is_boundary(char: str) -> bool:
    return char.isspace() or char == ZWSP or char in "([{「『（【、。，．,.:;：；!?！？)]}」』）】"


def _indent(spaces: str) -> str:
    return "    " * (len(spaces.expandtabs(4)) // 2)


def _squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text)


def strip_sources_section(markdown: str) -> str:
    """The answer without its trailing 出典 list (rendered as a context block with links instead)."""
    lines = markdown.rstrip().split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if _SOURCES_HEADING.match(lines[index]):
            head = lines[:index]
            while head and (not head[-1].strip() or _RULE.match(head[-1])):
                head.pop()
            return "\n".join(head)
    return markdown


def notification_text(markdown: str) -> str:
    """A short plain preview of an answer for notifications: its first lines, no markup."""
    preview: list[str] = []
    for line in strip_sources_section(markdown).split("\n"):
        if _TABLE_ROW.match(line) or _FENCE.match(line) or _RULE.match(line):
            continue
        line = _MD_LINK.sub(lambda m: m.group("label"), line)
        line = _AUTOLINK.sub("", line)
        line = re.sub(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)?", "", line)
        line = re.sub(r"[*_`~]+", "", line).strip()
        if line:
            preview.append(line)
        if sum(len(p) for p in preview) >= NOTIFICATION_CHARS // 2:
            break
    return truncate(" ".join(preview), NOTIFICATION_CHARS) if preview else ANSWER_FALLBACK

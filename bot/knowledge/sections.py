"""Split a Markdown source body into sections keyed by their heading path.

A section is the text directly under one ATX heading (``#`` … ``######``), up to the next
heading of any level; its path is the titles of the enclosing headings from the top level
down, joined with :data:`PATH_SEPARATOR` (e.g. ``"事業概要 > 助成額等"``). A programme's
``SourceRef.section`` names such a path and its ``quote`` must occur verbatim in that text
(or in the section's own heading title, see :func:`quote_in_section`).
"""

from __future__ import annotations

import re

PATH_SEPARATOR = " > "

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def split_sections(markdown: str) -> list[tuple[str, str]]:
    """Return ``(heading path, text under it)`` pairs in document order.

    Text before the first heading is returned under the empty path ``""`` when it is not
    blank. Every heading yields a pair, even when its own text is empty (its content may sit
    in sub-sections). Headings inside fenced code blocks are text, not headings. The text is
    the raw Markdown of the section, without the heading line, stripped of surrounding blank
    lines.
    """
    sections: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the enclosing headings
    path = ""
    lines: list[str] = []
    fence: str | None = None
    seen_heading = False

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if seen_heading or text.strip():
            sections.append((path, text))

    for line in markdown.splitlines():
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            lines.append(line)
            continue
        heading = None if fence is not None else _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        flush()
        level = len(heading.group(1))
        title = _CLOSING_HASHES.sub("", heading.group(2)).strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        path = PATH_SEPARATOR.join(t for _, t in stack)
        lines = []
        seen_heading = True
    flush()
    return sections


def section_texts(markdown: str) -> dict[str, list[str]]:
    """Map each heading path to the texts of the sections that have it (normally one)."""
    found: dict[str, list[str]] = {}
    for path, text in split_sections(markdown):
        found.setdefault(path, []).append(text)
    return found


def quote_in_section(markdown: str, section: str, quote: str) -> bool:
    """Whether ``quote`` occurs verbatim in the section ``section`` of ``markdown``.

    The section's own heading title counts as part of it (a document title is often only a
    heading); the text of its sub-sections does not.
    """
    if not quote:
        return False
    title = section.rsplit(PATH_SEPARATOR, 1)[-1]
    texts = section_texts(markdown).get(section, [])
    return any(quote in title or quote in text for text in texts)

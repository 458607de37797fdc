"""Sections of a Markdown source body keyed by their heading path, for citations.

A section is the text directly under one heading, up to the next heading of any level; its
path is the titles of the enclosing headings from the top level down, joined with
:data:`PATH_SEPARATOR` (e.g. ``"事業概要 > 助成額等"``). The document is read once, by
:func:`bot.knowledge.markdown.parse_markdown` (CommonMark, GFM tables), which the search index's
chunking uses too. A programme's ``SourceRef.section`` names such a path and its ``quote`` must
occur verbatim in that text (or in the section's own heading title, see
:func:`quote_in_section`).
"""

from __future__ import annotations

from bot.knowledge.markdown import PATH_SEPARATOR as PATH_SEPARATOR  # re-exported for callers
from bot.knowledge.markdown import parse_markdown


def split_sections(markdown: str) -> list[tuple[str, str]]:
    """Return ``(heading path, text under it)`` pairs in document order.

    Text before the first heading is returned under the empty path ``""`` when it is not
    blank. Every heading yields a pair, even when its own text is empty (its content may sit
    in sub-sections). Headings inside fenced code blocks are text, not headings. The text is
    the raw Markdown of the section, without the heading line, stripped of surrounding blank
    lines.
    """
    return [(section.path, section.text) for section in parse_markdown(markdown)]


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

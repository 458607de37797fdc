"""The one reading of a corpus document: front matter, then sections and their blocks.

A source file (``knowledge/sources/*.md``) starts with YAML front matter between ``---`` lines
(:func:`split_front_matter`); the rest, its body, is CommonMark with GFM tables, parsed by
markdown-it-py (:func:`parse_markdown`). Citations and quote checks
(:mod:`bot.knowledge.sections`) and the search index's chunks (:mod:`bot.retrieval.chunking`)
both read sections from here, so they agree on what is a heading, a table or code.

* A **section** is what lies under one heading (ATX ``#`` … ``######`` or setext ``===`` /
  ``---``), up to the next heading of any level. Its path is the titles of the enclosing
  headings from the top level down, joined with :data:`PATH_SEPARATOR`
  (``"事業概要 > 助成額等"``); a title is the heading's raw inline Markdown (the lines of a
  multi-line setext heading joined by spaces). Only headings at the top level of the document count: a ``#``
  line inside a code fence is code, and a heading inside a list item or block quote stays part
  of that block. Text before the first heading forms a section with the empty path ``""`` (when
  it is not blank).
* A section's **text** is its raw Markdown without the heading line(s), stripped of surrounding
  blank lines: quotes are checked against it verbatim.
* Its **blocks** are its top-level Markdown blocks: tables (whole, header row and delimiter row
  first), code (fenced or indented) and text (paragraphs, lists, block quotes, HTML), each as
  its raw source. Thematic breaks and link reference definitions are not blocks.

Line numbers are 1-based; ``first_line`` says which line of the file the parsed text starts on,
so that messages can point at ``file:line``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

PATH_SEPARATOR = " > "
FRONT_MATTER_FENCE = "---"

BlockKind = Literal["text", "table", "code"]

_BLOCK_KINDS: dict[str, BlockKind] = {"table_open": "table", "fence": "code", "code_block": "code"}
_NOT_BLOCKS = {"hr"}


@dataclass(frozen=True)
class Block:
    """One top-level Markdown block of a section, as its raw source text."""

    kind: BlockKind
    text: str
    line: int = 0  # line of the block's first source line; 0 for a block not read from a document


@dataclass(frozen=True)
class Section:
    """The text under one heading (or before the first heading, with ``level`` 0)."""

    path: str
    level: int
    line: int  # line of the heading (its first line for setext), or the preamble's first non-blank line
    text: str
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        """The section's own heading title (the last element of its path)."""
        return self.path.rsplit(PATH_SEPARATOR, 1)[-1]


class FrontMatterError(ValueError):
    """The front matter is missing or not closed; ``line`` is where the problem is."""

    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.line = line
        self.what = what


@dataclass(frozen=True)
class SplitSource:
    """A source file cut into its front matter and its Markdown body."""

    front_matter: str  # the YAML between the fences
    front_matter_line: int  # line of the YAML's first line (just below the opening fence)
    body: str  # stripped of surrounding blank lines, ending with one newline
    body_line: int  # line of the body's first line


def split_front_matter(text: str) -> SplitSource:
    """Cut ``text`` into its YAML front matter (between ``---`` lines) and its body.

    The body is the rest without the blank lines around it; it ends with one newline.
    Raises :class:`FrontMatterError` when the first line is not ``---`` or no line closes it.
    """
    lines = _lines(text)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise FrontMatterError(1, "front matter missing: the file must start with '---'")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE), None)
    if end is None:
        raise FrontMatterError(1, "front matter is not closed with '---'")
    rest = lines[end + 1 :]
    leading = next((i for i, line in enumerate(rest) if line), len(rest))
    return SplitSource(
        front_matter="\n".join(lines[1:end]),
        front_matter_line=2,
        body="\n".join(rest).strip("\n") + "\n",
        body_line=end + 2 + leading,
    )


def parse_markdown(markdown: str, first_line: int = 1) -> list[Section]:
    """The sections of a Markdown body in document order (see the module docstring).

    Every heading yields a section, even one with no text of its own (its content may sit in
    sub-sections). ``first_line`` is the line number of the body's first line in its file.
    """
    lines = _lines(markdown)
    tokens = _parser().parse("\n".join(lines))
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the enclosing headings
    level, line = 0, first_line  # of the current section's heading (0: before the first heading)
    start = 0  # first line (0-based) of the current section's text
    blocks: list[Block] = []

    def close(end: int) -> None:
        body = lines[start:end]
        text = "\n".join(body).strip("\n")
        if level or text.strip():
            # a heading's line, or the preamble's first non-blank line (it has one: text is not blank)
            where = line if level else first_line + start + _first_filled(body)
            path = PATH_SEPARATOR.join(title for _, title in stack)
            sections.append(Section(path=path, level=level, line=where, text=text, blocks=tuple(blocks)))

    index = 0
    while index < len(tokens):  # top-level tokens only: each step skips a whole block
        token = tokens[index]
        next_index = _after_block(tokens, index)
        if token.map is None:
            index = next_index
            continue
        begin, stop = token.map
        if token.type == "heading_open":
            close(begin)
            level, line, start, blocks = int(token.tag[1:]), first_line + begin, stop, []
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _title(tokens[index + 1].content)))  # the heading's inline token
        elif token.type not in _NOT_BLOCKS:
            text = "\n".join(lines[begin:stop]).strip("\n")
            if text.strip():
                kind = _BLOCK_KINDS.get(token.type, "text")
                blocks.append(Block(kind=kind, text=text, line=first_line + begin))
        index = next_index
    close(len(lines))
    return sections


def _after_block(tokens: Sequence[Token], index: int) -> int:
    """Index of the token after the block that starts at ``index`` (past its closing token)."""
    if tokens[index].nesting != 1:
        return index + 1
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position + 1
    return len(tokens)


def _first_filled(rows: Sequence[str]) -> int:
    """Index of the first row that is not blank (0 when there is none)."""
    return next((i for i, row in enumerate(rows) if row.strip()), 0)


def _title(content: str) -> str:
    """A heading's title: its raw inline Markdown, the lines of a setext heading joined by spaces."""
    return " ".join(part.strip() for part in content.split("\n") if part.strip())


def _lines(text: str) -> list[str]:
    """Lines as markdown-it numbers them (``\\r\\n`` and ``\\r`` are line ends, nothing else)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")

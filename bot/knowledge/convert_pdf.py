"""PDF → Markdown with pdfplumber: headings by font size, ruled tables, joined Japanese lines.

pdfplumber gives the text lines (with each character's font and size) and the ruled tables
of a page; the layout rules here turn them into Markdown:

* the body size is the size most of the text is set in; larger sizes are headings, the
  largest ``#``, the next ``##`` …; a short line in body size set all in bold (or in a
  Gothic face in a document set in Mincho) is a heading one level below those;
* consecutive lines form one paragraph while the previous line runs to the right edge of the
  text, the gap is no more than a line, and the next line does not start an item (・, ※,
  （１）, ①, １．…) or a new indented paragraph; the lines are joined without spaces next to
  Japanese characters (:func:`bot.knowledge.cjk.join_wrapped`), so a wrapped sentence stays
  whole;
* a ruled table becomes a Markdown table (a one-column table becomes paragraphs); the text
  inside it is not repeated as paragraphs; text in a single ruled box (【注意】…) is laid out
  as paragraphs of its own, measured against the box's right edge;
* a lone page number at the top or bottom of a page is dropped.

Unruled tables and multi-column pages are not reconstructed (their text comes out in reading
order of lines).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.cjk import join_lines
from bot.knowledge.convert import ConvertedDocument, first_heading, require

HEADING_RATIO = 1.15  # a line this much larger than the body text is a heading
MAX_HEADING_CHARS = 100
MAX_BOLD_HEADING_CHARS = 40
_BOLD = re.compile(r"bold|black|heavy|[-,]W[6-9]\b|demi", re.IGNORECASE)
_MINCHO = re.compile(r"min|serif|明朝", re.IGNORECASE)
_GOTHIC = re.compile(r"goth|kakugo|maru|sans|meiryo|yugo|ゴシック", re.IGNORECASE)
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_MARKER = re.compile(
    r"^(?:[・●○◎◆◇■□▪•※＊*\-–—►▶→☆★]"
    r"|[（(][0-9０-９一二三四五六七八九十ア-ンａ-ｚa-z]{1,3}[）)]"
    r"|[0-9０-９]{1,2}(?:[.．](?![0-9０-９])|[)）]|[ 　])"
    r"|[①-⑳㉑-㉟]"
    r"|[ア-ン][.．、)）]"
    r"|第[0-9０-９一二三四五六七八九十]+[条章節項款]"
    r"|[(（]?注[0-9０-９]*[)）]?[：:　 ])"
)
_PAGE_NUMBER = re.compile(
    r"^[-－‐―–—(（\s]*(?:[pP]\.?\s*)?(?:[0-9０-９]{1,4}|[ivxIVX]{1,6})(?:\s*[/／]\s*[0-9０-９]{1,4})?[-－‐―–—)）\s]*$"
)


@dataclass(frozen=True)
class Line:
    """One text line of a page (outside tables)."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False
    font: str = ""
    box: tuple[float, float, float, float] | None = None  # the single ruled box around the line


@dataclass(frozen=True)
class TableBlock:
    """A ruled table of a page, as rows of cell texts (``None`` for an empty or merged cell)."""

    page: int
    top: float
    rows: list[list[str | None]]


Block = Line | TableBlock


def pdf_document(path: Path) -> ConvertedDocument:
    """Read ``path`` with pdfplumber and lay its text out as Markdown."""
    pdfplumber = require("pdfplumber", "pdfplumber")
    blocks: list[Block] = []
    with pdfplumber.open(path) as pdf:
        meta_title = str(pdf.metadata.get("Title") or "").strip()
        for number, page in enumerate(pdf.pages):
            blocks.extend(page_blocks(page, number))
    markdown = blocks_to_markdown(blocks)
    title = None if first_heading(markdown) else meta_title or None
    tables = sum(1 for block in blocks if isinstance(block, TableBlock) and _width(block.rows) > 1)
    return ConvertedDocument(markdown=markdown, title=title, tables=tables)


def page_blocks(page: Any, number: int) -> list[Block]:
    """The lines and tables of one pdfplumber page, top to bottom."""
    finder = page.debug_tablefinder()
    tables = finder.tables
    boxes = [table.bbox for table in tables]
    single = [cell for cell in finder.cells if not any(_inside(cell, box) for box in boxes)]

    def outside_tables(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(_inside((x, y, x, y), box) for box in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    blocks: list[Block] = []
    for raw in text_page.extract_text_lines(return_chars=True, strip=True):
        chars = [char for char in raw["chars"] if str(char.get("text", "")).strip()]
        text = str(raw["text"]).strip()
        if not chars or not text:
            continue
        size = Counter(round(float(char["size"]) * 2) / 2 for char in chars).most_common(1)[0][0]
        fonts = [_SUBSET_PREFIX.sub("", str(char.get("fontname", ""))) for char in chars]
        bold = all(_BOLD.search(font) for font in fonts)
        font = Counter(fonts).most_common(1)[0][0]
        x0, x1, top, bottom = (float(raw[key]) for key in ("x0", "x1", "top", "bottom"))
        centre = ((x0 + x1) / 2, (top + bottom) / 2) * 2
        box = min(
            (cell for cell in single if _inside(centre, cell)),
            key=lambda cell: (cell[2] - cell[0]) * (cell[3] - cell[1]),
            default=None,
        )
        single_font = font if fonts.count(font) == len(fonts) else ""
        blocks.append(Line(number, text, x0, x1, top, bottom, size, bold, single_font, box))
    for table in tables:
        blocks.append(TableBlock(number, float(table.bbox[1]), table.extract()))
    blocks.sort(key=lambda block: block.top)
    return blocks


def _inside(inner: Sequence[float], outer: Sequence[float]) -> bool:
    """Whether the bbox ``inner`` (x0, top, x1, bottom) lies within ``outer``."""
    return outer[0] <= inner[0] and inner[2] <= outer[2] and outer[1] <= inner[1] and inner[3] <= outer[3]


# --- layout ----------------------------------------------------------------------------------


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """Lay out the blocks of all pages (in page order) as Markdown."""
    blocks = drop_page_numbers(blocks)
    lines = [block for block in blocks if isinstance(block, Line)]
    layout = _Layout(lines)
    out: list[str] = []
    group: list[Line] = []
    group_level = 0
    for block in blocks:
        if isinstance(block, TableBlock):
            out.extend(_render_group(group, group_level))
            group = []
            out.extend(table_markdown(block.rows))
            continue
        level = layout.level(block)
        if group and level == group_level and layout.continues(group, block):
            group.append(block)
            continue
        out.extend(_render_group(group, group_level))
        group, group_level = [block], level
    out.extend(_render_group(group, group_level))
    return "\n\n".join(out) + "\n"


class _Layout:
    """Document-wide measures: body size, heading levels and each page's right text edge."""

    def __init__(self, lines: Sequence[Line]) -> None:
        weights: Counter[float] = Counter()
        for line in lines:
            weights[line.size] += len(line.text)
        self.body = weights.most_common(1)[0][0] if weights else 0.0
        big = sorted(
            {line.size for line in lines if self._is_big(line) and len(line.text) <= MAX_HEADING_CHARS},
            reverse=True,
        )
        self.levels = {size: min(index + 1, 5) for index, size in enumerate(big)}
        body_lines = [line for line in lines if line.size == self.body]
        bold_share = sum(len(line.text) for line in body_lines if line.bold) / max(
            1, sum(len(line.text) for line in body_lines)
        )
        self.bold_level = min(len(self.levels) + 1, 6) if bold_share < 0.5 else 0
        fonts: Counter[str] = Counter()
        for line in body_lines:
            fonts[line.font] += len(line.text)
        body_font = fonts.most_common(1)[0][0] if fonts else ""
        self.gothic_on_mincho = bool(_MINCHO.search(body_font)) and not _GOTHIC.search(body_font)
        self.right: dict[tuple[int, object], float] = {}  # (page, box) -> right edge of its text
        for line in lines:
            if not self._is_big(line):
                key = (line.page, line.box)
                self.right[key] = max(self.right.get(key, 0.0), line.x1)

    def _is_big(self, line: Line) -> bool:
        return line.size >= self.body * HEADING_RATIO

    def level(self, line: Line) -> int:
        """The heading level of a line (0 for body text)."""
        if line.size in self.levels:
            return self.levels[line.size]
        emphasised = line.bold or (self.gothic_on_mincho and bool(_GOTHIC.search(line.font)))
        if (
            self.bold_level
            and emphasised
            and len(line.text) <= MAX_BOLD_HEADING_CHARS
            and not line.text.endswith(("。", "."))
        ):
            return self.bold_level
        return 0

    def continues(self, group: Sequence[Line], line: Line) -> bool:
        """Whether ``line`` is the wrapped continuation of the paragraph (or heading) ``group``."""
        prev = group[-1]
        size = max(prev.size, line.size)
        if line.box != prev.box:
            return False
        if line.page == prev.page:
            if line.top < prev.top or line.top - prev.bottom > size * 1.2:
                return False
        elif line.page != prev.page + 1:
            return False
        right = self.right.get((prev.page, prev.box), prev.x1)
        if prev.x1 < right - 2 * prev.size:
            return False  # the previous line ends early: its paragraph ends there
        if _MARKER.match(line.text):
            return False
        hanging = len(group) == 1 and bool(_MARKER.match(prev.text))
        return not (line.x0 > prev.x0 + 0.5 * size and not hanging)


def _render_group(group: Sequence[Line], level: int) -> list[str]:
    if not group:
        return []
    text = join_lines([line.text for line in group])
    if level and len(text) <= MAX_HEADING_CHARS:
        return [f"{'#' * level} {text}"]
    if text.startswith("#"):
        text = "\\" + text
    return [text]


def drop_page_numbers(blocks: Sequence[Block]) -> list[Block]:
    """Drop a line that is only a page number and is the first or last line of its page."""
    edges: set[int] = set()
    by_page: dict[int, list[int]] = {}
    for index, block in enumerate(blocks):
        if isinstance(block, Line):
            by_page.setdefault(block.page, []).append(index)
    for indexes in by_page.values():
        edges.update({indexes[0], indexes[-1]})
    return [
        block
        for index, block in enumerate(blocks)
        if not (index in edges and isinstance(block, Line) and _PAGE_NUMBER.match(block.text))
    ]


# --- tables ----------------------------------------------------------------------------------


def table_markdown(rows: Sequence[Sequence[str | None]]) -> list[str]:
    """A table as one Markdown table block (the first row is the header).

    A one-column table (a box drawn around text) becomes its paragraphs instead.
    """
    cells = [[_cell(cell) for cell in row] for row in rows]
    cells = [row for row in cells if any(row)]
    width = _width(cells)
    if not cells or width == 0:
        return []
    if width == 1:
        return [row[0] for row in cells if row and row[0]]
    cells = [row + [""] * (width - len(row)) for row in cells]
    lines = [_row(cells[0]), _row(["---"] * width)]
    lines.extend(_row(row) for row in cells[1:])
    return ["\n".join(lines)]


def _cell(cell: str | None) -> str:
    if not cell:
        return ""
    return join_lines(cell.split("\n")).replace("|", "\\|")


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _width(rows: Sequence[Sequence[Any]]) -> int:
    return max((len(row) for row in rows), default=0)

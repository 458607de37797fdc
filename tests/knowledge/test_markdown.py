"""bot/knowledge/markdown.py: the one reading of a document (front matter, sections, blocks).

Sections follow CommonMark (markdown-it-py) with GFM tables: fenced and indented code, setext
headings, tables interrupting paragraphs. Line numbers are 1-based lines of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge, load_source
from bot.knowledge.markdown import (
    Block,
    FrontMatterError,
    Section,
    parse_markdown,
    split_front_matter,
)

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"


def outline(markdown: str) -> list[tuple[str, int, int]]:
    """(path, level, line) of each section."""
    return [(s.path, s.level, s.line) for s in parse_markdown(markdown)]


# --- headings and paths ----------------------------------------------------------------------

HEADING_CASES = {
    "nested ATX headings give ' > ' paths": (
        "# A\n\nintro\n\n## B\n\nb\n\n### C\n\nc\n\n## D\n\n#### E ##\ne\n\n# F\n",
        [
            ("A", 1, 1),
            ("A > B", 2, 5),
            ("A > B > C", 3, 9),
            ("A > D", 2, 13),
            ("A > D > E", 4, 15),
            ("F", 1, 18),
        ],
    ),
    "a heading inside a backtick fence is code": (
        "# A\n```\n# not a heading\n```\ntext\n",
        [("A", 1, 1)],
    ),
    "a heading inside a tilde fence is code": (
        "# A\n~~~md\n## not a heading\n~~~\n",
        [("A", 1, 1)],
    ),
    "a shorter fence does not close a longer one": (
        "# A\n````\n```\n# not a heading\n```\n````\n# B\n",
        [("A", 1, 1), ("B", 1, 7)],
    ),
    "an unclosed fence runs to the end": (
        "# A\n```\n# not a heading\n",
        [("A", 1, 1)],
    ),
    "indented code is not a heading": (
        "# A\n\n    # not a heading\n",
        [("A", 1, 1)],
    ),
    "up to three spaces of indentation still make a heading": (
        "   # A\n",
        [("A", 1, 1)],
    ),
    "a hash without a space is text": (
        "# A\n#no-space is text\n",
        [("A", 1, 1)],
    ),
    "headings inside a list item or block quote are not sections": (
        "# A\n\n- # item\n\n> ## quoted\n",
        [("A", 1, 1)],
    ),
    "setext headings": (
        "Title\n=====\n\ntext\n\nPart\n----\n\nmore\n\n### Detail\n",
        [("Title", 1, 1), ("Title > Part", 2, 6), ("Title > Part > Detail", 3, 11)],
    ),
    "a multi-line setext heading joins its lines": (
        "First line\nsecond line\n===\n",
        [("First line second line", 1, 1)],
    ),
    "a thematic break after a blank line is not a heading": (
        "# A\n\ntext\n\n---\n\nafter\n",
        [("A", 1, 1)],
    ),
    "text before the first heading has the empty path": (
        "\nbefore\n\n# A\n",
        [("", 0, 2), ("A", 1, 4)],
    ),
    "a document with no headings is one section": (
        "just text\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n",
        [("", 0, 1)],
    ),
    "an empty document has no sections": ("", []),
    "a blank document has no sections": ("\n\n  \n", []),
}


@pytest.mark.parametrize(("markdown", "expected"), HEADING_CASES.values(), ids=HEADING_CASES.keys())
def test_sections(markdown: str, expected: list[tuple[str, int, int]]) -> None:
    assert outline(markdown) == expected


def test_section_text_is_its_raw_markdown_without_the_heading() -> None:
    markdown = "# A\n\n\nbody **bold**\n\n```\n# code\n```\n\n\n## B\n\nb\n"
    a, b = parse_markdown(markdown)
    assert a.text == "body **bold**\n\n```\n# code\n```"
    assert (b.text, b.title) == ("b", "B")
    assert Section(path="x > y", level=2, line=1, text="", blocks=()).title == "y"


def test_line_numbers_start_at_first_line() -> None:
    sections = parse_markdown("intro\n\n# A\n\ntext\n", first_line=12)
    assert [(s.path, s.line) for s in sections] == [("", 12), ("A", 14)]
    assert [b.line for s in sections for b in s.blocks] == [12, 16]


def test_crlf_line_ends_count_as_one_line() -> None:
    assert outline("# A\r\n\r\n## B\r\n") == [("A", 1, 1), ("A > B", 2, 3)]


# --- blocks ----------------------------------------------------------------------------------

BLOCK_CASES = {
    "paragraph, table, paragraph, code": (
        "前文です。\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n後文です。\n\n```\n# not a heading\n```\n",
        [("text", 1), ("table", 3), ("text", 7), ("code", 9)],
    ),
    "a table interrupts a paragraph": (
        "前文です。\n| a | b |\n| --- | --- |\n| 1 | 2 |\n",
        [("text", 1), ("table", 2)],
    ),
    "a line right below a table is one of its rows (GFM)": (
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n続き\n",
        [("table", 1)],
    ),
    "pipes without a delimiter row are text": (
        "| a | b |\n| 1 | 2 |\n",
        [("text", 1)],
    ),
    "a loose list is one block": ("- one\n\n- two\n\n  more\n\nafter\n", [("text", 1), ("text", 7)]),
    "indented code": ("text\n\n    code\n", [("text", 1), ("code", 3)]),
    "thematic breaks are not blocks": ("a\n\n***\n\nb\n", [("text", 1), ("text", 5)]),
    "block quotes are text": ("> quoted\ncontinued\n", [("text", 1)]),
}


@pytest.mark.parametrize(("markdown", "expected"), BLOCK_CASES.values(), ids=BLOCK_CASES.keys())
def test_blocks(markdown: str, expected: list[tuple[str, int]]) -> None:
    blocks = [b for s in parse_markdown(markdown) for b in s.blocks]
    assert [(b.kind, b.line) for b in blocks] == expected
    lines = markdown.splitlines()
    for block in blocks:
        assert block.text == "\n".join(lines[block.line - 1 : block.line - 1 + len(block.text.splitlines())])


def test_table_block_is_whole_with_its_header() -> None:
    table = "| 区分 | 率 |\n| :--- | ---: |\n| 中小 | 2/3 |\n| 大企業 | 1/2 |"
    (section,) = parse_markdown(f"# 助成率\n\n次のとおり。\n\n{table}\n\n※注記\n")
    assert section.blocks == (
        Block("text", "次のとおり。", 3),
        Block("table", table, 5),
        Block("text", "※注記", 10),
    )


# --- front matter ----------------------------------------------------------------------------

SOURCE = """---
id: demo
title: デモ
---


# 見出し

本文
"""


def test_split_front_matter() -> None:
    source = split_front_matter(SOURCE)
    assert source.front_matter == "id: demo\ntitle: デモ"
    assert source.front_matter_line == 2
    assert source.body == "# 見出し\n\n本文\n"
    assert source.body_line == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [("# 見出し\n", "front matter missing"), ("", "front matter missing"), ("---\nid: x\n", "not closed")],
)
def test_front_matter_errors(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        split_front_matter(text)
    assert message in str(info.value) and info.value.line == 1


def test_front_matter_is_not_part_of_any_section() -> None:
    source = split_front_matter(SOURCE)
    sections = parse_markdown(source.body, first_line=source.body_line)
    assert [(s.path, s.line, s.text) for s in sections] == [("見出し", 7, "本文")]


def test_loaded_source_sections_carry_file_lines(tmp_path: Path) -> None:
    text = """---
id: demo
title: デモ
publisher: デモ発行者
url: https://example.invalid/
published: "2025-04"
retrieved: "2026-11-25"
programmes: []
---


# 見出し

本文

## 小見出し

| 区分 | 率 |
| --- | --- |
| 中小 | 2/3 |
"""
    path = tmp_path / "demo.md"
    path.write_text(text, encoding="utf-8")
    doc = load_source(path)
    file_lines = text.splitlines()
    assert doc.body_line == 12
    assert [(s.path, file_lines[s.line - 1]) for s in doc.sections()] == [
        ("見出し", "# 見出し"),
        ("見出し > 小見出し", "## 小見出し"),
    ]
    assert [(b.kind, file_lines[b.line - 1]) for s in doc.sections() for b in s.blocks] == [
        ("text", "本文"),
        ("table", "| 区分 | 率 |"),
    ]
    assert all("retrieved" not in s.text for s in doc.sections())  # the front matter is no section's


def test_corpus_lines_point_at_headings_and_blocks() -> None:
    """Every section of every source points at its heading line, every block at its first line."""
    for doc in load_knowledge(KNOWLEDGE_DIR).sources.values():
        file_lines = doc.path.read_text(encoding="utf-8").splitlines()
        for section in doc.sections():
            assert section.level > 0, f"{doc.path}:{section.line}: text before the first heading"
            heading = file_lines[section.line - 1]
            assert heading.startswith("#" * section.level + " ") and section.title in heading, heading
            assert f"id: {doc.meta.id}" not in section.text  # the front matter is no section's
            for block in section.blocks:
                assert file_lines[block.line - 1] == block.text.splitlines()[0]

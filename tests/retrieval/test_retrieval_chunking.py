"""Chunking: heading paths, whole tables, sentence splitting, stable ids and hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from retrieval_fakes import ZERO_EMISSION_BODY, write_source

from bot.knowledge.loader import load_source
from bot.knowledge.sections import split_sections
from bot.retrieval.chunking import (
    Block,
    ChunkingConfig,
    chunk_document,
    hash_document,
    pack_blocks,
    parse_blocks,
    split_table,
    split_text,
)

CONFIG = ChunkingConfig(target_chars=500, max_chars=1200)


def table(rows: int, cell: str = "セル") -> str:
    lines = ["| 区分 | 助成率 | 上限 |", "| --- | --- | --- |"]
    lines += [f"| {cell}{i} | 2/3 | {i},000万円 |" for i in range(rows)]
    return "\n".join(lines)


def doc_chunks(tmp_path: Path, body: str, config: ChunkingConfig = CONFIG) -> list:  # type: ignore[type-arg]
    path = write_source(tmp_path / "kb", "doc-a", "文書A", body)
    return chunk_document(load_source(path), config)


def test_chunks_carry_heading_path_and_citation_fields(tmp_path: Path) -> None:
    chunks = doc_chunks(tmp_path, ZERO_EMISSION_BODY)
    rates = next(c for c in chunks if "助成上限額" in c.text)
    assert rates.section == "事業概要 > 助成額等"
    assert (rates.source_id, rates.title, rates.url) == ("doc-a", "文書A", "https://example.test/doc-a")
    assert rates.chunk_id == "doc-a#事業概要 > 助成額等#0"
    assert rates.search_text.startswith("文書A > 事業概要 > 助成額等\n")
    assert not rates.text.startswith("文書A")  # the shown passage is the passage itself


AGREEMENT_BODIES = {
    "corpus-like document": ZERO_EMISSION_BODY,
    "heading inside a backtick fence": "# 手順\n\n```\n# 見出しではない\n```\n\n## 次\n\n本文\n",
    "heading inside a tilde fence": "# 手順\n\n~~~\n## 見出しではない\n~~~\n",
    # The old chunker closed a ```` fence at a ``` line; the old section splitter did not.
    "shorter fence inside a longer one": "# 例\n\n````\n```\n# 見出しではない\n```\n````\n\n# 後\n\n本文\n",
    "setext headings": "文書\n====\n\n前文\n\n概要\n----\n\n本文\n",
    "no headings": "見出しのない文書です。\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n",
}


@pytest.mark.parametrize("body", AGREEMENT_BODIES.values(), ids=AGREEMENT_BODIES.keys())
def test_chunk_sections_are_the_citation_sections(tmp_path: Path, body: str) -> None:
    """Chunks and citations read the same sections: no heading inside code for either."""
    chunks = doc_chunks(tmp_path, body)
    paths = {path for path, text in split_sections(body) if text.strip()}
    assert {c.section for c in chunks} == paths
    assert not any("見出しではない" in c.section for c in chunks)
    assert "".join(c.text for c in chunks).count("見出しではない") == body.count("見出しではない")


def test_table_is_kept_whole_with_its_note(tmp_path: Path) -> None:
    chunks = doc_chunks(tmp_path, ZERO_EMISSION_BODY)
    with_table = [c for c in chunks if "| 申請区分 |" in c.text]
    assert len(with_table) == 1
    text = with_table[0].text
    for fragment in ("3/4 | 4,500万円", "2/3 | 2,500万円", "2/3 | 1,000万円", "※交付申請後に申請区分"):
        assert fragment in text


def test_long_table_is_split_by_rows_repeating_the_header() -> None:
    big = table(80)
    pieces = split_table(big, max_chars=1200, target_chars=500)
    assert len(pieces) > 1
    header = big.splitlines()[:2]
    rows_seen: list[str] = []
    for piece in pieces:
        lines = piece.splitlines()
        assert lines[:2] == header
        rows_seen += lines[2:]
        assert len(piece) <= 500 or len(lines) == 3
    assert rows_seen == big.splitlines()[2:]  # every row once, in order, none cut


def test_table_within_max_is_never_split() -> None:
    medium = table(25)
    assert 500 < len(medium) <= 1200
    assert split_table(medium, max_chars=1200, target_chars=500) == [medium]


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentence = "助成対象経費は設計費、設備費及び工事費とし、その他の経費は対象外とします。"
    paragraph = sentence * 30
    pieces = split_text(paragraph, 200)
    assert "".join(pieces) == paragraph
    assert all(len(p) <= 200 and p.endswith("。") for p in pieces)


def test_sentence_longer_than_target_is_cut_hard() -> None:
    pieces = split_text("あ" * 450, 200)
    assert [len(p) for p in pieces] == [200, 200, 50]


def test_short_paragraphs_are_packed_up_to_target() -> None:
    blocks = [Block("text", f"段落{i}。" + "説明" * 73) for i in range(6)]  # 150 characters each
    packed = pack_blocks(blocks, CONFIG)
    assert [len(p) for p in packed] == [454, 454]
    assert "\n\n".join(packed) == "\n\n".join(b.text for b in blocks)


def test_short_tail_joins_the_previous_chunk() -> None:
    blocks = [Block("text", "説明" * 240), Block("text", "以上です。")]
    assert pack_blocks(blocks, CONFIG) == ["説明" * 240 + "\n\n以上です。"]


def test_short_lead_in_stays_with_its_table() -> None:
    blocks = [Block("text", "助成率及び助成上限額は次のとおりです。"), Block("table", table(20))]
    packed = pack_blocks(blocks, CONFIG)
    assert len(packed) == 1 and packed[0].startswith("助成率及び")


BLOCK_KINDS = {
    "text, table, text, code": (
        "前文です。\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n後文です。\n\n```\n# not a heading\n```",
        ["text", "table", "text", "code"],
    ),
    # GFM: a table runs to the first blank line, so a line right below it is a row.
    "a line below a table is a row": ("| a | b |\n| --- | --- |\n| 1 | 2 |\n後文です。", ["table"]),
    "a shorter fence does not close a longer one": ("````\n```\n# x\n```\n````\n後文", ["code", "text"]),
}


@pytest.mark.parametrize(("text", "kinds"), BLOCK_KINDS.values(), ids=BLOCK_KINDS.keys())
def test_blocks_separate_tables_text_and_code(text: str, kinds: list[str]) -> None:
    assert [b.kind for b in parse_blocks(text)] == kinds


def test_long_table_stays_in_its_section_with_its_header_in_every_chunk(tmp_path: Path) -> None:
    big = table(80)
    assert len(big) > CONFIG.max_chars
    body = f"# 事業\n\n概要です。\n\n## 助成率\n\n次のとおり。\n\n{big}\n\n## 申請\n\n申請方法です。\n"
    chunks = doc_chunks(tmp_path, body)
    with_rows = [c for c in chunks if "| セル" in c.text]
    assert len(with_rows) > 1
    assert {c.section for c in with_rows} == {"事業 > 助成率"}
    header = big.splitlines()[:2]
    rows: list[str] = []
    for chunk in with_rows:
        lines = chunk.text.splitlines()
        start = lines.index(header[0])
        assert lines[start : start + 2] == header
        rows += lines[start + 2 :]
    assert rows == big.splitlines()[2:]  # every row once, in order, none cut


def test_chunk_ids_are_stable_when_another_section_changes(tmp_path: Path) -> None:
    before = {c.chunk_id: c.text for c in doc_chunks(tmp_path, ZERO_EMISSION_BODY)}
    changed = ZERO_EMISSION_BODY.replace("第5回申請", "第6回申請")
    after = {c.chunk_id: c.text for c in doc_chunks(tmp_path / "b", changed)}
    assert before.keys() == after.keys()
    assert [k for k in before if before[k] != after[k]] == ["doc-a#受付期間#0"]


def test_content_hash_follows_the_document(tmp_path: Path) -> None:
    first = load_source(write_source(tmp_path / "a", "doc-a", "文書A", ZERO_EMISSION_BODY))
    same = load_source(write_source(tmp_path / "b", "doc-a", "文書A", ZERO_EMISSION_BODY))
    other = load_source(write_source(tmp_path / "c", "doc-a", "文書A", ZERO_EMISSION_BODY + "\n追記。\n"))
    assert hash_document(first) == hash_document(same) != hash_document(other)
    assert len(hash_document(first)) == 64


paragraphs = st.text(alphabet="あいうえお助成金。、", min_size=1, max_size=700).map(lambda s: s.strip("\n"))


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(
        st.one_of(paragraphs.filter(str.strip), st.integers(1, 60).map(table)), min_size=1, max_size=8
    )
)
def test_property_tables_whole_and_no_text_lost(parts: list[str]) -> None:
    blocks = [Block("table" if p.startswith("|") else "text", p) for p in parts]
    chunks = pack_blocks(blocks, CONFIG)
    header = table(0)
    joined = "".join(chunks).replace(header, "").replace("\n", "")
    assert joined == "".join(parts).replace(header, "").replace("\n", "")
    for part in parts:
        if part.startswith("|") and len(part) <= CONFIG.max_chars:
            assert any(part in chunk for chunk in chunks)  # a table that fits is never split
    for chunk in chunks:
        lines = chunk.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("| セル"):
                start = index
                while start > 0 and lines[start - 1].startswith("|"):
                    start -= 1
                assert lines[start].startswith("| 区分")  # every row sits under its header


CRITERIA_BODY = """\
# 4. 採択基準

環境省及び審査委員会は、以下に掲げる基準により審査を行い、補助事業者を選定します。

## (1) 地域興し事業

- ア 事業の実現可能性が高いもの。

# 5. 留意事項

{long_lead}

## (1) 既助成事業の応募の禁止

- 他の補助金を受けている事業は応募できません。
""".format(long_lead="長い前文です。" * 40)


def test_context_holds_programme_names_and_short_parent_text(tmp_path: Path) -> None:
    path = write_source(tmp_path / "kb", "doc-a", "文書A", CRITERIA_BODY)
    chunks = chunk_document(load_source(path), CONFIG, ["地域興し支援事業", "J-VER創出支援", "J-VER創出支援"])
    child = next(c for c in chunks if c.section == "4. 採択基準 > (1) 地域興し事業")
    assert child.context.splitlines() == [
        "地域興し支援事業、J-VER創出支援",  # names once each, in order
        "環境省及び審査委員会は、以下に掲げる基準により審査を行い、補助事業者を選定します。",
    ]
    assert child.lexical_text == f"{child.search_text.splitlines()[0]}\n{child.context}\n{child.text}"
    assert "審査" not in child.text and "審査" not in child.search_text  # shown and embedded text unchanged
    parent = next(c for c in chunks if c.section == "4. 採択基準")
    assert parent.context == "地域興し支援事業、J-VER創出支援"  # a section is not its own parent
    long_parent_child = next(c for c in chunks if c.section.endswith("既助成事業の応募の禁止"))
    assert "長い前文" not in long_parent_child.context  # a long parent body is left out


def test_chunk_without_context_searches_its_plain_text(tmp_path: Path) -> None:
    chunk = doc_chunks(tmp_path, ZERO_EMISSION_BODY)[0]
    assert chunk.context == "" and chunk.lexical_text == chunk.search_text

"""The corpus documents in knowledge/sources: they load, their structure is clean Markdown,
their front matter names the right publisher and URL, and the section splitter and the
loader's front-matter errors behave."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge.loader import KnowledgeBase, SourceDoc, load_knowledge, load_source
from bot.knowledge.sections import quote_in_section, section_texts, split_sections

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

PROGRAMME_SOURCES = {
    "tokyo-carbon-credit-promotion",
    "tokyo-zero-emission-energy-saving",
    "tokyo-saf-air-cargo",
    "moe-jver-credit-creation-2010",
    "meti-cn-action-plan",
}
SOURCE_IDS = PROGRAMME_SOURCES | {"sme-basic-act-article2"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


def _doc(kb: KnowledgeBase, doc_id: str) -> SourceDoc:
    return kb.sources[doc_id]


def _section(kb: KnowledgeBase, doc_id: str, path: str) -> str:
    texts = section_texts(_doc(kb, doc_id).body).get(path)
    assert texts, f"{doc_id}: no section {path!r}"
    assert len(texts) == 1
    return texts[0]


# --- loading and front matter --------------------------------------------------------------


def test_every_source_loads_with_its_canonical_id(kb: KnowledgeBase) -> None:
    assert set(kb.sources) == SOURCE_IDS
    for doc_id, doc in kb.sources.items():
        assert doc.path.stem == doc_id
        assert doc.meta.retrieved == "2026-11-25"
        assert doc.body.strip()


def test_each_source_loads_on_its_own() -> None:
    for path in sorted((KNOWLEDGE_DIR / "sources").glob("*.md")):
        assert load_source(path).meta.id == path.stem


@pytest.mark.parametrize(
    ("doc_id", "publisher", "url", "published"),
    [
        (
            "tokyo-carbon-credit-promotion",
            "東京都 産業労働局",
            "https://www.tokyo-co2down.jp/subsidy/creditoffset_pr",
            "2025-04",
        ),
        (
            "tokyo-zero-emission-energy-saving",
            "クール・ネット東京（公益財団法人東京都環境公社）",
            "https://www.tokyo-co2down.jp/",
            "2025-12-26",
        ),
        ("tokyo-saf-air-cargo", None, "https://www.tokyo-co2down.jp/subsidy/scope3", "2025"),
        ("moe-jver-credit-creation-2010", "環境省 市場メカニズム室", "https://www.env.go.jp/", "2010-04"),
        (
            "meti-cn-action-plan",
            "経済産業省",
            "https://mm-enquete-cnt.meti.go.jp/form/pub/kankyokeizai/cnactionplan",
            "2025-12",
        ),
        (
            "sme-basic-act-article2",
            "e-Gov法令検索（デジタル庁）",
            "https://laws.e-gov.go.jp/law/338AC0000000154",
            "1963-07-20",
        ),
    ],
)
def test_front_matter(
    kb: KnowledgeBase, doc_id: str, publisher: str | None, url: str, published: str
) -> None:
    meta = _doc(kb, doc_id).meta
    if publisher is not None:
        assert meta.publisher == publisher
    assert meta.url == url
    assert meta.published == published


def test_saf_source_is_marked_as_a_third_party_summary(kb: KnowledgeBase) -> None:
    meta = _doc(kb, "tokyo-saf-air-cargo").meta
    assert "第三者" in meta.publisher
    assert "クール・ネット東京" in meta.publisher


def test_programme_documents_name_their_programme(kb: KnowledgeBase) -> None:
    for doc_id in PROGRAMME_SOURCES:
        assert _doc(kb, doc_id).meta.programmes == [doc_id]
    assert _doc(kb, "sme-basic-act-article2").meta.programmes == []


# --- Markdown structure ----------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", sorted(SOURCE_IDS))
def test_every_passage_sits_under_a_heading(kb: KnowledgeBase, doc_id: str) -> None:
    sections = split_sections(_doc(kb, doc_id).body)
    assert sections, doc_id
    assert sections[0][0] != "", f"{doc_id}: text before the first heading"
    assert all(path for path, _ in sections)


@pytest.mark.parametrize("doc_id", sorted(SOURCE_IDS))
def test_heading_paths_are_unique(kb: KnowledgeBase, doc_id: str) -> None:
    paths = [path for path, _ in split_sections(_doc(kb, doc_id).body)]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    assert not duplicates, f"{doc_id}: ambiguous sections {duplicates}"


@pytest.mark.parametrize("doc_id", sorted(SOURCE_IDS))
def test_no_html_tags_left(kb: KnowledgeBase, doc_id: str) -> None:
    tags = re.findall(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^>]*)?/?>", _doc(kb, doc_id).body)
    assert not tags, f"{doc_id}: HTML left in the Markdown: {tags[:5]}"


@pytest.mark.parametrize("doc_id", sorted(SOURCE_IDS))
def test_no_tab_separated_tables_left(kb: KnowledgeBase, doc_id: str) -> None:
    assert "\t" not in _doc(kb, doc_id).body


def _tables(body: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*body.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _cells(row: str) -> list[str]:
    assert row.startswith("|") and row.endswith("|"), row
    return [cell.strip() for cell in row[1:-1].split("|")]


@pytest.mark.parametrize("doc_id", sorted(SOURCE_IDS))
def test_tables_have_a_header_row_and_consistent_columns(kb: KnowledgeBase, doc_id: str) -> None:
    for table in _tables(_doc(kb, doc_id).body):
        assert len(table) >= 2, table
        header = _cells(table[0])
        assert all(header), f"{doc_id}: empty header cell in {table[0]}"
        assert all(re.fullmatch(r":?-{3,}:?", cell) for cell in _cells(table[1])), table[1]
        for row in table:
            assert len(_cells(row)) == len(header), f"{doc_id}: {row}"


def test_zero_emission_headings(kb: KnowledgeBase) -> None:
    paths = {path for path, _ in split_sections(_doc(kb, "tokyo-zero-emission-energy-saving").body)}
    for expected in [
        "事業概要 > 助成額等",
        "事業概要 > 受付期間",
        "事業概要 > 令和7年度交付申請 工事完了届の最終提出期限",
        "事業概要 > 助成対象者",
        "事業概要 > 助成対象経費",
        "事業概要 > 主な要件",
        "事業概要 > 事業実施年度",
        "受付方法",
        "お問い合わせ",
    ]:
        assert expected in paths


def test_zero_emission_rate_table(kb: KnowledgeBase) -> None:
    text = _section(kb, "tokyo-zero-emission-energy-saving", "事業概要 > 助成額等")
    (table,) = _tables(text)
    assert _cells(table[0]) == ["申請区分", "助成率", "助成上限額"]
    rows = [_cells(row) for row in table[2:]]
    assert [row[1:] for row in rows] == [["3/4", "4,500万円"], ["2/3", "2,500万円"], ["2/3", "1,000万円"]]
    assert "28t- CO2以上削減可能" in rows[0][0]


def test_zero_emission_rounds_and_completion_deadlines(kb: KnowledgeBase) -> None:
    rounds = _section(kb, "tokyo-zero-emission-energy-saving", "事業概要 > 受付期間")
    assert len(_tables(rounds)[0]) == 2 + 5
    assert "(受付開始日9時から最終日17時まで(必着))" in rounds
    assert "先着順ではありません" in rounds
    deadlines = _section(
        kb, "tokyo-zero-emission-energy-saving", "事業概要 > 令和7年度交付申請 工事完了届の最終提出期限"
    )
    (table,) = _tables(deadlines)
    assert _cells(table[0])[-1] == "工事完了届最終提出期限"
    assert [_cells(row)[-1] for row in table[2:]] == [
        "令和8年9月30日(水)",
        "令和8年10月30日(金)",
        "令和8年10月30日(金)",
        "令和8年11月30日(月)",
        "令和8年11月30日(月)",
    ]


def test_carbon_credit_rate_table(kb: KnowledgeBase) -> None:
    text = _section(kb, "tokyo-carbon-credit-promotion", "事業概要 > 対象経費")
    (table,) = _tables(text)
    assert _cells(table[0]) == ["対象事業者", "助成対象経費", "助成率", "助成上限額"]
    assert [(_cells(r)[0], *_cells(r)[2:]) for r in table[2:]] == [
        ("中小企業", "3分の2", "200万円"),
        ("中小企業以外", "2分の1", "100万円"),
    ]


def test_saf_labelled_fields_are_headings(kb: KnowledgeBase) -> None:
    paths = {path for path, _ in split_sections(_doc(kb, "tokyo-saf-air-cargo").body)}
    fields = ["申請", "補助対象期間", "対象者", "補助率", "限度額", "補助対象経費"]
    fields += ["対象外経費(例)", "事務局"]
    for expected in fields:
        assert expected in paths


def test_jver_positive_list_and_worksheet(kb: KnowledgeBase) -> None:
    positive = _section(kb, "moe-jver-credit-creation-2010", "別紙 1")
    (table,) = _tables(positive)
    assert len(table) == 2 + 9
    assert _cells(table[2]) == ["E001 (JEAM001)", "化石燃料から木質バイオマスへのボイラー燃料代替"]
    worksheet = _section(kb, "moe-jver-credit-creation-2010", "様式 2 > 経費内訳")
    labels = [_cells(row)[0] for row in _tables(worksheet)[0][2:]]
    assert labels == [
        "(1) 総事業費",
        "(2) 寄付金その他の収入",
        "(3) 差引額 (1) - (2)",
        "(4) 補助対象経費支出予定額",
        "(5) 国庫補助基本額 (3)と(4)を比較して少ない方の額",
        "(6) 補助金所要額 (5) × 1/3",
    ]


def test_sme_act_text_and_summary_table(kb: KnowledgeBase) -> None:
    law = "中小企業基本法（昭和三十八年法律第百五十四号）"
    article = _section(kb, "sme-basic-act-article2", f"{law} > 第二条第一項")
    assert (
        "資本金の額又は出資の総額が三億円以下の会社並びに常時使用する従業員の数が三百人以下の会社及び個人"
        in article
    )
    for amount in ["一億円以下", "五千万円以下", "百人以下", "五十人以下"]:
        assert amount in article
    summary = _section(kb, "sme-basic-act-article2", f"{law} > 中小企業者の範囲（早見表）")
    (table,) = _tables(summary)
    assert _cells(table[0]) == ["業種", "資本金の額又は出資の総額", "常時使用する従業員の数"]
    assert [_cells(row)[1:] for row in table[2:]] == [
        ["3億円以下", "300人以下"],
        ["1億円以下", "100人以下"],
        ["5,000万円以下", "100人以下"],
        ["5,000万円以下", "50人以下"],
    ]


# --- split_sections ------------------------------------------------------------------------


def test_split_sections_builds_heading_paths() -> None:
    markdown = "# A\n\nintro\n\n## B\n\nb text\n\n### C\n\nc text\n\n## D\n\n#### E ##\ne text\n\n# F\n"
    assert split_sections(markdown) == [
        ("A", "intro"),
        ("A > B", "b text"),
        ("A > B > C", "c text"),
        ("A > D", ""),
        ("A > D > E", "e text"),
        ("F", ""),
    ]


def test_split_sections_keeps_preamble_and_ignores_fenced_headings() -> None:
    markdown = "before\n\n# A\n```\n# not a heading\n```\nafter\n#no-space is text\n"
    assert split_sections(markdown) == [
        ("", "before"),
        ("A", "```\n# not a heading\n```\nafter\n#no-space is text"),
    ]


def test_split_sections_of_text_without_headings() -> None:
    assert split_sections("") == []
    assert split_sections("just text\n") == [("", "just text")]


def test_quote_in_section() -> None:
    markdown = "# 事業名\n\n本文A\n\n## 詳細\n\n| 区分 | 率 |\n| --- | --- |\n| 中小 | 2/3 |\n"
    assert quote_in_section(markdown, "事業名 > 詳細", "| 中小 | 2/3 |")
    assert quote_in_section(markdown, "事業名", "事業名")  # the heading title belongs to its section
    assert quote_in_section(markdown, "事業名", "本文A")
    assert not quote_in_section(markdown, "事業名", "2/3")  # sub-section text does not
    assert not quote_in_section(markdown, "事業名 > 概要", "本文A")
    assert not quote_in_section(markdown, "事業名", "")


# --- bad input -----------------------------------------------------------------------------

GOOD_FRONT_MATTER = """---
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
"""


def test_a_good_source_loads(tmp_path: Path) -> None:
    path = tmp_path / "demo.md"
    path.write_text(GOOD_FRONT_MATTER, encoding="utf-8")
    doc = load_source(path)
    assert doc.meta.title == "デモ"
    assert split_sections(doc.body) == [("見出し", "本文")]


def _source_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "demo.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_source(path)
    return info.value.message_en


def test_missing_front_matter_field_names_file_and_field(tmp_path: Path) -> None:
    message = _source_error(tmp_path, GOOD_FRONT_MATTER.replace("publisher: デモ発行者\n", ""))
    assert message.startswith(f"{tmp_path / 'demo.md'}:")
    assert "publisher" in message


def test_wrong_front_matter_type_names_file_line_and_field(tmp_path: Path) -> None:
    message = _source_error(tmp_path, GOOD_FRONT_MATTER.replace('published: "2025-04"', "published: 2025"))
    assert message.startswith(f"{tmp_path / 'demo.md'}:6: published:")


def test_unclosed_front_matter(tmp_path: Path) -> None:
    message = _source_error(tmp_path, GOOD_FRONT_MATTER.replace("---\n\n# 見出し", "\n# 見出し"))
    assert message.startswith(f"{tmp_path / 'demo.md'}:1:")
    assert "not closed" in message


def test_missing_front_matter(tmp_path: Path) -> None:
    message = _source_error(tmp_path, "# 見出し\n\n本文\n")
    assert "front matter missing" in message


def test_front_matter_id_must_match_file_name(tmp_path: Path) -> None:
    message = _source_error(tmp_path, GOOD_FRONT_MATTER.replace("id: demo", "id: other"))
    assert message.startswith(f"{tmp_path / 'demo.md'}:2:")
    assert "other" in message

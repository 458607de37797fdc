"""SudachiPy tokens, the synonym table and BM25 ranking."""

from __future__ import annotations

import pytest

from bot.retrieval.lexical import JapaneseTokenizer, LexicalIndex
from bot.retrieval.synonyms import SYNONYM_GROUPS, era_terms, expand_query, find_groups


@pytest.fixture(scope="module")
def tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer("C+A")


def test_tokens_skip_particles_and_symbols(tokenizer: JapaneseTokenizer) -> None:
    tokens = tokenizer.tokenize("東京都の省エネ設備の助成上限額は？")
    assert "の" not in tokens and "は" not in tokens and "?" not in tokens
    assert {"東京都", "東京", "省エネ", "設備", "助成", "上限額", "上限"} <= set(tokens)


def test_mode_c_keeps_compounds_whole() -> None:
    tokens = JapaneseTokenizer("C").tokenize("東京都の中小企業")
    assert "東京都" in tokens and "東京" not in tokens and "中小企業" in tokens


def test_normalized_form_merges_width_variants(tokenizer: JapaneseTokenizer) -> None:
    assert "CO2" in tokenizer.tokenize("ＣＯ２削減")


def test_very_long_text_is_tokenised_in_slices(tokenizer: JapaneseTokenizer) -> None:
    assert len(tokenizer.tokenize("省エネ設備。" * 20000)) >= 40000


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError):
        JapaneseTokenizer("D")


def test_synonym_groups_cover_the_domain_terms() -> None:
    terms = {term for group in SYNONYM_GROUPS for term in group}
    for term in (
        "補助金",
        "助成金",
        "補助率",
        "助成率",
        "上限額",
        "限度額",
        "助成上限額",
        "中小企業",
        "SME",
        "締切",
        "受付期間",
        "いつまで",
        "対象経費",
        "補助対象経費",
        "ゼロエミ",
        "GHG",
        "CO2",
    ):
        assert term in terms


def test_expansion_adds_synonyms_of_mentioned_terms() -> None:
    extra = expand_query("補助金の締切はいつまで？")
    assert "助成金" in extra and "受付期間" in extra and "申請期間" in extra
    assert "補助金" not in extra  # the query's own words are not repeated


def test_longest_match_wins_and_consumes_its_span() -> None:
    groups = [SYNONYM_GROUPS[i] for i in find_groups("補助対象経費の範囲")]
    assert groups == [g for g in SYNONYM_GROUPS if "対象経費" in g]


def test_width_and_case_variants_match() -> None:
    assert "温室効果ガス" in expand_query("ｇｈｇ排出量")


@pytest.fixture(scope="module")
def lexical(tokenizer: JapaneseTokenizer) -> LexicalIndex:
    texts = [
        "助成金の助成上限額は4,500万円です。",
        "太陽光発電設備の補助率は3分の1です。",
        "申請の受付期間は令和8年1月30日までです。",
    ]
    return LexicalIndex(tokenizer, [tokenizer.tokenize(t) for t in texts])


def test_bm25_uses_synonyms_for_wording_the_documents_do_not_use(lexical: LexicalIndex) -> None:
    assert lexical.search("補助金の限度額", 3)[0][0] == 0
    assert lexical.search("締切はいつ", 3)[0][0] == 2


def test_own_words_outweigh_expansions(lexical: LexicalIndex) -> None:
    own, extra = lexical.query_tokens("補助率")
    assert own == ["補助", "率"] and extra == ["助成"]  # 助成率 → 助成 + 率 (already own)
    assert lexical.search("補助率", 3)[0][0] == 1


def test_no_match_gives_no_hits(lexical: LexicalIndex, tokenizer: JapaneseTokenizer) -> None:
    assert lexical.search("ペンギン", 3) == []
    assert LexicalIndex(tokenizer, []).search("助成", 3) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("独法でも応募できる？", {"独立行政法人", "申請"}),
        ("市町村は対象？", {"地方公共団体", "自治体"}),
        ("書類の宛て先はどこ", {"提出先", "送付先"}),
        ("フォワーダーです", {"貨物代理店"}),
        ("荷主の要件", {"支援対象者"}),
        ("コンサル料は出る？", {"コンサルティング"}),
        ("排出量を計算する費用", {"算定", "経費"}),
        ("店舗が3か所", {"事業所"}),
        ("申し込めますか", {"申請", "応募"}),
    ],
)
def test_domain_vocabulary_groups(query: str, expected: set[str]) -> None:
    assert expected <= set(expand_query(query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("去年(R6)も使った", ["令和6年度", "2024年度"]),
        ("Ｒ５年度に申請済み", ["令和5年度", "2023年度"]),
        ("H22年度の公募", ["平成22年度", "2010年度"]),
        ("令和７年度の募集", ["2025年度"]),
        ("令和元年度から", ["令和1年度", "2019年度"]),
        ("2024年度に利用", ["令和6年度"]),
        ("H2ステーションの補助", []),  # hydrogen, not 平成2年
        ("R32冷媒のエアコン", []),  # a refrigerant, not 令和32年
        ("R410Aの機器", []),
        ("CO2を30%削減", []),
    ],
)
def test_era_terms_spell_fiscal_years_both_ways(query: str, expected: list[str]) -> None:
    assert era_terms(query) == expected


def test_era_terms_are_part_of_the_expansion() -> None:
    assert {"令和6年度", "2024年度"} <= set(expand_query("R6の補助金"))

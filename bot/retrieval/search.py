"""The retriever: dense, BM25 or hybrid (weighted reciprocal-rank fusion) search over chunks.

Weighted RRF: ``score(d) = Σ_r w_r / (k + rank_r(d))`` over the dense and BM25 rankings (top
``candidates`` of each; a ranking that misses ``d`` adds nothing). Plain RRF (equal weights)
can rank worse than dense alone, so the weights are settings tuned on eval/retrieval.yaml
(95 questions; recall@1 / recall@5 / MRR@10):

=================================================  =================  =================  =================
variant                                             bm25               dense              hybrid
=================================================  =================  =================  =================
plain RRF (k=60, 1 : 1), heading path in the text   0.695/0.895/0.778  0.568/0.884/0.699  0.705/0.937/0.802
weighted RRF (k=5, dense 0.5 : BM25 1.0) — before   0.695/0.895/0.778  0.568/0.884/0.699  0.779/0.916/0.843
+ programme aliases, short parent bodies (BM25)     0.695/0.947/0.798  0.568/0.884/0.699  0.800/0.947/0.868
+ domain synonym groups (synonyms.py)               0.705/0.958/0.814  0.568/0.884/0.699  0.821/0.958/0.886
+ fiscal years R6 ⇄ 令和6年度 ⇄ 2024年度 (now)      0.716/0.958/0.822  0.568/0.884/0.699  0.832/0.968/0.895
=================================================  =================  =================  =================

Against the first weighted-RRF row, 13 questions rank their gold passage higher in hybrid
mode and 1 lower (zem-motion-sensor, 1 → 2). Tried and not kept (each against the row it
was measured on):

* a **programme prior** — programmes detected in the query from their names, aliases and the
  acronyms/katakana runs of those that are distinctive in the corpus (Latin acronyms and short katakana names;
  39 of the 95 questions name one, 1 wrongly) — as a third RRF ranking or a constant boost of
  that document's chunks (weights 0.1–1.0), on the aliases row (0.800/0.947/0.868): unchanged
  at 0.1, 0.789/0.947/0.862 to 0.789/0.937/0.859 above; on the row before it, −1/+1 question.
  Almost every remaining error is *within* the right document, and the aliases in the BM25
  text already give the document-level signal;
* a **section-title field** (BM25 over the heading path, with or without aliases) as a third
  RRF ranking at weight 0.1 / 0.2 / 0.3, on the synonyms row (0.821/0.958/0.886):
  0.811/0.958/0.881, 0.811/0.968/0.881, 0.832/0.968/0.893 — 1–6 questions each way, noise;
* **dense text** variants (dense alone vs 0.568/0.884/0.699): without the title 0.495/0.853/0.625,
  last heading only 0.463/0.779/0.601, passage only 0.474/0.737/0.594, with parent bodies
  0.568/0.842/0.677, with aliases 0.600/0.832/0.696, programme name instead of the title
  0.526/0.842/0.662; two vectors per chunk (plain + parent bodies, max) 0.579/0.874/0.703 and
  hybrid +2/−0 questions — not worth a second embedding pass per build;
* **dense query** = query + its synonym expansion (synonyms row): dense 0.526/0.842/0.664, hybrid
  0.758/0.968/0.848 (one query embedding is kept: it is most of a search's time);
* **score fusion** (z-score or min-max normalised scores, dense share 0.2–0.5) instead of RRF
  (synonyms row): recall@5 up to 0.989 but MRR 0.852–0.872 — RRF ranks the top better;
* re-tuning after the changes: k ∈ {2, 3, 5, 8, 10, 20, 60} × dense weight ∈ {0.4 … 1.0},
  candidates ∈ {10, 20, 30, 50, 100}, expansion weight ∈ {0.2 … 0.5}, Sudachi mode B / C+A:
  nothing beat k=5, dense 0.5, 50 candidates, 0.3, mode A (MRR 0.895); the ties (k=8/10,
  expansion 0.4/0.5) move 3–5 questions around, so the settings stay.

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

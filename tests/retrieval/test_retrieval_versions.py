"""Kept index versions: listing them and rolling back only to a version a server can load."""

from __future__ import annotations

import json

import pytest
from retrieval_fakes import HashEmbedder

from bot.config import Settings
from bot.knowledge.loader import KnowledgeBase
from bot.retrieval import layout
from bot.retrieval.index import build_index
from bot.retrieval.versions import RollbackError, list_index_versions, roll_back


def test_versions_are_listed_oldest_first_with_the_live_one_marked(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    first = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version
    second = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version
    infos = list_index_versions(fixture_settings)
    assert [first, second] == [i.version for i in infos]  # build order
    assert {i.version for i in infos if i.current} == {second}
    assert all(i.documents == 3 and i.built_at and i.problem is None for i in infos)


def test_rollback_refuses_a_version_a_server_could_not_load(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    old = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version
    live = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version
    manifest_path = layout.versions_dir(fixture_settings.index_dir) / old / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data.pop("knowledge")  # as built before knowledge snapshots
    manifest_path.write_text(json.dumps(data), encoding="utf-8")

    [listed] = [i for i in list_index_versions(fixture_settings) if i.version == old]
    assert listed.problem is not None and "snapshot" in listed.problem
    with pytest.raises(RollbackError, match="no knowledge snapshot"):
        roll_back(fixture_settings, old, embedder=HashEmbedder())
    assert layout.read_current(fixture_settings.index_dir) == live
    with pytest.raises(RollbackError, match="already the live version"):
        roll_back(fixture_settings, live, embedder=HashEmbedder())


def test_rollback_points_current_at_the_newest_other_version(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    old = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder()).version
    build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    assert roll_back(fixture_settings, embedder=HashEmbedder()) == old
    assert layout.read_current(fixture_settings.index_dir) == old

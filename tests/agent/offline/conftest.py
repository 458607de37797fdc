"""Fixtures for the offline engine tests: real Deps over a real index, built once per session.

The index is a copy of the repository's ``.advisor/index`` when there is one (``build_index``
then reuses its vectors and only re-embeds changed documents), else built from scratch in a
session temp dir; the repository's own index is never written to.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.deps import Deps, build_deps
from bot.retrieval.index import build_index

from .support import AS_OF, Dialogue

REPO_INDEX = PROJECT_ROOT / ".advisor" / "index"


@pytest.fixture(scope="session")
def offline_deps(tmp_path_factory: pytest.TempPathFactory) -> Deps:
    data_dir: Path = tmp_path_factory.mktemp("offline-engine") / "data"
    if (REPO_INDEX / "CURRENT").is_file():
        shutil.copytree(REPO_INDEX, data_dir / "index")
    deps = build_deps(load_settings(data_dir=data_dir))
    build_index(deps.settings, deps.source_knowledge, embedder=deps.embedder)
    return deps


@pytest.fixture
def dialogue(offline_deps: Deps) -> Callable[..., Dialogue]:
    def make(as_of: dt.date = AS_OF) -> Dialogue:
        return Dialogue(offline_deps, as_of)

    return make

"""Fixtures for the LLM agent tests: real Deps over a real index, built once per session.

The index is a copy of the repository's ``.advisor/index`` when there is one (``build_index``
then reuses its vectors and only re-embeds changed documents), else built from scratch in a
session temp dir. The repository's own index is never written to.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.agent.toolkit import Toolkit
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.deps import Deps, build_deps
from bot.retrieval.index import build_index

from .support import AS_OF

REPO_INDEX = PROJECT_ROOT / ".advisor" / "index"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("llm-agent") / "data"
    if (REPO_INDEX / "CURRENT").is_file():
        shutil.copytree(REPO_INDEX, root / "index")
    return root


@pytest.fixture(scope="session")
def deps(data_dir: Path) -> Deps:
    """Knowledge, embedder and an up-to-date index over knowledge/ (LLM settings left unset)."""
    built = build_deps(load_settings(data_dir=data_dir, llm=None))
    build_index(built.settings, built.source_knowledge, embedder=built.embedder)
    return built


@pytest.fixture
def make_settings(data_dir: Path) -> Callable[..., Settings]:
    """Settings over the shared index, with explicit overrides (e.g. llm_max_tool_rounds=2)."""

    def make(**overrides: Any) -> Settings:
        return load_settings(data_dir=data_dir, **{"llm": None, **overrides})

    return make


@pytest.fixture
def toolkit(deps: Deps) -> Toolkit:
    """A fresh per-turn toolkit (it records the turn's calls and citations)."""
    return Toolkit(deps, AS_OF)

"""Fixtures for the web API tests: real apps over real dependencies.

Each test gets its own data dir (a copy of the session's index from ``tests/conftest.py`` and an
empty SQLite store) and its own app, built by ``make_client(**settings)`` so a test can set tiny
rate limits, a small body cap or CORS origins. The knowledge base and the embedder are loaded
once per session and shared (both are read-only).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels.web import create_app
from bot.config import Settings, load_settings
from bot.deps import Deps
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Embedder, build_embedder

AS_OF = "2026-01-20"  # the fifth round of the zero-emission programme is open on this day
ZERO = "tokyo-zero-emission-energy-saving"
GRANT_QUESTION = "ゼロエミの省エネ助成、経費1,200万円で自社計画・CO2削減5トンならいくら？"

ClientFactory = Callable[..., TestClient]


def web_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Offline settings with generous limits unless a test says otherwise."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "llm": None,
        "rate_limit_per_ip": 10_000,
        "rate_limit_per_session": 10_000,
        "allowed_origins": [],
        "log_bodies": False,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return load_settings(**values)


def deps_of(client: TestClient) -> Deps:
    app = client.app
    assert isinstance(app, FastAPI)
    deps: Deps = app.state.web.deps
    return deps


@pytest.fixture(scope="session")
def web_knowledge() -> KnowledgeBase:
    return load_knowledge(load_settings().knowledge_dir)


@pytest.fixture(scope="session")
def web_embedder() -> Embedder:
    return build_embedder(load_settings(llm=None))


@pytest.fixture
def web_data_dir(corpus_data_dir: Path, tmp_path: Path) -> Path:
    """A private data dir: a copy of the session index, no database yet."""
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_data_dir / "index", data_dir / "index")
    return data_dir


@pytest.fixture
def make_client(
    web_data_dir: Path, web_knowledge: KnowledgeBase, web_embedder: Embedder
) -> Iterator[ClientFactory]:
    """``make_client(data_dir=…, static_dir=…, **settings)`` → a started TestClient (lifespan run)."""
    with ExitStack() as stack:

        def factory(
            *, data_dir: Path | None = None, static_dir: Path | None = None, **overrides: Any
        ) -> TestClient:
            settings = web_settings(data_dir or web_data_dir, **overrides)
            deps = Deps(settings=settings, knowledge=web_knowledge, embedder=web_embedder)
            stack.callback(deps.close)
            app = create_app(deps) if static_dir is None else create_app(deps, static_dir=static_dir)
            return stack.enter_context(TestClient(app))

        yield factory


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()

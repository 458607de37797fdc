"""Fixtures shared by the Slack and hand-off tests: the fake Slack Web API and real knowledge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.slack_api import FakeSlackApi

from bot.config import load_settings
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Embedder, build_embedder


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def slack_server() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as server:
        yield server


@pytest.fixture
def slack(slack_server: FakeSlackApi) -> FakeSlackApi:
    """The fake Slack Web API, with no calls recorded yet."""
    slack_server.reset()
    return slack_server


@pytest.fixture(scope="session")
def slack_knowledge() -> KnowledgeBase:
    return load_knowledge(load_settings().knowledge_dir)


@pytest.fixture(scope="session")
def slack_embedder() -> Embedder:
    return build_embedder(load_settings(llm=None))

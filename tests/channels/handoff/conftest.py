"""Fixtures for the hand-off tests: the real web app with the real Slack app mounted.

``create_app(deps)`` (which installs the hand-off routes and middleware) plus ``include_slack``
with a :class:`SlackBot` whose Web API is the fake Slack server (``tests/fakes/slack_api.py``);
requests go through httpx's ``ASGITransport`` on the test's event loop, Slack's requests are
signed with the signing secret. Each test has its own data dir (a copy of the session's index,
an empty SQLite store).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.slack_api import FakeSlackApi
from fastapi import FastAPI

from bot.channels.slack import include_slack
from bot.channels.slack.app import SlackBot
from bot.channels.web import create_app
from bot.config import load_settings
from bot.deps import Deps
from bot.knowledge.loader import KnowledgeBase
from bot.retrieval.embeddings import Embedder
from channels.slack.support import SECRET, fixed_clock

HANDOFF_CHANNEL = "C0HANDOFF"


@pytest.fixture
def make_deps(
    corpus_data_dir: Path,
    tmp_path: Path,
    slack: FakeSlackApi,
    slack_knowledge: KnowledgeBase,
    slack_embedder: Embedder,
) -> Iterator[Callable[..., Deps]]:
    """``make_deps(**settings)`` → real Deps (offline engine) with Slack and the hand-off channel
    configured unless the overrides say otherwise."""
    built: list[Deps] = []

    def factory(**overrides: Any) -> Deps:
        data_dir = tmp_path / f"data{len(built)}"
        shutil.copytree(corpus_data_dir / "index", data_dir / "index")
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "llm": None,
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SECRET,
            "slack_app_token": None,
            "slack_api_base_url": slack.base_url,
            "slack_handoff_channel": HANDOFF_CHANNEL,
            "rate_limit_per_ip": 10_000,
            "rate_limit_per_session": 10_000,
            "max_body_bytes": 64 * 1024,
        }
        values.update(overrides)
        deps = Deps(settings=load_settings(**values), knowledge=slack_knowledge, embedder=slack_embedder)
        built.append(deps)
        return deps

    yield factory
    for deps in built:
        deps.close()


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    return make_deps()


@pytest.fixture
def bot(deps: Deps) -> SlackBot:
    return SlackBot(deps, clock=fixed_clock)


@pytest.fixture
def app(deps: Deps, bot: SlackBot) -> FastAPI:
    app = create_app(deps)
    assert include_slack(app, deps, bot=bot)
    return app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client

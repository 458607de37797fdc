"""Fixtures for the Slack tests: the real bolt app mounted in the real FastAPI app.

Each test gets its own data dir (a copy of the session's index and an empty SQLite store), its
own :class:`SlackBot` (fresh dedupe set) and the app from ``create_app(deps)`` with
``include_slack`` called on it. The bot's ``AsyncWebClient`` talks to the fake Slack Web API
(one server per session, its records reset per test). Requests go through httpx's
``ASGITransport``, on the test's own event loop, so ``await bot.drain()`` waits for the
answers the listeners started.
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
from bot.config import Settings, load_settings
from bot.deps import Deps
from bot.knowledge.loader import KnowledgeBase
from bot.retrieval.embeddings import Embedder

from .support import SECRET, fixed_clock

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_HANDOFF_CHANNEL",
    "ADVISOR_SLACK_BOT_TOKEN",
    "ADVISOR_SLACK_SIGNING_SECRET",
    "ADVISOR_SLACK_APP_TOKEN",
    "ADVISOR_SLACK_HANDOFF_CHANNEL",
    "ADVISOR_SLACK_API_BASE_URL",
    "ADVISOR_SLACK_MAX_RETRIES",
    "ADVISOR_SLACK_RETRY_MAX_WAIT_S",
    "ADVISOR_SLACK_QUESTIONS_PER_MINUTE",
    "ADVISOR_SLACK_ALLOWED_CHANNELS",
    "ADVISOR_SLACK_ALLOWED_USERGROUPS",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No Slack variable from the outer environment; the CLI's data dir in tmp_path."""
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def slack_settings(data_dir: Path, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "llm": None,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SECRET,
        "slack_app_token": None,
        "slack_api_base_url": base_url,
        "rate_limit_per_ip": 10_000,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def make_deps(
    corpus_data_dir: Path,
    tmp_path: Path,
    slack: FakeSlackApi,
    slack_knowledge: KnowledgeBase,
    slack_embedder: Embedder,
) -> Iterator[Callable[..., Deps]]:
    """``make_deps(**settings)`` → real Deps over a private copy of the index (no LLM)."""
    built: list[Deps] = []

    def factory(**overrides: Any) -> Deps:
        data_dir = tmp_path / f"data{len(built)}"
        if overrides.pop("with_index", True):
            shutil.copytree(corpus_data_dir / "index", data_dir / "index")
        settings = slack_settings(data_dir, slack.base_url, **overrides)
        deps = Deps(settings=settings, knowledge=slack_knowledge, embedder=slack_embedder)
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


def mounted_app(deps: Deps, bot: SlackBot | None = None) -> FastAPI:
    app = create_app(deps)
    assert include_slack(app, deps, bot=bot)
    return app


@pytest.fixture
def app(deps: Deps, bot: SlackBot) -> FastAPI:
    return mounted_app(deps, bot)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client

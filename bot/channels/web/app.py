"""``create_app(deps) -> FastAPI``: routes, middleware, error handlers and the widget's files.

Middleware, outermost first: access log → CORS (allowlist from settings) → 500 guard → body
size cap. The rate limiters and the Deps live in ``app.state.web``; nothing is global, so
tests build as many apps (with their own settings) as they like.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.channels.web import api, calendar, chat, handoff, health
from bot.channels.web.access_log import AccessLogMiddleware
from bot.channels.web.dependencies import WebState
from bot.channels.web.errors import InternalErrorMiddleware, install_error_handlers
from bot.channels.web.limits import BodyLimitMiddleware, RateLimits
from bot.channels.web.static import STATIC_DIR, mount_static
from bot.deps import Deps
from bot.errors import AdvisorError

log = logging.getLogger("bot.channels.web")
SHUTDOWN_GRACE_S = 30.0  # how long shutdown waits for answers still being written

DESCRIPTION = (
    "脱炭素補助金アドバイザーの API。回答は日本語（出典付き）、金額は決定的な計算ツールの結果のみ。"
    "\n\nThe decarbonisation grant advisor's API; see docs/api.md."
)


def warm_up(deps: Deps) -> None:
    """Load the published knowledge generation, embed the intent examples of the offline
    engine's router and the rulings' phrasings, and open the store before the first request (failures
    are only logged:
    ``/readyz`` reports them and the requests that need the index get a 503)."""
    from bot.agent.offline.router import intent_router
    from bot.agent.offline.rulings import ruling_index

    try:
        deps.retriever.search("省エネ設備の補助金", k=1)
        intent_router(deps.embedder, deps.knowledge.intents, deps.settings.data_dir / "cache")
        ruling_index(deps.embedder, deps.knowledge, deps.settings.data_dir / "cache")
        deps.store.get_session(health.READINESS_PROBE_SESSION)
    except AdvisorError as exc:
        log.warning("not ready at start-up: %s", exc.message_en)


def create_app(deps: Deps, *, static_dir: Path = STATIC_DIR, owns_deps: bool = False) -> FastAPI:
    """The web app over ``deps`` (closed at shutdown only when ``owns_deps``; else the caller's)."""
    settings = deps.settings
    web = WebState(deps=deps, limits=RateLimits.from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(warm_up, deps)
        # New `advisor index` builds are loaded in the watcher's own thread, then swapped in.
        deps.live.start_watching()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(deps.live.stop_watching)
            running = set(web.tasks)  # turns whose stream was left by the client, still answering
            if running:
                await asyncio.wait(running, timeout=SHUTDOWN_GRACE_S)
            if owns_deps:
                deps.close()

    app = FastAPI(
        title="grant-advisor 脱炭素補助金アドバイザー",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.web = web
    install_error_handlers(app)
    for module in (chat, api, calendar, health):
        app.include_router(module.router)
    handoff.install(app)  # hand-off routes; its chat middleware is added before (inside) the ones below
    mount_static(app, static_dir)

    # add_middleware wraps: the last added is the outermost.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "Last-Event-ID"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(
        AccessLogMiddleware, log_bodies=settings.log_bodies, max_body_bytes=settings.max_body_bytes
    )
    return app


def create_app_from_env() -> FastAPI:
    """An app over dependencies built from the environment (uvicorn's factory for ``--workers``:
    every worker process builds its own)."""
    from bot.channels.web.access_log import configure_server_logging
    from bot.deps import build_deps

    configure_server_logging()  # a fresh process: the parent's logging set-up is not inherited
    return create_product_app(build_deps(), owns_deps=True)


def create_product_app(deps: Deps, *, owns_deps: bool = False) -> FastAPI:
    """The deployed app: the web API and widget, plus ``/slack/events`` when Slack is configured."""
    from bot.channels.slack import include_slack

    app = create_app(deps, owns_deps=owns_deps)
    include_slack(app, deps)
    return app

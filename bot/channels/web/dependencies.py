"""FastAPI dependencies: the app's Deps and limiters (from ``app.state``), the client IP, limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from bot.channels.web.limits import RateLimits
from bot.config import Settings
from bot.deps import Deps


@dataclass
class WebState:
    """Everything the routes share, kept on ``app.state.web`` (no module globals)."""

    deps: Deps
    limits: RateLimits
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)  # running stream workers


def get_web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def get_deps(request: Request) -> Deps:
    return get_web_state(request).deps


def get_settings(deps: Annotated[Deps, Depends(get_deps)]) -> Settings:
    return deps.settings


def get_limits(request: Request) -> RateLimits:
    return get_web_state(request).limits


def client_ip(request: Request) -> str:
    """The peer address (behind a proxy, run uvicorn with ``--proxy-headers`` to get the client's)."""
    return request.client.host if request.client else "unknown"


def limit_ip(request: Request, limits: Annotated[RateLimits, Depends(get_limits)]) -> None:
    """The per-IP limit of the POST endpoints (429 with Retry-After)."""
    limits.check_ip(client_ip(request))


DepsDep = Annotated[Deps, Depends(get_deps)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LimitsDep = Annotated[RateLimits, Depends(get_limits)]
WebStateDep = Annotated[WebState, Depends(get_web_state)]

"""``advisor serve`` (the web API and widget under uvicorn) and ``advisor demo`` (``make run``).

``advisor demo`` builds the search index when there is none, then serves. Both listen on
127.0.0.1:8000 unless ``--host`` / ``--port`` (or ADVISOR_HOST / ADVISOR_PORT) say otherwise.
Logs go to stderr; the access log is one JSON line per request. ``--workers N`` runs N processes.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from bot.config import load_settings

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.deps import Deps

KEEP_ALIVE_S = 30


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``serve`` and ``demo``."""
    serve = subparsers.add_parser("serve", help="Web API とウィジェットを起動 (run the web API)")
    _add_listen(serve)
    serve.set_defaults(handler=run_serve)

    demo = subparsers.add_parser(
        "demo", help="インデックスがなければ作成してデモを起動 (build the index if missing, then serve)"
    )
    _add_listen(demo)
    demo.set_defaults(handler=run_demo)


def _add_listen(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="待ち受けアドレス (default: ADVISOR_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="ポート番号 (default: ADVISOR_PORT or 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="ワーカープロセス数 (default 1; each has its own rate limiter and index in memory)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {name: getattr(args, name) for name in ("host", "port") if getattr(args, name) is not None}
    return load_settings(**overrides)


def run_serve(args: argparse.Namespace) -> int:
    from bot.deps import build_deps

    deps = build_deps(_settings(args))
    deps.check_knowledge()
    return serve(deps, workers=args.workers)


def run_demo(args: argparse.Namespace) -> int:
    from bot.deps import build_deps

    deps = build_deps(_settings(args))
    deps.check_knowledge()
    ensure_index(deps)
    return serve(deps, workers=args.workers)


def ensure_index(deps: Deps) -> None:
    """Build the index when it is missing or unreadable (an up-to-date index is left alone)."""
    from bot.errors import IndexMissingError
    from bot.retrieval.index import build_index

    try:
        deps.retriever  # noqa: B018 — opening it is the check
    except IndexMissingError:
        print("検索インデックスを作成しています… (building the search index)", file=sys.stderr, flush=True)
        build_index(deps.settings, deps.source_knowledge, embedder=deps.embedder)
        deps.reload_retriever()


def serve(deps: Deps, workers: int = 1) -> int:
    """Serve until interrupted. With several workers, each process builds its own Deps from the
    environment (so ``--host``/``--port`` are the only overrides they do not need)."""
    import uvicorn

    from bot.channels.web.access_log import configure_server_logging
    from bot.channels.web.app import create_product_app

    settings = deps.settings
    configure_server_logging()
    mode = f"LLM: {settings.llm}" if settings.llm else "オフライン (offline)"
    print(
        f"脱炭素補助金アドバイザー: http://{settings.host}:{settings.port}/ "
        f"（{mode}、API: /docs、終了: Ctrl+C）",
        file=sys.stderr,
        flush=True,
    )
    listen: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
    }
    try:
        if workers > 1:
            deps.close()
            uvicorn.run("bot.channels.web.app:create_app_from_env", factory=True, workers=workers, **listen)
        else:
            uvicorn.run(create_product_app(deps), **listen)
    finally:
        deps.close()
    return 0

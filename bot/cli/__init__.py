"""The ``advisor`` command line.

Each command group lives in its own module exposing ``register(subparsers)``; heavy imports
(Chroma, embeddings, LangChain) happen inside the command handlers so start-up stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from bot.errors import AdvisorError

COMMAND_MODULES = (
    "bot.cli.retrieval",
    "bot.cli.tools",
    "bot.cli.ask",
    "bot.cli.serve",
    "bot.cli.evaluate",
    "bot.cli.slack",
    "bot.cli.knowledge",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor",
        description="脱炭素補助金アドバイザー (grant-advisor)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``advisor`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except AdvisorError as exc:
        print(f"エラー: {exc.message_ja}\nError: {exc.message_en}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

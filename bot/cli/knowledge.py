"""``advisor knowledge …``: commands over the knowledge folder (``ADVISOR_KNOWLEDGE_DIR``).

``advisor knowledge check`` validates the whole folder (see :mod:`bot.knowledge.check`) and
exits 1 with ``file:line: field: 日本語 / English`` lines when anything is wrong.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import load_settings


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register this module's commands."""
    check = knowledge_subcommands(subparsers).add_parser(
        "check", help="知識フォルダを検証 (validate the knowledge folder: schema, quotes, dates, TODOs)"
    )
    check.set_defaults(handler=run_check)


def knowledge_subcommands(subparsers: argparse._SubParsersAction[Any]) -> argparse._SubParsersAction[Any]:
    """The ``advisor knowledge`` group's subcommands (created on first use)."""
    existing = subparsers.choices.get("knowledge")
    if existing is None:
        existing = subparsers.add_parser("knowledge", help="知識フォルダの管理 (manage the knowledge folder)")
        existing.add_subparsers(dest="knowledge_command", required=True)
    group = existing._subparsers
    assert group is not None
    return next(a for a in group._group_actions if isinstance(a, argparse._SubParsersAction))


def run_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import check_knowledge

    root = load_settings().knowledge_dir
    problems = check_knowledge(root)
    for problem in problems:
        print(problem.render(), file=sys.stderr)
    if problems:
        print(
            f"知識フォルダに {len(problems)} 件の問題があります / {len(problems)} problem(s) in {root}",
            file=sys.stderr,
        )
        return 1
    print(f"知識フォルダに問題はありません / the knowledge folder is valid: {root}")
    return 0

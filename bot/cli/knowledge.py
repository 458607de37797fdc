"""``advisor knowledge …``: manage the documents and programme facts under the knowledge dir.

``advisor knowledge add PATH --id ID [--title …] [--url …] [--publisher …] [--fiscal-year …]
[--published …] [--retrieved YYYY-MM-DD] [--force] [--source-only]`` converts a PDF, HTML, DOCX
or Markdown document into ``sources/ID.md`` and scaffolds ``programmes/ID.yaml``.

``advisor knowledge check`` validates the whole folder (see :mod:`bot.knowledge.check`) and exits
1 with ``file:line: field: 日本語 / English`` lines when anything is wrong.

Each subcommand is a ``register_*`` function in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from bot.errors import InputError

TOKYO = "Asia/Tokyo"

Subparsers: TypeAlias = "argparse._SubParsersAction[Any]"


def register(subparsers: Subparsers) -> None:
    """Register the ``knowledge`` command group and its subcommands."""
    group = subparsers.add_parser(
        "knowledge",
        help="知識ベースの管理 (manage programme documents and facts)",
        description="知識ベース（knowledge/sources と knowledge/programmes）の管理",
    )
    actions = group.add_subparsers(dest="knowledge_command", required=True, metavar="SUBCOMMAND")
    for register_subcommand in SUBCOMMANDS:
        register_subcommand(actions)


def register_add(actions: Subparsers) -> None:
    add = actions.add_parser(
        "add",
        help="文書を取り込み制度ファイルの雛形を作成 (convert a document, scaffold its programme)",
        description="PDF・HTML・DOCX・Markdown の文書を knowledge/sources/ID.md に変換し、"
        "knowledge/programmes/ID.yaml の雛形を作成します。"
        " (Convert a document to sources/ID.md and scaffold programmes/ID.yaml.)",
    )
    add.add_argument("path", type=Path, help="文書ファイル (.pdf, .html, .docx, .md)")
    add.add_argument(
        "--id",
        dest="doc_id",
        metavar="ID",
        required=True,
        help="ID: [a-z0-9][a-z0-9-]* (e.g. city-heat-pump-2026)",
    )
    add.add_argument("--title", help="文書名 (default: the document's first heading or title)")
    add.add_argument("--url", help="文書の URL (default: an HTML page's canonical URL)")
    add.add_argument("--publisher", help="発行者, e.g. 東京都 産業労働局")
    add.add_argument(
        "--fiscal-year", dest="fiscal_year", help="年度, e.g. 令和7年度 (default: read from the title)"
    )
    add.add_argument("--published", help="公表日 YYYY-MM or YYYY-MM-DD")
    add.add_argument("--retrieved", help="取得日 YYYY-MM-DD（省略時は東京の今日 / default: today in Tokyo)")
    add.add_argument("--force", action="store_true", help="既存のファイルを上書き (overwrite existing files)")
    add.add_argument(
        "--source-only",
        dest="source_only",
        action="store_true",
        help="sources/ID.md だけを書き、制度ファイルには触れない (new edition: keep programmes/ID.yaml)",
    )
    add.set_defaults(handler=run_add)


def register_check(actions: Subparsers) -> None:
    check = actions.add_parser(
        "check", help="知識フォルダを検証 (validate the knowledge folder: schema, quotes, dates, TODOs)"
    )
    check.set_defaults(handler=run_check)


SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (register_add, register_check)


def run_check(args: argparse.Namespace) -> int:
    from bot.config import load_settings
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


def run_add(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.knowledge.add import SourceOptions, add_document

    retrieved = parse_date(args.retrieved, "--retrieved") if args.retrieved else today_in_tokyo()
    result = add_document(
        load_settings().knowledge_dir,
        args.path,
        args.doc_id,
        SourceOptions(
            title=args.title,
            url=args.url,
            publisher=args.publisher,
            fiscal_year=args.fiscal_year,
            published=args.published,
        ),
        retrieved=retrieved,
        force=args.force,
        source_only=args.source_only,
    )
    print(
        f"書き込みました / wrote: {result.source_path} ({result.sections} sections, {result.tables} tables)"
    )
    if result.programme_path is not None:
        print(f"雛形を作成しました / scaffolded: {result.programme_path}")
    if result.todo_fields:
        fields = ", ".join(result.todo_fields)
        print(f"未記入（TODO）/ left as TODO in the front matter: {fields}")
    target = result.programme_path or result.source_path
    print(
        f"次の手順: {target} の TODO を埋め、"
        "`advisor knowledge check` と `advisor index` を実行してください\n"
        f"Next: fill in the TODOs in {target}, then run `advisor knowledge check` and `advisor index`"
    )
    return 0


def today_in_tokyo() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(TOKYO)).date()


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} の日付が不正です: {value}（YYYY-MM-DD で指定してください）",
            f"Invalid date for {option}: {value} (use YYYY-MM-DD)",
        ) from None

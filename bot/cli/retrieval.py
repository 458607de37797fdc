"""``advisor index``, ``advisor search`` and ``advisor eval retrieval``.

Heavy imports (embedder, SudachiPy, bm25s, Chroma) happen inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import PROJECT_ROOT, load_settings

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.retrieval.models import SearchResult

DEFAULT_EVAL_FILE = PROJECT_ROOT / "eval" / "retrieval.yaml"
MODES = ("hybrid", "dense", "bm25")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register this module's commands."""
    index = subparsers.add_parser(
        "index",
        help="検索インデックスを作成・更新して公開 (build or update the index and publish it)",
        description="knowledge/ からインデックスを作成し、公開します。"
        "起動中の advisor serve は数秒で切り替えます (see docs/publishing.md).",
    )
    index.add_argument("--rebuild", action="store_true", help="全文書を埋め込み直す (re-embed everything)")
    index.add_argument(
        "--list", action="store_true", help="保存されている版の一覧 (list the kept index versions)"
    )
    index.add_argument(
        "--rollback",
        nargs="?",
        const="",
        metavar="VERSION",
        help="以前の版に戻す (publish a kept version again; default: the newest one that is not live)",
    )
    index.set_defaults(handler=run_index)

    search = subparsers.add_parser("search", help="出典の文章を検索 (search the cited passages)")
    search.add_argument("query", help="質問 (the question)")
    search.add_argument("-k", type=int, default=5, help="件数 (number of hits, default 5)")
    search.add_argument("--json", action="store_true", help="JSON で出力 (print the SearchResult as JSON)")
    search.add_argument("--mode", choices=MODES, default="hybrid", help="hybrid (default), dense or bm25")
    search.set_defaults(handler=run_search)

    retrieval = eval_subcommands(subparsers).add_parser(
        "retrieval", help="検索の評価: recall@1/@5, MRR (bm25, dense, hybrid)"
    )
    retrieval.add_argument("--file", type=Path, default=DEFAULT_EVAL_FILE, help="評価データ (YAML)")
    retrieval.add_argument("--json", action="store_true", help="JSON で出力")
    retrieval.set_defaults(handler=run_eval_retrieval)


def eval_subcommands(subparsers: argparse._SubParsersAction[Any]) -> argparse._SubParsersAction[Any]:
    """The ``advisor eval`` group's subcommands (created on first use): other command modules
    add their own evaluations with ``eval_subcommands(subparsers).add_parser(...)``. A bare
    ``advisor eval`` runs the handler set on the group's parser (bot.cli.evaluate: everything)."""
    existing = subparsers.choices.get("eval")
    if existing is None:
        existing = subparsers.add_parser("eval", help="評価 (evaluation)")
        existing.add_subparsers(dest="eval_command", required=False)
    group = existing._subparsers
    assert group is not None
    action = next(a for a in group._group_actions if isinstance(a, argparse._SubParsersAction))
    return action


def run_index(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import load_knowledge
    from bot.retrieval.index import build_index

    settings = load_settings()
    if args.list:
        return list_versions(settings)
    if args.rollback is not None:
        return rollback(settings, args.rollback or None)
    knowledge = load_knowledge(settings.knowledge_dir)
    report = build_index(settings, knowledge, rebuild=args.rebuild, progress=_print_progress)
    print(
        f"インデックスを更新しました: 文書 {report.documents} 件、チャンク {report.chunks} 件、"
        f"埋め込み {report.embedded_chunks} 件（再利用 {report.reused_chunks} 件、"
        f"文書 {len(report.reembedded_documents)} 件）、{report.seconds:.1f} 秒"
    )
    print(f"  model: {report.embedder}  version: {report.version}")
    return 0


def list_versions(settings: Settings) -> int:
    from bot.retrieval.versions import list_index_versions

    infos = list_index_versions(settings)
    if not infos:
        print(f"インデックスがありません (no index in {settings.index_dir}): advisor index")
    for info in infos:
        mark = "*" if info.current else " "
        what = f"文書 {info.documents} 件、制度 {info.programmes} 件、{info.built_at}"
        print(f"{mark} {info.version}  {what}" + (f"  [{info.problem}]" if info.problem else ""))
    return 0


def rollback(settings: Settings, version: str | None) -> int:
    from bot.retrieval.versions import roll_back

    live = roll_back(settings, version)
    print(f"公開する版を {live} に戻しました (CURRENT → {live}); 起動中のサーバーは数秒で切り替えます")
    return 0


def _print_progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r埋め込み中 (embedding) {done}/{total}", end=end, file=sys.stderr, flush=True)


def run_search(args: argparse.Namespace) -> int:
    from bot.retrieval.index import open_retriever

    retriever = open_retriever(load_settings())
    result = retriever.search(args.query, k=args.k, mode=args.mode)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(format_result(result))
    return 0


def format_result(result: SearchResult) -> str:
    """Ranked hits as plain text, each with its citation fields."""
    lines: list[str] = []
    if result.notice:
        lines.append(f"※ {result.notice}")
    if not result.hits:
        lines.append("該当する文章は見つかりませんでした。 (No matching passage.)")
    for rank, hit in enumerate(result.hits, start=1):
        lines.append(f"[{rank}] {hit.source_id}  score={hit.score:.4f}  ({result.mode})")
        lines.append(f"    {hit.title} — {hit.section or '(冒頭)'}")
        lines.append(f"    {hit.url}")
        lines.extend(f"      {line}" for line in hit.text.splitlines())
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def run_eval_retrieval(args: argparse.Namespace) -> int:
    from bot.retrieval.evaluate import evaluate_search, load_eval_cases
    from bot.retrieval.index import open_retriever

    cases = load_eval_cases(args.file)
    retriever = open_retriever(load_settings())
    report = evaluate_search(
        lambda q, k, mode: retriever.search(q, k=k, mode=mode).hits,
        cases,
        modes=("bm25", "dense", "hybrid"),
        file=str(args.file),
    )
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    print(f"検索評価 (retrieval eval): {len(cases)} 問, {args.file}")
    print(f"{'mode':<8}{'recall@1':>10}{'recall@5':>10}{'MRR':>8}")
    for metrics in report.modes:
        print(f"{metrics.mode:<8}{metrics.recall_at_1:>10.3f}{metrics.recall_at_5:>10.3f}{metrics.mrr:>8.3f}")
    for metrics in report.modes:
        if metrics.misses:
            print(f"  {metrics.mode} top-5 misses: {', '.join(metrics.misses)}")
    return 0

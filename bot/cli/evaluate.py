"""``advisor eval`` (everything: dialogue datasets + hybrid retrieval) and ``advisor eval dialogue``.

The run is isolated from the user's data: a temporary data directory gets a copy of the live
index (updated there incrementally, so a stale index is caught up without touching the real
one) and its own SQLite conversation store. The report goes to ``eval/reports/<timestamp>/``;
the exit code is 1 when a threshold of ``eval/thresholds.yaml`` is missed (2 on bad input).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.retrieval import DEFAULT_EVAL_FILE, eval_subcommands
from bot.config import PROJECT_ROOT, load_settings

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.evaluation.evaluators import Evaluator
    from bot.evaluation.summary import EvalRun, PassRate, SplitSummary

DATASETS_DIR = PROJECT_ROOT / "eval" / "datasets"
REPORTS_DIR = PROJECT_ROOT / "eval" / "reports"
THRESHOLDS_FILE = PROJECT_ROOT / "eval" / "thresholds.yaml"
OFFLINE = ("offline", "none")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """``advisor eval`` options (run everything) and ``advisor eval dialogue``."""
    eval_subcommands(subparsers)  # creates the group when this module is registered first
    group: argparse.ArgumentParser = subparsers.choices["eval"]
    _add_run_options(group, retrieval=True)
    group.set_defaults(handler=run_eval_all)
    dialogue = eval_subcommands(subparsers).add_parser(
        "dialogue", help="対話データセットの評価のみ (dialogue datasets only; no retrieval metrics)"
    )
    _add_run_options(dialogue, retrieval=False)
    dialogue.set_defaults(handler=run_eval_dialogue)


def _add_run_options(parser: argparse.ArgumentParser, *, retrieval: bool) -> None:
    parser.add_argument(
        "--dataset",
        action="append",
        type=Path,
        default=None,
        metavar="FILE",
        help="対話データセット（複数可。既定: eval/datasets/*.yaml）",
    )
    parser.add_argument(
        "--llm",
        default=None,
        metavar="PROVIDER:MODEL",
        help="評価する言語モデル（ADVISOR_LLM を上書き。'offline' でオフラインエンジン）",
    )
    parser.add_argument("--as-of", dest="as_of", default=None, help="全ケースの基準日を上書き (YYYY-MM-DD)")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="比較する以前の summary.json / results.jsonl（悪化・改善を一覧）",
    )
    parser.add_argument("--workers", type=int, default=2, help="並列数 (default 2)")
    parser.add_argument(
        "--out", type=Path, default=REPORTS_DIR, metavar="DIR", help="レポートの親ディレクトリ"
    )
    parser.add_argument(
        "--thresholds", type=Path, default=THRESHOLDS_FILE, metavar="FILE", help="CI ゲートの閾値"
    )
    parser.add_argument(
        "--no-judge", dest="judge", action="store_false", help="LLM 審査（流暢さ・有用性）をしない"
    )
    parser.add_argument(
        "--progress-every", type=int, default=20, metavar="N", help="N ケースごとに進捗を表示"
    )
    if retrieval:
        parser.add_argument(
            "--retrieval-file",
            type=Path,
            default=DEFAULT_EVAL_FILE,
            metavar="FILE",
            help="検索評価の質問 (YAML)",
        )


def run_eval_all(args: argparse.Namespace) -> int:
    return _run(args, retrieval_file=args.retrieval_file)


def run_eval_dialogue(args: argparse.Namespace) -> int:
    return _run(args, retrieval_file=None)


def default_datasets() -> list[Path]:
    return sorted(DATASETS_DIR.glob("*.yaml")) + sorted(DATASETS_DIR.glob("*/*.yaml"))


def _run(args: argparse.Namespace, retrieval_file: Path | None) -> int:
    from bot.cli.tools import resolve_as_of
    from bot.evaluation.report import compare, load_baseline, new_report_dir, write_report
    from bot.evaluation.runner import load_datasets, run_evaluation
    from bot.evaluation.thresholds import check_thresholds, load_thresholds, unmeasured

    thresholds = load_thresholds(args.thresholds)
    as_of = resolve_as_of(args.as_of)[0] if args.as_of else None
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    logging.getLogger("bot").setLevel(logging.ERROR)  # the guard's warnings would drown the progress lines
    with eval_deps(args.llm) as deps:
        _ = deps.llm_engine  # a misconfigured ADVISOR_LLM / --llm fails here, not in every turn
        datasets = load_datasets(args.dataset or default_datasets(), deps.knowledge.programmes)
        judge = build_judge(deps) if args.judge else None
        cases = sum(len(d.cases) for _, d in datasets)
        engine = deps.settings.llm or "offline"
        print(f"[eval] {cases} cases on {engine}, {args.workers} workers", file=sys.stderr, flush=True)
        run = run_evaluation(
            deps,
            datasets,
            workers=args.workers,
            as_of_override=as_of,
            thresholds=thresholds,
            retrieval_file=retrieval_file,
            judge=judge,
            progress_every=args.progress_every,
        )
    failures = check_thresholds(run.summary, thresholds)
    comparison = None
    if baseline is not None:
        comparison = compare(baseline, run.summary.case_results, name=str(args.baseline))
    out_dir = write_report(
        run, new_report_dir(args.out), thresholds=thresholds, gate_failures=failures, comparison=comparison
    )
    print(format_run(run, failures, unmeasured(run.summary)))
    if comparison is not None:
        print(f"ベースライン比較: 悪化 {len(comparison.regressions)} 件、改善 {len(comparison.fixes)} 件")
        for case_id in comparison.regressions:
            print(f"  ✗ regression: {case_id}")
    print(f"レポート: {out_dir / 'report.md'}")
    return 1 if failures else 0


@contextmanager
def eval_deps(llm: str | None) -> Iterator[Deps]:
    """Deps over a temporary data dir: a copy of the live index (brought up to date) and a fresh store."""
    from bot.deps import build_deps
    from bot.retrieval.index import build_index

    base = load_settings()
    overrides: dict[str, Any] = {}
    if llm is not None:
        overrides["llm"] = None if llm.strip().lower() in OFFLINE else llm.strip()
    with tempfile.TemporaryDirectory(prefix="advisor-eval-") as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data", database_url=None, **overrides)
        if (base.index_dir / "CURRENT").is_file():
            shutil.copytree(base.index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
        deps = build_deps(settings)
        try:
            build_index(settings, deps.source_knowledge, embedder=deps.embedder)
            deps.reload_retriever()
            yield deps
        finally:
            deps.close()


def build_judge(deps: Deps) -> Evaluator | None:
    """An LLM judge when a model is configured (ADVISOR_LLM / --llm); otherwise none, silently."""
    if not deps.settings.llm:
        return None
    from bot.agent.providers import build_chat_model
    from bot.errors import AdvisorError
    from bot.evaluation.evaluators import LlmJudge

    try:
        return LlmJudge(build_chat_model(deps.settings))
    except AdvisorError as exc:
        print(f"[eval] LLM judge not used: {exc.message_en}", file=sys.stderr)
        return None


def format_run(run: EvalRun, failures: list[str], not_measured: list[str]) -> str:
    """The terminal summary: pass rates per kind, the gated rates and the gate's verdict."""
    s = run.summary
    modes = ", ".join(f"{mode} × {n}" for mode, n in s.run.modes.items())
    lines = [
        f"評価 (evaluation): {s.overall.cases} ケース、{s.overall.turns} ターン、"
        f"{s.run.seconds:.1f} 秒 ({modes})",
        f"ケース合格率 {_pct(s.overall.case_pass_rate)} ({s.overall.cases_passed}/{s.overall.cases})、"
        f"ターン合格率 {_pct(s.overall.turn_pass_rate)} ({s.overall.turns_passed}/{s.overall.turns})",
        "",
        f"{'kind':<16}{'passed':>10}{'rate':>9}",
    ]
    for kind, rate in s.by_kind.items():
        lines.append(f"{kind:<16}{f'{rate.passed}/{rate.total}':>10}{_pct(rate.rate):>9}")
    lines += format_splits(run)
    lines.append("")
    lines.append(
        f"金額 {_pct(s.rates.amounts)}、根拠 {_pct(s.rates.groundedness)}、"
        f"引用 適合率 {_pct(s.rates.citation_precision_mean)} / 再現率 {_pct(s.rates.citation_recall_mean)}、"
        f"レイテンシ p50 {s.latency.p50_s:.2f} s / p95 {s.latency.p95_s:.2f} s"
    )
    if s.retrieval is not None:
        lines.append(
            f"検索 hybrid: recall@1 {s.retrieval.recall_at_1:.3f}、recall@5 {s.retrieval.recall_at_5:.3f}、"
            f"MRR {s.retrieval.mrr:.3f}"
        )
    if s.failure_counts:
        lines.append(
            "失敗の多いチェック: " + "、".join(f"{k} {v}" for k, v in list(s.failure_counts.items())[:6])
        )
    lines.append("")
    if failures:
        lines.append("CI ゲート: 不合格 (thresholds missed)")
        lines += [f"  ✗ {line}" for line in failures]
    else:
        lines.append("CI ゲート: 合格 (all thresholds met)")
    if not_measured:
        lines.append(f"  （未計測: {', '.join(not_measured)}）")
    return "\n".join(lines)


def format_splits(run: EvalRun) -> list[str]:
    """Each split's pass rate by kind side by side (dev is what the top-level figures and the gate
    use; the held-out split is reported, not tuned on)."""
    splits = run.summary.splits
    if len(splits) < 2:
        return []
    names = list(splits)
    kinds = list(dict.fromkeys(kind for split in splits.values() for kind in split.by_kind))
    lines = ["", f"{'split / kind':<16}" + "".join(f"{name:>18}" for name in names)]

    def cell(rate: PassRate | None) -> str:
        return f"{'—':>18}" if rate is None else f"{f'{rate.passed}/{rate.total} {_pct(rate.rate)}':>18}"

    lines.append(f"{'(all)':<16}" + "".join(cell(_overall(splits[n])) for n in names))
    lines += [f"{kind:<16}" + "".join(cell(splits[n].by_kind.get(kind)) for n in names) for kind in kinds]
    lines.append(f"{'amounts':<16}" + "".join(f"{_pct(splits[n].amounts):>18}" for n in names))
    lines.append(f"{'groundedness':<16}" + "".join(f"{_pct(splits[n].groundedness):>18}" for n in names))
    return lines


def _overall(split: SplitSummary) -> PassRate:
    from bot.evaluation.summary import PassRate

    o = split.overall
    return PassRate(total=o.cases, passed=o.cases_passed, rate=o.case_pass_rate)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"

"""Writing a run to ``eval/reports/<timestamp>/``: results.jsonl, summary.json, report.md, charts.

* ``results.jsonl`` — one JSON line per answered turn (case id, kind, programme, turn index,
  question, answer text, checks, latency, …: :class:`~bot.evaluation.runner.TurnResult`);
* ``summary.json`` — the :class:`~bot.evaluation.runner.Summary`, plus the gate's verdict and
  the baseline comparison when there is one;
* ``report.md`` — per-kind, per-programme and per-check pass-rate tables, the gate, retrieval,
  latency, regressions/fixes against a baseline, and every failed case with its questions,
  answers and the reasons it failed;
* ``pass_rate_by_kind.png``, ``pass_rate_by_programme.png``, ``latency_histogram.png``
  (matplotlib's Agg renderer through the object API: no display, no global backend state).

A baseline is a previous run's ``summary.json`` (its ``case_results``) or ``results.jsonl``
(a case passed when all its turn lines passed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.errors import InputError
from bot.evaluation.summary import CaseResult, EvalRun, PassRate, Summary
from bot.evaluation.thresholds import Thresholds, gate_values

RESULTS_FILE = "results.jsonl"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.md"
CHARTS = ("pass_rate_by_kind.png", "pass_rate_by_programme.png", "latency_histogram.png")


class Comparison(BaseModel):
    """A run against a baseline: cases that passed before and fail now, and the reverse."""

    baseline: str
    regressions: list[str]
    fixes: list[str]
    new_cases: list[str]
    missing_cases: list[str]


def report_dir_name(now: dt.datetime | None = None) -> str:
    """A sortable, filesystem-safe timestamp: ``20261125T131630Z``."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def new_report_dir(root: Path) -> Path:
    """A fresh ``root/<timestamp>`` directory (a suffix is added if that second is taken)."""
    base = root / report_dir_name()
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    path.mkdir(parents=True)
    return path


# --- baseline ----------------------------------------------------------------------------------


def load_baseline(path: Path) -> dict[str, bool]:
    """case id → passed, from a previous ``summary.json`` or ``results.jsonl``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"ベースラインがありません: {path}", f"Baseline file not found: {path}") from None
    try:
        if path.suffix == ".jsonl":
            outcome: dict[str, bool] = {}
            for line in text.splitlines():
                if line.strip():
                    row = json.loads(line)
                    case_id = str(row["case_id"])
                    outcome[case_id] = outcome.get(case_id, True) and bool(row["passed"])
            return outcome
        data = json.loads(text)
        results = data["case_results"]
        return {str(case_id): bool(passed) for case_id, passed in results.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"ベースラインを読み取れません（summary.json か results.jsonl を指定してください）: {path}",
            f"Cannot read the baseline {path} (expected a summary.json or results.jsonl): {exc}",
        ) from None


def compare(baseline: Mapping[str, bool], current: Mapping[str, bool], name: str = "") -> Comparison:
    """Regressions (passed → failed), fixes (failed → passed), new and missing case ids."""
    return Comparison(
        baseline=name,
        regressions=sorted(cid for cid, ok in current.items() if not ok and baseline.get(cid) is True),
        fixes=sorted(cid for cid, ok in current.items() if ok and baseline.get(cid) is False),
        new_cases=sorted(set(current) - set(baseline)),
        missing_cases=sorted(set(baseline) - set(current)),
    )


# --- writing -----------------------------------------------------------------------------------


def write_report(
    run: EvalRun,
    out_dir: Path,
    *,
    thresholds: Thresholds | None = None,
    gate_failures: Sequence[str] = (),
    comparison: Comparison | None = None,
) -> Path:
    """Write every report file of ``run`` into ``out_dir`` (created); returns ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / RESULTS_FILE).open("w", encoding="utf-8") as handle:
        for turn in run.turns():
            handle.write(turn.model_dump_json() + "\n")
    summary: dict[str, Any] = run.summary.model_dump(mode="json")
    if thresholds is not None:
        summary["gate"] = {
            "thresholds": thresholds.gate.model_dump(),
            "values": gate_values(run.summary),
            "failures": list(gate_failures),
            "passed": not gate_failures,
        }
    if comparison is not None:
        summary["baseline"] = comparison.model_dump()
    (out_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_charts(run.summary, [turn.latency_s for turn in run.turns()], out_dir)
    markdown = render_markdown(run, thresholds=thresholds, gate_failures=gate_failures, comparison=comparison)
    (out_dir / REPORT_FILE).write_text(markdown, encoding="utf-8")
    return out_dir


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _table(title: str, rates: Mapping[str, PassRate], label: str) -> list[str]:
    lines = [f"## {title}", "", f"| {label} | 合格 / 件数 | 合格率 |", "| --- | ---: | ---: |"]
    lines += [f"| {key} | {r.passed} / {r.total} | {_pct(r.rate)} |" for key, r in rates.items()]
    return [*lines, ""]


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in (text or "（空の回答）").splitlines()]


def render_markdown(
    run: EvalRun,
    *,
    thresholds: Thresholds | None = None,
    gate_failures: Sequence[str] = (),
    comparison: Comparison | None = None,
) -> str:
    """The Markdown report of a run."""
    s = run.summary
    modes = ", ".join(f"{mode} × {n}" for mode, n in s.run.modes.items()) or "—"
    lines = [
        "# 評価レポート (evaluation report)",
        "",
        f"- 実行開始: {s.run.started_at}（{s.run.seconds:.1f} 秒、{s.run.workers} 並列）",
        f"- データセット: {', '.join(s.run.datasets)}",
        f"- エンジン: {modes}",
    ]
    if s.run.as_of_override:
        lines.append(f"- 基準日の上書き: {s.run.as_of_override.isoformat()}")
    lines += ["", "## 概要 (summary)", "", "| 指標 | 値 |", "| --- | ---: |"]
    lines += [
        f"| ケース合格率 (case pass rate) | {_pct(s.overall.case_pass_rate)}"
        f"（{s.overall.cases_passed} / {s.overall.cases}） |",
        f"| ターン合格率 (turn pass rate) | {_pct(s.overall.turn_pass_rate)}"
        f"（{s.overall.turns_passed} / {s.overall.turns}） |",
        f"| 金額の正確さ (amounts) | {_pct(s.rates.amounts)} |",
        f"| 根拠のある数値 (groundedness) | {_pct(s.rates.groundedness)} |",
        f"| 引用の適合率 平均 (citation precision) | {_pct(s.rates.citation_precision_mean)} |",
        f"| 引用の再現率 平均 (citation recall) | {_pct(s.rates.citation_recall_mean)} |",
        f"| 追加質問 (follow-up) | {_pct(s.rates.follow_up)} |",
        f"| 対象外の断り (refusal) | {_pct(s.rates.refusal)} |",
        f"| レイテンシ p50 / p95 | {s.latency.p50_s:.2f} s / {s.latency.p95_s:.2f} s |",
    ]
    if s.retrieval is not None:
        r = s.retrieval
        lines.append(
            f"| 検索 {r.mode} recall@1 / recall@5 / MRR | "
            f"{r.recall_at_1:.3f} / {r.recall_at_5:.3f} / {r.mrr:.3f} |"
        )
    for name, mean in s.judge_means.items():
        lines.append(f"| LLM 審査 {name.removeprefix('judge_')}（1–5 の平均） | {mean:.2f} |")
    lines.append("")
    if thresholds is not None:
        lines += _gate_section(run.summary, thresholds, gate_failures)
    for name, split in s.splits.items():
        if name != "dev":
            rate = _pct(split.overall.case_pass_rate)
            title = f"分割 {name} (split; not in the top-level figures) — {rate}"
            lines += _table(title, split.by_kind, "kind")
    lines += ["![pass rate by kind](pass_rate_by_kind.png)", ""]
    lines += _table("種類別 (by kind)", s.by_kind, "kind")
    lines += ["![pass rate by programme](pass_rate_by_programme.png)", ""]
    lines += _table("制度別 (by programme)", s.by_programme, "programme")
    lines += _table("チェック別 (by check, ターン単位)", s.by_check, "check")
    if s.failure_counts:
        lines += [
            "## 失敗の多いチェック (most common failures)",
            "",
            "| check | 失敗ターン数 |",
            "| --- | ---: |",
        ]
        lines += [f"| {name} | {n} |" for name, n in s.failure_counts.items()]
        lines.append("")
    lines += [
        "## レイテンシ (latency)",
        "",
        f"ターン {s.latency.turns} 件: 平均 {s.latency.mean_s:.2f} s、p50 {s.latency.p50_s:.2f} s、"
        f"p95 {s.latency.p95_s:.2f} s、最大 {s.latency.max_s:.2f} s",
        "",
        "![latency histogram](latency_histogram.png)",
        "",
    ]
    if s.retrieval is not None and s.retrieval.misses:
        lines += [
            "## 検索の取りこぼし (retrieval top-5 misses)",
            "",
            ", ".join(s.retrieval.misses),
            "",
        ]
    if comparison is not None:
        lines += _comparison_section(comparison)
    lines += _failures_section(run.failures())
    return "\n".join(lines).rstrip("\n") + "\n"


def _gate_section(summary: Summary, thresholds: Thresholds, failures: Sequence[str]) -> list[str]:
    verdict = "合格 (passed)" if not failures else "不合格 (failed)"
    lines = [f"## CI ゲート: {verdict}", "", "| 指標 | 値 | 最低 | 判定 |", "| --- | ---: | ---: | :---: |"]
    for name, value in gate_values(summary).items():
        minimum = float(getattr(thresholds.gate, name))
        mark = "—" if value is None else ("✓" if value >= minimum else "✗")
        shown = "未計測" if value is None else f"{value:.4f}"
        lines.append(f"| {name} | {shown} | {minimum:.4f} | {mark} |")
    return [*lines, ""]


def _comparison_section(comparison: Comparison) -> list[str]:
    lines = [f"## ベースラインとの比較 (baseline: {comparison.baseline})", ""]
    lines.append(f"### 悪化 (regressions): {len(comparison.regressions)} 件")
    lines += [f"- {cid}" for cid in comparison.regressions] or ["- なし"]
    lines += ["", f"### 改善 (fixes): {len(comparison.fixes)} 件"]
    lines += [f"- {cid}" for cid in comparison.fixes] or ["- なし"]
    if comparison.new_cases:
        lines += ["", f"新しいケース: {', '.join(comparison.new_cases)}"]
    if comparison.missing_cases:
        lines += ["", f"今回ないケース: {', '.join(comparison.missing_cases)}"]
    return [*lines, ""]


def _failures_section(failures: Sequence[CaseResult]) -> list[str]:
    lines = [f"## 失敗したケース (failures): {len(failures)} 件", ""]
    by_kind: dict[str, list[CaseResult]] = defaultdict(list)
    for case in failures:
        by_kind[case.kind].append(case)
    for kind in sorted(by_kind):
        for case in by_kind[kind]:
            programme = case.programme or "—"
            lines += [f"### {case.case_id}（{kind}、{programme}）", ""]
            if case.note:
                lines += [f"メモ: {case.note}", ""]
            for turn in case.turns:
                status = "✓" if turn.passed else "✗"
                lines += [f"**ターン {turn.turn} {status}** 質問: {turn.question}", ""]
                if not turn.passed:
                    lines += ["回答:", "", *_quote(turn.answer), ""]
                    lines += [f"- ✗ `{check.name}`: {check.reason}" for check in turn.failed_checks()]
                    lines.append("")
    return lines


# --- charts --------------------------------------------------------------------------------------


def write_charts(summary: Summary, latencies: Sequence[float], out_dir: Path) -> list[Path]:
    """The three PNG charts of a run (Agg renderer, object API)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    paths: list[Path] = []

    def bars(rates: Mapping[str, PassRate], title: str, name: str) -> None:
        labels = list(rates)
        values = [rates[key].rate * 100 for key in labels]
        fig = Figure(figsize=(8, max(2.5, 0.45 * len(labels) + 1.2)))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.barh(labels, values, color=["#2e7d32" if v >= 90 else "#c62828" for v in values])
        ax.set_xlim(0, 115)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.invert_yaxis()
        ax.set_xlabel("case pass rate (%)")
        ax.set_title(title)
        for index, key in enumerate(labels):
            ax.text(values[index] + 1, index, f"{rates[key].passed}/{rates[key].total}", va="center")
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path, format="png", dpi=100)
        paths.append(path)

    bars(summary.by_kind, "Pass rate by kind", CHARTS[0])
    bars(summary.by_programme, "Pass rate by programme", CHARTS[1])

    fig = Figure(figsize=(8, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.hist(list(latencies) or [0.0], bins=30, color="#1565c0")
    ax.set_xlabel("turn latency (s)")
    ax.set_ylabel("turns")
    ax.set_title(f"Latency: p50 {summary.latency.p50_s:.2f} s, p95 {summary.latency.p95_s:.2f} s")
    fig.tight_layout()
    path = out_dir / CHARTS[2]
    fig.savefig(path, format="png", dpi=100)
    paths.append(path)
    return paths

"""The summary, the report files, the baseline comparison and the CI gate, on hand-made results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.errors import InputError
from bot.evaluation.evaluators import Check
from bot.evaluation.report import (
    CHARTS,
    compare,
    load_baseline,
    new_report_dir,
    render_markdown,
    write_report,
)
from bot.evaluation.summary import (
    CaseResult,
    EvalRun,
    RetrievalSummary,
    RunInfo,
    TurnResult,
    percentile,
    summarise,
)
from bot.evaluation.thresholds import (
    FLOORS,
    Thresholds,
    ThresholdsError,
    check_thresholds,
    load_thresholds,
    unmeasured,
)

ZE = "tokyo-zero-emission-energy-saving"
INFO = RunInfo(
    started_at="2026-11-25T00:00:00+00:00", seconds=1.5, modes={"offline": 4}, workers=2, datasets=["tiny"]
)


def turn(case_id: str, index: int, checks: list[Check], latency: float = 0.2, **fields: object) -> TurnResult:
    return TurnResult(
        dataset="tiny",
        case_id=case_id,
        kind=str(fields.get("kind", "fact")),
        programme=ZE,
        turn=index,
        as_of=dt.date(2026, 11, 24),
        question=f"{case_id} の質問 {index}",
        answer=f"{case_id} の回答 {index}\n\n二行目",
        mode="offline",
        checks=checks,
        latency_s=latency,
        passed=all(c.passed for c in checks if c.gating),
    )


def case(case_id: str, kind: str, programme: str | None, turns: list[TurnResult]) -> CaseResult:
    return CaseResult(
        dataset="tiny",
        case_id=case_id,
        kind=kind,
        programme=programme,
        turns=turns,
        passed=all(t.passed for t in turns),
    )


OK_AMOUNT = Check(name="amounts", passed=True, reason="states 8,000,000円")
BAD_AMOUNT = Check(name="amounts", passed=False, reason="missing 8,000,000円; answer states なし")
GROUNDED = Check(name="grounded", passed=True, reason="ok")
PRECISION = Check(name="citation_precision", passed=True, reason="1/2", score=0.5)


def sample_run(retrieval: RetrievalSummary | None = None) -> EvalRun:
    cases = [
        case("good-amount", "amount", ZE, [turn("good-amount", 1, [OK_AMOUNT, GROUNDED, PRECISION], 0.1)]),
        case(
            "bad-multi",
            "amount",
            ZE,
            [
                turn("bad-multi", 1, [OK_AMOUNT, GROUNDED], 0.3),
                turn(
                    "bad-multi",
                    2,
                    [
                        BAD_AMOUNT,
                        GROUNDED,
                        Check(name="judge_fluency", passed=False, gating=False, score=2.0),
                    ],
                    0.5,
                ),
            ],
        ),
        case("good-oos", "out_of_scope", None, [turn("good-oos", 1, [GROUNDED], 0.2)]),
    ]
    return EvalRun(cases=cases, summary=summarise(cases, INFO, retrieval))


# --- the summary -----------------------------------------------------------------------------


def test_summary_pass_rates_and_rates() -> None:
    s = sample_run().summary
    assert (s.overall.cases, s.overall.cases_passed, s.overall.case_pass_rate) == (3, 2, 0.6667)
    assert (s.overall.turns, s.overall.turns_passed) == (4, 3)
    assert s.by_kind["amount"].passed == 1 and s.by_kind["amount"].total == 2
    assert s.by_kind["out_of_scope"].rate == 1.0
    assert set(s.by_programme) == {ZE, "(none)"}
    assert s.rates.amounts == pytest.approx(2 / 3, abs=1e-4)
    assert s.rates.groundedness == 1.0
    assert s.rates.citation_precision_mean == 0.5
    assert s.rates.citation_recall_mean is None and s.rates.refusal is None
    assert s.failure_counts == {"amounts": 1}  # the judge's low rating is not a failure
    assert s.judge_means == {"judge_fluency": 2.0}
    assert s.case_results == {"good-amount": True, "bad-multi": False, "good-oos": True}
    assert (s.latency.p50_s, s.latency.p95_s, s.latency.max_s) == (0.2, 0.5, 0.5)


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0 and percentile([], 50) == 0.0


# --- the report files -------------------------------------------------------------------------


def test_write_report_writes_every_file(tmp_path: Path) -> None:
    retrieval = RetrievalSummary(
        file="r.yaml", mode="hybrid", questions=10, recall_at_1=0.7, recall_at_5=0.9, mrr=0.8, misses=["q-3"]
    )
    run = sample_run(retrieval)
    thresholds = Thresholds()
    failures = check_thresholds(run.summary, thresholds)
    out = write_report(run, tmp_path / "r", thresholds=thresholds, gate_failures=failures)

    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 4
    assert {
        "case_id",
        "kind",
        "programme",
        "turn",
        "question",
        "answer",
        "checks",
        "latency_s",
        "passed",
    } <= set(rows[0])
    assert [(r["case_id"], r["turn"]) for r in rows][:3] == [
        ("good-amount", 1),
        ("bad-multi", 1),
        ("bad-multi", 2),
    ]

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {
        "run",
        "overall",
        "by_kind",
        "by_programme",
        "by_check",
        "rates",
        "latency",
        "retrieval",
        "case_results",
        "gate",
    } <= set(summary)
    assert summary["gate"]["passed"] is False
    assert "case_pass_rate: 0.6667 < 0.9000" in summary["gate"]["failures"]

    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "# 評価レポート",
        "## 概要",
        "## CI ゲート: 不合格",
        "## 種類別",
        "## 制度別",
        "## チェック別",
        "## レイテンシ",
        "## 検索の取りこぼし",
        "## 失敗したケース (failures): 1 件",
    ):
        assert heading in report, heading
    assert "| amount | 1 / 2 | 50.0% |" in report
    assert "### bad-multi（amount、tokyo-zero-emission-energy-saving）" in report
    assert "質問: bad-multi の質問 2" in report and "> bad-multi の回答 2" in report
    assert "- ✗ `amounts`: missing 8,000,000円; answer states なし" in report
    assert "good-amount の回答" not in report  # passed cases are not listed

    for name in CHARTS:
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 1000


def test_new_report_dirs_are_timestamped_and_distinct(tmp_path: Path) -> None:
    first, second = new_report_dir(tmp_path), new_report_dir(tmp_path)
    assert first != second and first.is_dir() and second.is_dir()
    assert first.name[:8].isdigit() and first.name[8] == "T"


# --- baseline ----------------------------------------------------------------------------------


def test_baseline_from_summary_lists_regressions_and_fixes(tmp_path: Path) -> None:
    before = tmp_path / "summary.json"
    before.write_text(
        json.dumps(
            {"case_results": {"good-amount": False, "bad-multi": True, "good-oos": True, "gone": True}}
        ),
        encoding="utf-8",
    )
    run = sample_run()
    comparison = compare(load_baseline(before), run.summary.case_results, name=str(before))
    assert comparison.regressions == ["bad-multi"]
    assert comparison.fixes == ["good-amount"]
    assert comparison.missing_cases == ["gone"] and comparison.new_cases == []
    report = render_markdown(run, comparison=comparison)
    assert "### 悪化 (regressions): 1 件\n- bad-multi" in report
    assert "### 改善 (fixes): 1 件\n- good-amount" in report


def test_baseline_from_results_jsonl(tmp_path: Path) -> None:
    out = write_report(sample_run(), tmp_path / "before")
    assert load_baseline(out / "results.jsonl") == {"good-amount": True, "bad-multi": False, "good-oos": True}
    assert load_baseline(out / "summary.json") == {"good-amount": True, "bad-multi": False, "good-oos": True}


def test_a_bad_baseline_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_baseline(tmp_path / "none.json")
    junk = tmp_path / "junk.json"
    junk.write_text('{"cases": 3}', encoding="utf-8")
    with pytest.raises(InputError, match=r"summary\.json or results\.jsonl"):
        load_baseline(junk)


# --- the gate ----------------------------------------------------------------------------------


def test_a_summary_below_the_thresholds_lists_every_miss() -> None:
    retrieval = RetrievalSummary(
        file="r", mode="hybrid", questions=10, recall_at_1=0.5, recall_at_5=0.9, mrr=0.6
    )
    failures = check_thresholds(sample_run(retrieval).summary, Thresholds())
    assert failures == [
        "case_pass_rate: 0.6667 < 0.9000",
        "amounts: 0.6667 < 1.0000",
        "retrieval_hybrid_recall_at_5: 0.9000 < 0.9500",
    ]


def test_a_summary_meeting_the_thresholds_passes_and_unmeasured_metrics_are_listed() -> None:
    cases = [case("ok", "fact", ZE, [turn("ok", 1, [OK_AMOUNT, GROUNDED])])]
    summary = summarise(cases, INFO)
    assert check_thresholds(summary, Thresholds()) == []
    assert unmeasured(summary) == ["retrieval_hybrid_recall_at_5"]
    assert check_thresholds(summary.model_dump(mode="json"), Thresholds()) == []  # a loaded summary.json too


def test_the_project_thresholds_file_loads_and_never_lowers_a_floor() -> None:
    thresholds = load_thresholds(PROJECT_ROOT / "eval" / "thresholds.yaml")
    for name, floor in FLOORS.items():
        assert getattr(thresholds.gate, name) >= floor, name
    assert FLOORS == {
        "case_pass_rate": 0.90,
        "amounts": 1.0,
        "groundedness": 1.0,
        "retrieval_hybrid_recall_at_5": 0.95,
    }


def test_a_thresholds_file_may_raise_but_not_lower(tmp_path: Path) -> None:
    raised = tmp_path / "raised.yaml"
    raised.write_text("version: 1\ngate:\n  case_pass_rate: 0.97\n", encoding="utf-8")
    assert load_thresholds(raised).gate.case_pass_rate == 0.97
    lowered = tmp_path / "lowered.yaml"
    lowered.write_text("version: 1\ngate:\n  case_pass_rate: 0.5\n", encoding="utf-8")
    with pytest.raises(ThresholdsError, match="only ever raised"):
        load_thresholds(lowered)
    typo = tmp_path / "typo.yaml"
    typo.write_text("version: 1\ngate:\n  amount: 1.0\n", encoding="utf-8")
    with pytest.raises(ThresholdsError, match=r"gate\.amount"):
        load_thresholds(typo)

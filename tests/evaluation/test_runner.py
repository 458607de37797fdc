"""The runner and ``advisor eval`` with the real offline advisor over the real index.

A tiny dataset (four cases, one of them multi-turn, one built to fail) is answered by the
offline engine; the report files are written and parsed back; the CLI exits non-zero when a
threshold is missed and lists regressions against a baseline.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from fakes.openai_server import MODEL, FakeOpenAIServer, Reply

from bot.cli import main
from bot.deps import Deps
from bot.evaluation import load_dataset
from bot.evaluation.report import CHARTS, write_report
from bot.evaluation.runner import run_evaluation
from bot.evaluation.summary import EvalRun
from bot.evaluation.thresholds import Thresholds, check_thresholds

TINY = """\
version: 1
cases:
  - id: t-rates
    kind: fact
    programme: tokyo-zero-emission-energy-saving
    as_of: 2026-11-24
    turns:
      - user: "ゼロエミの補助金って助成率どれくらい？"
        expect:
          programmes: ["tokyo-zero-emission-energy-saving"]
          required: [["3/4", "4分の3"], ["2/3", "3分の2"]]
          citations:
            - {source_id: "tokyo-zero-emission-energy-saving", section: "事業概要 > 助成額等"}
  - id: t-amount-then-change
    kind: amount
    programme: tokyo-zero-emission-energy-saving
    as_of: 2026-11-24
    turns:
      - user: "中小企業です。年間CO2を30トン削減でき、対象経費は8,000万円です。ゼロエミの省エネ助成はいくら？"
        expect:
          programmes: ["tokyo-zero-emission-energy-saving"]
          amounts_yen: [45000000]
      - user: "経費が5,000万円ならどうなりますか？"
        expect:
          amounts_yen: [37500000]
  - id: t-weather
    kind: out_of_scope
    as_of: 2026-11-24
    turns:
      - user: "明日の東京の天気は？"
        expect:
          refusal: true
          no_amounts: true
  - id: t-made-to-fail
    kind: fact
    programme: tokyo-zero-emission-energy-saving
    as_of: 2026-11-24
    turns:
      - user: "ゼロエミの補助金って助成率どれくらい？"
        expect:
          forbidden: ["助成率"]
"""

WEATHER = (
    "version: 1\ncases:\n" + TINY[TINY.index("  - id: t-weather") : TINY.index("  - id: t-made-to-fail")]
)

RETRIEVAL = """\
- id: r-rates
  question: ゼロエミの助成率と上限額
  gold:
    - {source_id: tokyo-zero-emission-energy-saving, section: 事業概要 > 助成額等}
- id: r-credit-period
  question: カーボンクレジット活用促進事業の申請期間
  gold:
    - {source_id: tokyo-carbon-credit-promotion}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture
def retrieval_file(tmp_path: Path) -> Path:
    path = tmp_path / "retrieval.yaml"
    path.write_text(RETRIEVAL, encoding="utf-8")
    return path


@pytest.fixture
def tiny_run(fresh_deps: Deps, tiny: Path, retrieval_file: Path) -> tuple[EvalRun, str]:
    progress = io.StringIO()
    run = run_evaluation(
        fresh_deps, [tiny], workers=2, retrieval_file=retrieval_file, progress=progress, progress_every=2
    )
    return run, progress.getvalue()


def test_the_real_offline_advisor_is_evaluated(tiny_run: tuple[EvalRun, str]) -> None:
    run, progress = tiny_run
    outcome = {case.case_id: case.passed for case in run.cases}
    failed = {c.case_id: [(t.turn, t.failed_checks()) for t in c.turns] for c in run.cases if not c.passed}
    assert outcome == {
        "t-rates": True,
        "t-amount-then-change": True,
        "t-weather": True,
        "t-made-to-fail": False,
    }, failed
    [bad] = run.failures()
    assert [check.name for check in bad.turns[0].failed_checks()] == ["forbidden"]

    multi = next(case for case in run.cases if case.case_id == "t-amount-then-change")
    assert [t.turn for t in multi.turns] == [1, 2]  # one session, turns in order
    assert "3,750万円" in multi.turns[1].answer

    s = run.summary
    assert s.overall.cases == 4 and s.overall.cases_passed == 3 and s.overall.turns == 5
    assert s.run.modes == {"offline": 5} and s.run.datasets == ["tiny"]
    assert s.rates.amounts == 1.0 and s.rates.groundedness == 1.0 and s.rates.refusal == 1.0
    assert s.retrieval is not None and s.retrieval.mode == "hybrid" and s.retrieval.questions == 2
    assert s.latency.p95_s > 0
    assert "[eval] 2/4 cases" in progress and "[eval] 4/4 cases" in progress


def test_the_report_files_exist_and_parse(tiny_run: tuple[EvalRun, str], tmp_path: Path) -> None:
    run, _ = tiny_run
    thresholds = Thresholds()
    out = write_report(
        run,
        tmp_path / "report",
        thresholds=thresholds,
        gate_failures=check_thresholds(run.summary, thresholds),
    )
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert {(r["case_id"], r["turn"]) for r in rows} >= {("t-amount-then-change", 2), ("t-weather", 1)}
    assert all(r["answer"] and r["latency_s"] > 0 and r["checks"] for r in rows)

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["case_pass_rate"] == 0.75
    assert set(summary["by_kind"]) == {"fact", "amount", "out_of_scope"}
    assert summary["case_results"]["t-made-to-fail"] is False
    assert "case_pass_rate: 0.7500 < 0.9000" in summary["gate"]["failures"]

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## 種類別 (by kind)" in report and "## 制度別 (by programme)" in report
    assert "### t-made-to-fail" in report and "`forbidden`" in report
    for name in CHARTS:
        assert (out / name).stat().st_size > 1000


def test_as_of_override_applies_to_every_turn(fresh_deps: Deps, tiny: Path) -> None:
    import datetime as dt

    dataset = load_dataset(tiny)
    one = dataset.model_copy(update={"cases": [dataset.case("t-weather")]})
    run = run_evaluation(fresh_deps, [one], workers=1, as_of_override=dt.date(2027, 1, 5), progress=None)
    assert [t.as_of for t in run.turns()] == [dt.date(2027, 1, 5)]
    assert run.summary.run.as_of_override == dt.date(2027, 1, 5)


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def cli_env(corpus_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``advisor eval`` reads the index from this data dir (and copies it: the run never writes there)."""
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(corpus_data_dir))
    monkeypatch.delenv("ADVISOR_LLM", raising=False)
    monkeypatch.delenv("ADVISOR_DATABASE_URL", raising=False)


def test_advisor_eval_exits_non_zero_when_a_threshold_is_missed(
    cli_env: None, tiny: Path, retrieval_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "before.jsonl"
    baseline.write_text(
        json.dumps({"case_id": "t-made-to-fail", "turn": 1, "passed": True}) + "\n", encoding="utf-8"
    )
    code = main(
        [
            "eval",
            "--dataset",
            str(tiny),
            "--retrieval-file",
            str(retrieval_file),
            "--out",
            str(tmp_path / "reports"),
            "--llm",
            "offline",
            "--baseline",
            str(baseline),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1, out
    assert "CI ゲート: 不合格" in out and "✗ case_pass_rate: 0.7500 < 0.9000" in out
    assert "悪化 1 件" in out and "✗ regression: t-made-to-fail" in out
    assert "検索 hybrid: recall@1" in out
    [report_dir] = (tmp_path / "reports").iterdir()
    assert {"results.jsonl", "summary.json", "report.md", *CHARTS} <= {p.name for p in report_dir.iterdir()}
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["retrieval"]["questions"] == 2 and summary["gate"]["passed"] is False


def test_advisor_eval_dialogue_passes_the_gate_and_lists_a_fix(
    cli_env: None, tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    passing = tmp_path / "passing.yaml"
    passing.write_text(TINY.split("  - id: t-made-to-fail")[0], encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"case_results": {"t-rates": True, "t-weather": False}}), encoding="utf-8")
    code = main(
        [
            "eval",
            "dialogue",
            "--dataset",
            str(passing),
            "--out",
            str(tmp_path / "reports"),
            "--baseline",
            str(baseline),
            "--workers",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "CI ゲート: 合格" in out and "retrieval_hybrid_recall_at_5" in out  # not measured, said so
    assert "悪化 0 件、改善 1 件" in out
    [report_dir] = (tmp_path / "reports").iterdir()
    report = (report_dir / "report.md").read_text(encoding="utf-8")
    assert "### 改善 (fixes): 1 件\n- t-weather" in report


def test_advisor_eval_with_a_bad_dataset_fails_cleanly(
    cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("version: 1\ncases:\n  - id: x\n    kind: chit_chat\n"), encoding="utf-8")
    assert main(["eval", "dialogue", "--dataset", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "bad.yaml" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_advisor_eval_of_an_openai_compatible_provider_with_the_judge(
    cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """How a new provider is evaluated: ``--llm openai-compatible:<model>`` + ADVISOR_LLM_BASE_URL.

    The scripted server answers the advisor's turn, then the judge's rating request.
    """
    weather = tmp_path / "weather.yaml"
    weather.write_text(WEATHER, encoding="utf-8")
    refusal = (
        "申し訳ありませんが、天気についてはお答えできません。このアドバイザーは東京都などの"
        "脱炭素関連の補助金（助成額の試算、申請要件、締切など）についてご案内しています。"
    )
    script = [Reply.text(refusal), Reply.text('{"fluency": 4, "helpfulness": 3, "reason": "丁寧"}')]
    with FakeOpenAIServer(script) as server:
        monkeypatch.setenv("ADVISOR_LLM_BASE_URL", server.base_url)
        code = main(
            [
                "eval",
                "dialogue",
                "--dataset",
                str(weather),
                "--llm",
                f"openai-compatible:{MODEL}",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "reports"),
            ]
        )
        bodies = [request.body for request in server.requests]
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"llm:openai-compatible:{MODEL} × 1" in out
    assert len(bodies) == 2 and "明日の東京の天気は？" in json.dumps(bodies[1], ensure_ascii=False)
    [report_dir] = (tmp_path / "reports").iterdir()
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["judge"] is True
    assert summary["judge_means"] == {"judge_fluency": 4.0, "judge_helpfulness": 3.0}
    assert summary["overall"]["case_pass_rate"] == 1.0


def test_a_misconfigured_llm_fails_before_any_turn(
    cli_env: None,
    tiny: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("ADVISOR_LLM_BASE_URL", raising=False)
    code = main(
        ["eval", "dialogue", "--dataset", str(tiny), "--llm", "openai-compatible:x", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "ADVISOR_LLM_BASE_URL" in capsys.readouterr().err

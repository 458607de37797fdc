"""Running the evaluation: every case of the dialogue datasets against the configured engine.

``run_evaluation(deps, datasets, workers)`` answers each case as its own conversation (a new
session; its turns in order, each through :func:`bot.advisor.answer` as of the case's date or
the override), cases in parallel on a thread pool, and checks every answer with the
evaluators. A turn passes when all its gating checks pass; a case passes when all its turns
pass. With ``retrieval_file`` it also measures hybrid retrieval on the retrieval questions.

The result, :class:`EvalRun`, holds every turn's answer and checks and the
:class:`Summary` (pass rates overall, per kind, per programme and per check; the amounts and
groundedness rates; citation precision/recall; latency percentiles; retrieval metrics) that
``bot.evaluation.report`` writes to ``eval/reports/<timestamp>/`` and the CI gate reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import BaseModel, Field

from bot.errors import AdvisorError, InputError
from bot.evaluation.dataset import Case, Dataset, load_dataset
from bot.evaluation.evaluators import (
    Check,
    EvalContext,
    Evaluator,
    default_evaluators,
    evaluate_turn,
    turn_passed,
)
from bot.evaluation.thresholds import Thresholds

if TYPE_CHECKING:
    from bot.deps import Deps

NO_PROGRAMME = "(none)"
EVAL_CHANNEL = "eval"
DEFAULT_PROGRESS_EVERY = 10


# --- results ---------------------------------------------------------------------------------


class TurnResult(BaseModel):
    """One answered turn: one line of ``results.jsonl``."""

    dataset: str
    split: str = "dev"
    lang: str = "ja"
    case_id: str
    kind: str
    programme: str | None
    turn: int = Field(description="1-based index of the turn in its case")
    as_of: dt.date
    question: str
    answer: str
    mode: str
    programmes: list[str] = []
    citations: list[str] = Field(default=[], description="'source_id § section' of each distinct citation")
    follow_up: list[str] = []
    checks: list[Check] = []
    latency_s: float
    passed: bool
    error: str | None = None

    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if check.gating and not check.passed]


class CaseResult(BaseModel):
    """One case: its turns (up to the first that raised) and whether every turn passed."""

    dataset: str
    split: str = "dev"
    lang: str = "ja"
    case_id: str
    kind: str
    programme: str | None
    turns: list[TurnResult]
    passed: bool
    note: str | None = None

    @property
    def latency_s(self) -> float:
        return sum(turn.latency_s for turn in self.turns)


class PassRate(BaseModel):
    total: int
    passed: int
    rate: float


class Overall(BaseModel):
    cases: int
    cases_passed: int
    case_pass_rate: float
    turns: int
    turns_passed: int
    turn_pass_rate: float


class Rates(BaseModel):
    """Turn-level rates of the gated aspects (None: no turn had such a check)."""

    amounts: float | None = None
    groundedness: float | None = None
    citation_precision_mean: float | None = None
    citation_recall_mean: float | None = None
    follow_up: float | None = None
    refusal: float | None = None


class LatencyStats(BaseModel):
    turns: int
    mean_s: float
    p50_s: float
    p95_s: float
    max_s: float


class RetrievalSummary(BaseModel):
    """Hybrid retrieval on the retrieval questions (bot.retrieval.evaluate)."""

    file: str
    mode: str
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[str] = []


class RunInfo(BaseModel):
    started_at: str
    seconds: float
    modes: dict[str, int] = Field(description="Answers per engine mode (offline, llm:…)")
    workers: int
    datasets: list[str]
    as_of_override: dt.date | None = None
    judge: bool = False


class SplitSummary(BaseModel):
    """One split's pass rates (``by_kind`` also has an ``english`` row for English cases)."""

    overall: Overall
    by_kind: dict[str, PassRate]
    amounts: float | None = None
    groundedness: float | None = None


class Summary(BaseModel):
    """``summary.json``: everything the report, the gate and a later baseline comparison need.

    The top-level figures (and so the CI gate) are the dev split's; ``splits`` has every split,
    the held-out one included, on its own."""

    run: RunInfo
    overall: Overall
    by_kind: dict[str, PassRate]
    by_programme: dict[str, PassRate]
    by_check: dict[str, PassRate]
    rates: Rates
    latency: LatencyStats
    retrieval: RetrievalSummary | None = None
    failure_counts: dict[str, int] = Field(description="Failed gating checks per check name, most first")
    judge_means: dict[str, float] = {}
    case_results: dict[str, bool] = Field(description="case id → passed (for baseline comparisons)")
    splits: dict[str, SplitSummary] = {}


class EvalRun(BaseModel):
    """A whole run: every case's result and the summary."""

    cases: list[CaseResult]
    summary: Summary
    report_dir: Path | None = None

    def turns(self) -> list[TurnResult]:
        return [turn for case in self.cases for turn in case.turns]

    def failures(self) -> list[CaseResult]:
        return [case for case in self.cases if not case.passed]


# --- running ---------------------------------------------------------------------------------

DatasetInput = Dataset | tuple[str, Dataset] | Path | str


def load_datasets(
    datasets: Iterable[DatasetInput], programme_ids: Collection[str] | None = None
) -> list[tuple[str, Dataset]]:
    """(name, dataset) pairs (names: file stems); case ids must be unique across datasets. Files
    are checked against ``programme_ids`` (the knowledge's) when given."""
    loaded: list[tuple[str, Dataset]] = []
    for index, item in enumerate(datasets):
        if isinstance(item, Dataset):
            loaded.append((f"dataset{index + 1}", item))
        elif isinstance(item, tuple):
            loaded.append(item)
        else:
            path = Path(item)
            loaded.append((path.stem, load_dataset(path, programme_ids)))
    seen: dict[str, str] = {}
    for name, dataset in loaded:
        for case in dataset.cases:
            if case.id in seen:
                raise InputError(
                    f"ケースIDが重複しています: {case.id}（{seen[case.id]} と {name}）",
                    f"Case id {case.id} is in both {seen[case.id]} and {name}",
                )
            seen[case.id] = name
    return loaded


def run_case(
    deps: Deps,
    dataset_name: str,
    case: Case,
    evaluators: Sequence[Evaluator],
    thresholds: Thresholds,
    as_of_override: dt.date | None = None,
    split: str = "dev",
) -> CaseResult:
    """Answer a case's turns in order in a new session and check each answer.

    A turn that raises is recorded with an ``error`` check and ends the case (later turns
    depend on it).
    """
    from bot.advisor import answer

    as_of = as_of_override or case.as_of
    session_id: str | None = None
    turns: list[TurnResult] = []
    for index, turn in enumerate(case.turns, start=1):
        started = time.perf_counter()
        base = {
            "dataset": dataset_name,
            "split": split,
            "lang": case.lang,
            "case_id": case.id,
            "kind": case.kind,
            "programme": case.programme,
            "turn": index,
            "as_of": as_of,
            "question": turn.user,
        }
        try:
            result = answer(turn.user, session_id=session_id, as_of=as_of, deps=deps, channel=EVAL_CHANNEL)
        except Exception as exc:  # a crash is a failed turn, not a failed run
            latency = time.perf_counter() - started
            error = f"{type(exc).__name__}: {exc}"
            check = Check(name="error", passed=False, reason=error[:500])
            turns.append(
                TurnResult(
                    **base,
                    answer="",
                    mode="error",
                    checks=[check],
                    latency_s=round(latency, 3),
                    passed=False,
                    error=error,
                )
            )
            break
        latency = time.perf_counter() - started
        session_id = result.session_id
        context = EvalContext(knowledge=deps.knowledge, latency_s=latency, budgets=thresholds.turn)
        checks = evaluate_turn(case, turn, result, context, evaluators)
        turns.append(
            TurnResult(
                **base,
                answer=result.answer,
                mode=result.mode,
                programmes=result.programmes,
                citations=list(dict.fromkeys(f"{c.source_id} § {c.section}" for c in result.citations)),
                follow_up=result.follow_up,
                checks=checks,
                latency_s=round(latency, 3),
                passed=turn_passed(checks),
            )
        )
    passed = len(turns) == len(case.turns) and all(t.passed for t in turns)
    return CaseResult(
        dataset=dataset_name,
        split=split,
        lang=case.lang,
        case_id=case.id,
        kind=case.kind,
        programme=case.programme,
        turns=turns,
        passed=passed,
        note=case.note,
    )


def run_evaluation(
    deps: Deps,
    datasets: Iterable[DatasetInput],
    workers: int = 2,
    as_of_override: dt.date | None = None,
    *,
    thresholds: Thresholds | None = None,
    retrieval_file: Path | None = None,
    judge: Evaluator | None = None,
    evaluators: Sequence[Evaluator] | None = None,
    progress: TextIO | None = sys.stderr,
    progress_every: int = DEFAULT_PROGRESS_EVERY,
) -> EvalRun:
    """Run every case of ``datasets`` (files or loaded datasets) with ``workers`` threads.

    ``progress`` gets a line every ``progress_every`` cases (None: silent). ``judge`` (an
    :class:`~bot.evaluation.evaluators.LlmJudge`) adds non-gating ratings to every turn.
    """
    thresholds = thresholds or Thresholds()
    loaded = load_datasets(datasets, deps.knowledge.programmes)
    chosen = list(evaluators) if evaluators is not None else default_evaluators()
    if judge is not None:
        chosen.append(judge)
    jobs = [(name, dataset.split, case) for name, dataset in loaded for case in dataset.cases]
    warm_up(deps)
    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    results: dict[str, CaseResult] = {}
    report = _progress_printer(progress, progress_every, len(jobs), clock)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="eval") as pool:
        futures = {
            pool.submit(run_case, deps, name, case, chosen, thresholds, as_of_override, split): case.id
            for name, split, case in jobs
        }
        for future in as_completed(futures):
            result = future.result()
            results[result.case_id] = result
            report(results.values())
    cases = [results[case.id] for _, _, case in jobs]
    retrieval = evaluate_retrieval(deps, retrieval_file) if retrieval_file is not None else None
    info = RunInfo(
        started_at=started_at.isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - clock, 2),
        modes=dict(Counter(turn.mode for case in cases for turn in case.turns)),
        workers=max(1, workers),
        datasets=[name for name, _ in loaded],
        as_of_override=as_of_override,
        judge=judge is not None,
    )
    return EvalRun(cases=cases, summary=summarise(cases, info, retrieval))


WARM_UP_QUESTION = "省エネ設備の補助金の助成率と上限額は？"


def warm_up(deps: Deps) -> None:
    """Open the index, the store and the offline engine (templates, tokenizer, embedder) before
    any turn is timed: cold start is not a turn's latency.

    The offline engine answers one question outside any session (nothing is stored, no LLM is
    called). A failure here is not an error: the turns will fail the same way and the report
    shows why.
    """
    from bot.advisor import run_engine
    from bot.agent.base import TurnContext

    with contextlib.suppress(AdvisorError):
        deps.retriever.search(WARM_UP_QUESTION, k=1)
    with contextlib.suppress(AdvisorError):
        _ = deps.store
    ctx = TurnContext(message=WARM_UP_QUESTION, session_id="eval-warm-up", as_of=dt.date.today())
    with contextlib.suppress(Exception):
        run_engine(deps.offline_engine, ctx, deps)


def _progress_printer(
    stream: TextIO | None, every: int, total: int, clock: float
) -> Callable[[Iterable[CaseResult]], None]:
    def report(done: Iterable[CaseResult]) -> None:
        if stream is None:
            return
        finished = list(done)
        count = len(finished)
        if count % max(1, every) and count != total:
            return
        passed = sum(1 for case in finished if case.passed)
        elapsed = time.perf_counter() - clock
        print(f"[eval] {count}/{total} cases, {passed} passed, {elapsed:.1f} s", file=stream, flush=True)

    return report


def evaluate_retrieval(deps: Deps, path: Path) -> RetrievalSummary:
    """Hybrid recall@1/@5 and MRR of the retrieval questions in ``path``."""
    from bot.retrieval.evaluate import evaluate_search, load_eval_cases

    retriever = deps.retriever
    questions = load_eval_cases(path)
    report = evaluate_search(
        lambda q, k, mode: retriever.search(q, k=k, mode=mode).hits,
        questions,
        modes=("hybrid",),
        file=str(path),
    )
    metrics = report.modes[0]
    return RetrievalSummary(
        file=str(path),
        mode=metrics.mode,
        questions=metrics.questions,
        recall_at_1=metrics.recall_at_1,
        recall_at_5=metrics.recall_at_5,
        mrr=metrics.mrr,
        misses=metrics.misses,
    )


# --- the summary -----------------------------------------------------------------------------


def _rate(passed: int, total: int) -> float:
    return round(passed / total, 4) if total else 0.0


def _pass_rates(groups: Mapping[str, list[bool]]) -> dict[str, PassRate]:
    return {
        key: PassRate(total=len(values), passed=sum(values), rate=_rate(sum(values), len(values)))
        for key, values in sorted(groups.items())
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest-rank method (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarise(
    cases: Sequence[CaseResult], info: RunInfo, retrieval: RetrievalSummary | None = None
) -> Summary:
    """Pass rates, rates of the gated aspects, latency and failure counts of a run: the dev
    split's at the top level (all cases when there is no dev case), each split's in ``splits``."""
    splits = {name: summarise_split([c for c in cases if c.split == name]) for name in _splits(cases)}
    cases = [case for case in cases if case.split == "dev"] or list(cases)
    turns = [turn for case in cases for turn in case.turns]
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_programme: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        by_kind[case.kind].append(case.passed)
        by_programme[case.programme or NO_PROGRAMME].append(case.passed)
    by_check: dict[str, list[bool]] = defaultdict(list)
    scores: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    for turn in turns:
        for check in turn.checks:
            by_check[check.name].append(check.passed)
            if check.score is not None:
                scores[check.name].append(check.score)
            if check.gating and not check.passed:
                failures[check.name] += 1
    check_rates = _pass_rates(by_check)

    def rate_of(name: str) -> float | None:
        return check_rates[name].rate if name in check_rates else None

    def mean_of(name: str) -> float | None:
        values = scores.get(name)
        return round(sum(values) / len(values), 4) if values else None

    latencies = [turn.latency_s for turn in turns]
    cases_passed = sum(1 for case in cases if case.passed)
    turns_passed = sum(1 for turn in turns if turn.passed)
    return Summary(
        run=info,
        overall=Overall(
            cases=len(cases),
            cases_passed=cases_passed,
            case_pass_rate=_rate(cases_passed, len(cases)),
            turns=len(turns),
            turns_passed=turns_passed,
            turn_pass_rate=_rate(turns_passed, len(turns)),
        ),
        by_kind=_pass_rates(by_kind),
        by_programme=_pass_rates(by_programme),
        by_check=check_rates,
        rates=Rates(
            amounts=rate_of("amounts"),
            groundedness=rate_of("grounded"),
            citation_precision_mean=mean_of("citation_precision"),
            citation_recall_mean=mean_of("citation_recall"),
            follow_up=rate_of("follow_up"),
            refusal=rate_of("refusal"),
        ),
        latency=LatencyStats(
            turns=len(latencies),
            mean_s=round(sum(latencies) / len(latencies), 3) if latencies else 0.0,
            p50_s=round(percentile(latencies, 50), 3),
            p95_s=round(percentile(latencies, 95), 3),
            max_s=round(max(latencies, default=0.0), 3),
        ),
        retrieval=retrieval,
        failure_counts=dict(failures.most_common()),
        judge_means={
            name: mean
            for name in sorted(scores)
            if name.startswith("judge_") and (mean := mean_of(name)) is not None
        },
        case_results={case.case_id: case.passed for case in cases},
        splits=splits,
    )


def _splits(cases: Sequence[CaseResult]) -> list[str]:
    return list(dict.fromkeys(case.split for case in cases))


def summarise_split(cases: Sequence[CaseResult]) -> SplitSummary:
    """One split: overall, by kind (and ``english``), amounts and groundedness."""
    turns = [turn for case in cases for turn in case.turns]
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        by_kind[case.kind].append(case.passed)
        if case.lang == "en":
            by_kind["english"].append(case.passed)
    checks: dict[str, list[bool]] = defaultdict(list)
    for turn in turns:
        for check in turn.checks:
            checks[check.name].append(check.passed)
    rates = _pass_rates(checks)
    cases_passed = sum(1 for case in cases if case.passed)
    turns_passed = sum(1 for turn in turns if turn.passed)
    return SplitSummary(
        overall=Overall(
            cases=len(cases),
            cases_passed=cases_passed,
            case_pass_rate=_rate(cases_passed, len(cases)),
            turns=len(turns),
            turns_passed=turns_passed,
            turn_pass_rate=_rate(turns_passed, len(turns)),
        ),
        by_kind=_pass_rates(by_kind),
        amounts=rates["amounts"].rate if "amounts" in rates else None,
        groundedness=rates["grounded"].rate if "grounded" in rates else None,
    )

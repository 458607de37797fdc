"""The evaluation's results and their summary: what ``summary.json`` and ``results.jsonl`` hold.

:class:`EvalRun` holds every case's turns with their checks and the :class:`Summary` — pass
rates overall, per kind, per programme and per check; the amounts and groundedness rates;
citation precision/recall; latency percentiles; retrieval metrics; and each split's own figures
(``splits``; the top level is the dev split's, which the CI gate reads).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from bot.evaluation.evaluators import Check

NO_PROGRAMME = "(none)"

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
    return Summary(
        run=info,
        overall=_overall(cases),
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


def _overall(cases: Sequence[CaseResult]) -> Overall:
    turns = [turn for case in cases for turn in case.turns]
    cases_passed = sum(1 for case in cases if case.passed)
    turns_passed = sum(1 for turn in turns if turn.passed)
    return Overall(
        cases=len(cases),
        cases_passed=cases_passed,
        case_pass_rate=_rate(cases_passed, len(cases)),
        turns=len(turns),
        turns_passed=turns_passed,
        turn_pass_rate=_rate(turns_passed, len(turns)),
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
    return SplitSummary(
        overall=_overall(cases),
        by_kind=_pass_rates(by_kind),
        amounts=rates["amounts"].rate if "amounts" in rates else None,
        groundedness=rates["grounded"].rate if "grounded" in rates else None,
    )

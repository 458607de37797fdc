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
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.errors import AdvisorError, InputError
from bot.evaluation.dataset import Case, Dataset, DatasetError, load_dataset
from bot.evaluation.evaluators import (
    Check,
    EvalContext,
    Evaluator,
    default_evaluators,
    evaluate_turn,
    turn_passed,
)
from bot.evaluation.summary import (
    CaseResult,
    EvalRun,
    RetrievalSummary,
    RunInfo,
    TurnResult,
    summarise,
)
from bot.evaluation.thresholds import Thresholds

if TYPE_CHECKING:
    from bot.deps import Deps

EVAL_CHANNEL = "eval"
DEFAULT_PROGRESS_EVERY = 10


# --- running ---------------------------------------------------------------------------------

DatasetInput = Dataset | tuple[str, Dataset] | Path | str


def _dataset_files(path: Path) -> list[Path]:
    """A dataset file, or every ``*.yaml`` file in a dataset folder (sorted)."""
    if not path.is_dir():
        return [path]
    files = sorted(path.glob("*.yaml"))
    if not files:
        raise DatasetError(
            f"フォルダに評価データ (*.yaml) がありません: {path}", f"No dataset files (*.yaml) in {path}"
        )
    return files


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
            for path in _dataset_files(Path(item)):
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
    from bot.agent.offline.rulings import ruling_index

    with contextlib.suppress(AdvisorError):
        deps.retriever.search(WARM_UP_QUESTION, k=1)
    with contextlib.suppress(AdvisorError):
        _ = deps.store
    ctx = TurnContext(message=WARM_UP_QUESTION, session_id="eval-warm-up", as_of=dt.date.today())
    with contextlib.suppress(Exception):
        run_engine(deps.offline_engine, ctx, deps)
        ruling_index(deps.embedder, deps.knowledge, deps.settings.data_dir / "cache")


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

"""Offline ``answer()`` latency over the gold dialogue set (eval/datasets/dialogue.yaml).

In-process, the offline engine (``ADVISOR_LLM`` unset), a temp data dir (SQLite store) and the
real index. Every case runs as one session: its turns in order, ``as_of`` from the case. After
a warm-up (the first call opens the retriever, SudachiPy and the store; it is reported on its
own), ``--repeats`` passes over all cases are timed per turn and summarised per turn, per turn
position and per case kind. Turns whose ``answer()`` raises are counted (by exception type) and
left out of the latency figures; the run never stops on them. Figures only: no assertions.

Prints Markdown tables (with the command that produced them) to paste into docs/benchmarks.md;
progress goes to stderr. Usage (~1–2 min on 2 cores)::

    .venv/bin/python bench/answer.py
    .venv/bin/python bench/answer.py --repeats 1 --cases 40      # quick
"""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common import finish_report, machine_lines, table  # noqa: E402

from bot.advisor import answer  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from bot.evaluation.dataset import Case, load_dataset  # noqa: E402

DATASET = ROOT / "eval" / "datasets" / "dialogue.yaml"
TARGET_P95_MS = 100.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(values: Sequence[float], q: float) -> float:
    """The q-th percentile (linear interpolation) of durations in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) * 1000.0 if values else float("nan")


def fmt(value: float) -> str:
    return "—" if value != value else f"{value:,.1f}"  # NaN → dash


def prepare_data_dir(data_dir: Path | None, workdir: Path) -> tuple[Settings, str]:
    """Offline settings over a data dir with an up-to-date index and a fresh SQLite store."""
    from bot.knowledge.loader import load_knowledge
    from bot.retrieval.index import build_index

    target = workdir / "data"
    target.mkdir(parents=True)
    source = (data_dir / "index") if data_dir is not None else ROOT / ".advisor" / "index"
    how = "built from scratch"
    if (source / "CURRENT").is_file():
        try:
            shutil.copytree(source, target / "index", ignore=shutil.ignore_patterns(".lock"))
            how = f"copied from {source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}"
            how += ", updated incrementally"
        except (OSError, shutil.Error):
            shutil.rmtree(target / "index", ignore_errors=True)
    settings = load_settings(data_dir=target, llm=None, database_url=None)
    report = build_index(settings, load_knowledge(settings.knowledge_dir))
    return settings, f"{how} ({report.embedded_chunks} chunks embedded, {report.seconds:.1f} s)"


class WarningCounter(logging.Handler):
    """Counts WARNING-and-above log records (e.g. the grounding guard dropping a line)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1


@dataclass(frozen=True)
class TurnTiming:
    case_id: str
    kind: str
    position: int  # 1-based turn number within the case
    seconds: float
    cpu_seconds: float  # process CPU time (all threads): less sensitive to other load
    error: str | None  # exception type name when answer() raised
    mode: str | None


def run_case(case: Case, deps: Deps) -> list[TurnTiming]:
    """One case as one session: its turns in order; errors are recorded, never raised."""
    session_id: str | None = None
    out: list[TurnTiming] = []
    for position, turn in enumerate(case.turns, start=1):
        error: str | None = None
        mode: str | None = None
        cpu_start = time.process_time()
        start = time.perf_counter()
        try:
            result = answer(turn.user, session_id=session_id, as_of=case.as_of, deps=deps)
        except Exception as exc:  # counted and reported; the benchmark goes on
            error = type(exc).__name__
        else:
            session_id = result.session_id
            mode = result.mode
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        out.append(TurnTiming(case.id, case.kind, position, wall, cpu, error, mode))
    return out


def summary_row(label: str, timings: Sequence[TurnTiming]) -> list[str]:
    ok = [t.seconds for t in timings if t.error is None]
    cpu = [t.cpu_seconds for t in timings if t.error is None]
    errors = sum(1 for t in timings if t.error is not None)
    return [
        label,
        str(len(timings)),
        str(errors),
        fmt(ms(ok, 50)),
        fmt(ms(ok, 95)),
        fmt(max(ok) * 1000 if ok else float("nan")),
        fmt(float(np.mean(ok)) * 1000 if ok else float("nan")),
        f"{fmt(ms(cpu, 50))} / {fmt(ms(cpu, 95))}",
    ]


HEADERS = ["", "turns", "errors", "p50 ms", "p95 ms", "max ms", "mean ms", "CPU ms p50 / p95"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", type=Path, default=DATASET, help="dialogue dataset (YAML)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the cases")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up cases (untimed, own sessions)")
    parser.add_argument("--cases", type=int, default=0, help="only the first N cases (0: all)")
    parser.add_argument("--data-dir", type=Path, default=None, help="copy this data dir's index")
    parser.add_argument("--output", type=Path, default=None, help="also write the Markdown here")
    parser.add_argument("--verbose", action="store_true", help="show the product's log warnings")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    counter = WarningCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    if args.verbose:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        root.addHandler(stream)
    root.setLevel(logging.WARNING)
    shown_cmd = " ".join(
        [".venv/bin/python", "bench/answer.py", *(shlex.quote(a) for a in (argv or sys.argv[1:]))]
    )
    out: list[str] = [f"Command: `{shown_cmd}`", "", *machine_lines()]

    dataset = load_dataset(args.dataset)
    cases = dataset.cases[: args.cases] if args.cases else list(dataset.cases)
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        log("preparing the real index")
        settings, how = prepare_data_dir(args.data_dir, Path(tmp))
        start = time.perf_counter()
        deps = build_deps(settings)
        deps_s = time.perf_counter() - start
        try:
            log(f"warm-up: {args.warmup} cases")
            warm = [t for case in cases[: args.warmup] for t in run_case(case, deps)]
            first_call = warm[0].seconds if warm else float("nan")
            counter.counts.clear()
            timings: list[TurnTiming] = []
            for repeat in range(args.repeats):
                log(f"pass {repeat + 1}/{args.repeats} over {len(cases)} cases")
                for case in cases:
                    timings.extend(run_case(case, deps))
        finally:
            deps.close()

    turns = sum(len(c.turns) for c in cases)
    modes = Counter(t.mode for t in timings if t.mode is not None)
    out.append(
        f"- index: {how}; store: SQLite in a temp data dir (one session per case); "
        f"engine: offline (answer modes seen: {dict(modes) or 'none'})"
    )
    out.append(
        f"- dataset: {args.dataset.relative_to(ROOT) if args.dataset.is_relative_to(ROOT) else args.dataset}"
        f" — {len(cases)} cases, {turns} turns; {args.repeats} timed passes after {args.warmup} warm-up "
        f"cases; build_deps {deps_s * 1000:.0f} ms; first answer() in the process (opens the retriever, "
        f"SudachiPy, the store) {first_call * 1000:.0f} ms"
    )
    out.append("")
    out.append(
        "Per turn (wall-clock; errors are excluded from the latency figures; CPU = process CPU time "
        "per turn, less sensitive to other load on the machine):"
    )
    out.append("")
    rows = [summary_row("all turns", timings)]
    rows.append(summary_row("first turn of a case", [t for t in timings if t.position == 1]))
    rows.append(summary_row("later turns (with history)", [t for t in timings if t.position > 1]))
    out.append(table(HEADERS, rows))
    out.append("")
    out.append("Per case kind:")
    out.append("")
    by_kind: dict[str, list[TurnTiming]] = defaultdict(list)
    for t in timings:
        by_kind[t.kind].append(t)
    rows = [summary_row(kind, by_kind[kind]) for kind in sorted(by_kind)]
    out.append(table(["kind", *HEADERS[1:]], rows))
    slowest = sorted((t for t in timings if t.error is None), key=lambda t: -t.seconds)[:5]
    if slowest:
        out.append("")
        out.append(
            "Slowest turns: "
            + ", ".join(f"{t.case_id} #{t.position} ({t.seconds * 1000:.0f} ms)" for t in slowest)
            + "."
        )
    errors = Counter(t.error for t in timings if t.error is not None)
    if errors:
        failing = sorted({f"{t.case_id} #{t.position}" for t in timings if t.error is not None})
        out.append("")
        out.append(
            f"Errors: {sum(errors.values())} of {len(timings)} turns ({dict(errors)}); "
            f"turns: {', '.join(failing[:15])}{' …' if len(failing) > 15 else ''}."
        )
    if counter.counts:
        out.append("")
        out.append(f"Log warnings during the timed passes: {dict(counter.counts)}.")
    ok = [t.seconds for t in timings if t.error is None]
    p95 = ms(ok, 95)
    out.append("")
    out.append(
        table(
            ["target", "measured", "verdict"],
            [
                [
                    f"offline answer() p95 ≤ {TARGET_P95_MS:.0f} ms",
                    f"{fmt(p95)} ms",
                    "met" if p95 <= TARGET_P95_MS else "**missed**",
                ]
            ],
        )
    )
    finish_report(out, started, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``advisor calc`` and ``advisor status``: the calculators from the command line.

``advisor calc <programme-id> [--json] key=value …`` (keys: ``category``, ``eligible_cost``,
``cost.<item_id>`` and the programme's input names, values read by the input's type) and
``advisor status [<programme-id>] [--as-of YYYY-MM-DD] [--json]`` (default: today in Tokyo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.errors import InputError

if TYPE_CHECKING:
    from bot.knowledge.loader import KnowledgeBase
    from bot.knowledge.models import Programme
    from bot.tools.grant_models import GrantInput, GrantResult
    from bot.tools.status import StatusResult

TOKYO = "Asia/Tokyo"
COST_KEYS = ("eligible_cost", "eligible_cost_yen")
STATE_JA = {"open": "受付中", "upcoming": "開始前", "closed": "受付終了", "passed": "期限切れ"}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register this module's commands."""
    calc = subparsers.add_parser("calc", help="助成額を計算 (compute a grant amount)")
    calc.add_argument("programme_id", help="制度ID (programme id)")
    calc.add_argument(
        "assignments",
        nargs=argparse.REMAINDER,
        metavar="key=value",
        help="category=1 eligible_cost=8000万円 cost.equipment=500万円 co2_reduction_t=30t …",
    )
    calc.add_argument("--json", action="store_true", help="JSON で出力 (print the GrantResult as JSON)")
    calc.set_defaults(handler=run_calc)

    status = subparsers.add_parser("status", help="受付状況 (application windows and deadlines)")
    status.add_argument("programme_id", nargs="?", help="制度ID（省略時はすべて） (default: every programme)")
    status.add_argument("--as-of", dest="as_of", help="基準日 YYYY-MM-DD（省略時は東京の今日）")
    status.add_argument("--json", action="store_true", help="JSON で出力")
    status.set_defaults(handler=run_status)


def _load_knowledge() -> KnowledgeBase:
    from bot.config import Settings
    from bot.knowledge.loader import load_knowledge

    return load_knowledge(Settings().knowledge_dir)


# --- calc ----------------------------------------------------------------------------------


def run_calc(args: argparse.Namespace) -> int:
    from bot.tools.grant import calculate_grant

    as_json = args.json or "--json" in args.assignments  # --json may come after the key=value words
    assignments = [word for word in args.assignments if word != "--json"]
    programme = _load_knowledge().programme(args.programme_id)
    result = calculate_grant(programme, parse_assignments(programme, assignments))
    print(result.model_dump_json(indent=2) if as_json else format_grant(result))
    return 0


def parse_assignments(programme: Programme, assignments: Sequence[str]) -> GrantInput:
    """``key=value`` words → GrantInput, each value read by the programme's input type."""
    from bot.tools.conditions import coerce_fact
    from bot.tools.grant_models import GrantInput
    from bot.tools.parsing import parse_yen

    specs = {spec.name: spec for spec in programme.inputs}
    fields: dict[str, Any] = {"costs": {}, "facts": {}}
    for assignment in assignments:
        key, value = _split(assignment)
        if key == "category":
            fields["category"] = value
        elif key in COST_KEYS:
            fields["eligible_cost_yen"] = parse_yen(value)
        elif key.startswith("cost."):
            fields["costs"][key.removeprefix("cost.")] = parse_yen(value)
        elif key in specs:
            fields["facts"][key] = coerce_fact(specs[key], value)
        elif key in _worksheet_inputs(programme):
            fields["facts"][key] = parse_yen(value)
        else:
            raise _unknown_key(key, [*specs, *_worksheet_inputs(programme)])
    return GrantInput.model_validate(fields)


def _split(assignment: str) -> tuple[str, str]:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise InputError(
            f"「{assignment}」は key=value の形で指定してください（例: eligible_cost=8000万円）",
            f"'{assignment}' is not key=value (e.g. eligible_cost=8000万円)",
        )
    return key.strip(), value.strip()


def _worksheet_inputs(programme: Programme) -> list[str]:
    from bot.knowledge.models import WorksheetCalculation
    from bot.tools.worksheet import worksheet_inputs

    calc = programme.calculation
    return worksheet_inputs(calc) if isinstance(calc, WorksheetCalculation) else []


def _unknown_key(key: str, facts: list[str]) -> InputError:
    valid = ", ".join(["category", "eligible_cost", "cost.<item_id>", *dict.fromkeys(facts)])
    return InputError(
        f"「{key}」は使えない項目です。使える項目: {valid}", f"Unknown key '{key}'. Valid keys: {valid}"
    )


def format_grant(result: GrantResult) -> str:
    """A GrantResult as Japanese lines: amount, steps, exclusions, warnings, questions, sources."""
    lines = [f"{result.programme_name} ({result.programme_id})", result.message]
    if result.steps:
        lines += ["", "計算:", *(f"  {n}. {step}" for n, step in enumerate(result.steps, 1))]
    if result.excluded:
        lines += ["", "対象外の経費:"]
        lines += [f"  - {x.name} {x.amount_yen:,}円: {x.reason}" for x in result.excluded]
    if result.rounding is not None:
        note = f" — {result.rounding.note}" if result.rounding.note else ""
        lines += ["", f"端数処理: {result.rounding.description}{note}"]
    if result.warnings:
        lines += ["", "注意:", *(f"  - {warning}" for warning in result.warnings)]
    if result.missing:
        lines += ["", "確認が必要な情報:", *(f"  - {m.question} ({m.name})" for m in result.missing)]
    lines += ["", "出典:", *(f"  - [{s.doc}] {s.section}: 「{s.quote}」" for s in result.sources)]
    return "\n".join(lines)


# --- status --------------------------------------------------------------------------------


def run_status(args: argparse.Namespace) -> int:
    from bot.tools.status import application_status

    as_of, now = resolve_as_of(args.as_of)
    knowledge = _load_knowledge()
    ids = [args.programme_id] if args.programme_id else sorted(knowledge.programmes)
    results = [application_status(knowledge.programme(pid), as_of, now) for pid in ids]
    if args.json:
        data = {"as_of": as_of.isoformat(), "programmes": [r.model_dump(mode="json") for r in results]}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(
            "\n\n".join([f"基準日: {as_of.year}年{as_of.month}月{as_of.day}日", *map(format_status, results)])
        )
    return 0


def resolve_as_of(text: str | None) -> tuple[dt.date, dt.time | None]:
    """The given date (no time of day), or today and the time now in Asia/Tokyo."""
    if text is None:
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo(TOKYO))
        return now.date(), now.time().replace(microsecond=0)
    try:
        return dt.date.fromisoformat(text.strip()), None
    except ValueError:
        raise InputError(
            f"基準日「{text}」は YYYY-MM-DD の形で指定してください（例: 2026-01-19）",
            f"--as-of '{text}' must be YYYY-MM-DD (e.g. 2026-01-19)",
        ) from None


def format_status(result: StatusResult) -> str:
    """A StatusResult as Japanese lines: each window and deadline with its state, then the summary."""
    lines = [f"{result.programme_name} ({result.programme_id})"]
    lines += [f"  [{STATE_JA[w.state]}] {w.sentence}" for w in result.windows]
    lines += [
        f"  [{'期限前' if d.state == 'upcoming' else '期限切れ'}] {d.sentence}" for d in result.deadlines
    ]
    lines.append(f"  まとめ: {result.summary}")
    return "\n".join(lines)

"""English renderings of the calculators' results: yen, dates, fiscal years, steps and statuses.

The calculators (:mod:`bot.tools.grant`, :mod:`bot.tools.worksheet`, :mod:`bot.tools.status`)
return structured results with Japanese sentences; these functions write the same results in
English from their fields — the figures are the results' own, never recomputed differently.
Names (categories, cost items, worksheet lines, deadlines) come in as mappings from the
programme's ``english:`` block; a name without a translation is shown as the documents write it.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

from bot.knowledge.models import Rounding
from bot.tools.grant_models import GrantResult, RoundingInfo
from bot.tools.status import DeadlineStatus, StatusResult, WindowStatus
from bot.tools.worksheet import SHOWN_DECIMALS, apply_rounding, format_rate

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ERAS = {"令和": 2018, "平成": 1988}  # era year 1 = base + 1
_FISCAL_YEAR = re.compile(r"^(令和|平成)(\d{1,2}|元)年度$|^(\d{4})年度$")
RULES_EN = {"floor": "rounded down", "ceil": "rounded up", "round_half_up": "rounded half up"}
SELECTION_EN = {
    "lottery": "a lottery if applications exceed the budget (not first come, first served)",
    "first_come": "first come, first served",
    "review": "selection by review",
    "budget_first_come": "first come, first served until the budget is used up",
}
KIND_EN = {"application": "Applications", "submission": "Submissions", "proposal": "Proposals"}


# --- figures -----------------------------------------------------------------------------------


def yen(amount: int) -> str:
    """¥45,000,000."""
    if amount < 0:
        raise ValueError(f"yen needs a non-negative amount, got {amount}")
    return f"¥{amount:,}"


def exact_yen(value: Fraction) -> str:
    """An exact yen value: ¥60,000,000, ¥7,500,000.75 or ¥6,666,666.666…."""
    if value.denominator == 1:
        return yen(int(value))
    whole = math.floor(value)
    scaled = (value - whole) * 10**SHOWN_DECIMALS
    digits = f"{math.floor(scaled):0{SHOWN_DECIMALS}d}"
    digits = digits.rstrip("0") if scaled.denominator == 1 else digits + "…"
    return f"¥{whole:,}.{digits}"


def date(day: dt.date) -> str:
    """3 December 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def time(moment: dt.time | None) -> str:
    """ " 17:00" (with a leading space), or nothing when the document gives no time."""
    return f" {moment.hour}:{moment.minute:02d}" if moment is not None else ""


def fiscal_year(text: str) -> str:
    """令和7年度 → FY2025, 平成22年度 → FY2010, 2025年度 → FY2025; anything else as written."""
    match = _FISCAL_YEAR.match(text.strip())
    if match is None:
        return text
    if match.group(3):
        return f"FY{match.group(3)}"
    number = 1 if match.group(2) == "元" else int(match.group(2))
    return f"FY{ERAS[match.group(1)] + number}"


def rounding(info: RoundingInfo) -> str:
    """「rounded down to whole yen (the documents do not state the rule)」, or to the nearest
    ¥1,000 for a larger unit."""
    unit = "whole yen" if info.unit_yen == 1 else f"the nearest {yen(info.unit_yen)}"
    text = f"{RULES_EN[info.rule]} to {unit}"
    return text if info.stated else f"{text} (the documents do not state the rule)"


# --- grant steps --------------------------------------------------------------------------------


def grant_steps(
    result: GrantResult,
    categories: Mapping[str, str] | None = None,
    items: Mapping[str, str] | None = None,
) -> list[str]:
    """The calculation of a rate-and-cap result, step by step, in English."""
    categories, items = categories or {}, items or {}
    if result.amount_yen is None or result.rate is None or result.eligible_cost_yen is None:
        return []
    steps: list[str] = []
    if result.category is not None:
        name = categories.get(result.category.id, result.category.name)
        label = f"Category {result.category.id}" if result.category.id.isdigit() else "Category"
        cap = yen(result.cap_yen) if result.cap_yen is not None else "not stated"
        steps.append(f"{label} ({name}): rate {format_rate(result.rate)}, cap {cap}")
    eligible = result.eligible_cost_yen
    counted = sum(line.amount_yen for line in result.cost_items)
    parts = [f"{items.get(line.item, line.name)} {yen(line.amount_yen)}" for line in result.cost_items]
    if result.cost_items and counted < eligible:
        steps.append(
            f"Eligible costs = total {yen(eligible - counted)} + {' + '.join(parts)} = {yen(eligible)}"
        )
    elif result.cost_items:
        steps.append(f"Eligible costs = {' + '.join(parts)} = {yen(eligible)}")
    else:
        steps.append(f"Eligible costs {yen(eligible)} (given as a total)")
    steps += [
        f"Not eligible: {items.get(x.item, x.name)} {yen(x.amount_yen)} (not counted)"
        for x in result.excluded
    ]
    product = Fraction(eligible) * result.rate
    step = f"Eligible costs {yen(eligible)} × rate {format_rate(result.rate)} = {exact_yen(product)}"
    if result.rounding is not None and result.rounding.applied:
        rule = Rounding.model_validate({"rule": result.rounding.rule, "unit_yen": result.rounding.unit_yen})
        step += f" → {rounding(result.rounding)} → {yen(apply_rounding(product, rule))}"
    steps.append(step)
    steps.append(cap_step(result.cap_yen, result.capped, result.amount_yen))
    return steps


def cap_step(cap: int | None, capped: bool, amount: int) -> str:
    """「Cap ¥45,000,000 applied → grant ¥45,000,000」."""
    if cap is None:
        return f"Cap: not stated in the documents → grant {yen(amount)}"
    if capped:
        return f"Cap {yen(cap)} applied → grant {yen(amount)}"
    return f"Within the cap of {yen(cap)} → grant {yen(amount)}"


def worksheet_steps(result: GrantResult, labels: Mapping[str, str] | None = None) -> list[str]:
    """A worksheet result line by line: 「(3) Difference = ¥20,000,000」, then the cap if any."""
    labels = labels or {}
    steps = [f"{labels.get(line.id, line.label)} = {yen(line.value_yen)}" for line in result.lines]
    if result.amount_yen is not None and result.cap_yen is not None:
        steps.append(cap_step(result.cap_yen, result.capped, result.amount_yen))
    return steps


# --- application status ---------------------------------------------------------------------------


def window_name(window: WindowStatus) -> str:
    """FY2025 round 5 (or FY2025, or the fiscal year and the window's label)."""
    year = fiscal_year(window.fiscal_year)
    if window.round is not None:
        return f"{year} round {window.round}"
    return year if window.name == window.fiscal_year else f"{year} ({window.label})"


def span(window: WindowStatus) -> str:
    """「19 January 2026 9:00 – 30 January 2026 17:00 (must arrive)」."""
    end = f"{date(window.end)}{time(window.end_time)}"
    arrive = " (must arrive by then)" if window.must_arrive else ""
    return f"{date(window.start)}{time(window.start_time)} – {end}{arrive}"


def window_sentence(window: WindowStatus) -> str:
    """The window's state on the as-of date, in English."""
    noun, name = KIND_EN[window.kind], window_name(window)
    if window.state == "upcoming":
        text = f"{name}: opens on {date(window.start)}{time(window.start_time)} ({span(window)})."
        days = window.days_until_start or 0
        text = text[:-1] + (f", in {days:,} days." if days else ", today.")
    elif window.state == "open":
        days = window.days_left or 0
        left = f"{days:,} days left" if days else "closes today"
        text = f"{name}: open now — {noun.lower()} {span(window)} ({left})."
    else:
        ago = window.days_since_end or 0
        when = "today" if ago == 0 else f"{ago:,} days ago"
        text = f"{name}: closed on {date(window.end)}{time(window.end_time)} ({when})."
    selection = SELECTION_EN.get(window.selection)
    if window.state != "closed" and selection:
        text += f" Selection: {selection}."
    return text


def deadline_sentence(deadline: DeadlineStatus, label: str | None = None) -> str:
    """A deadline on the as-of date: upcoming (with the days) or passed."""
    name = label or deadline.label
    if deadline.state == "upcoming":
        days = deadline.days_until or 0
        return f"{name}: {date(deadline.date)} ({f'in {days:,} days' if days else 'today'})."
    return f"{name}: {date(deadline.date)} (passed {deadline.days_since or 0:,} days ago)."


def summary(status: StatusResult, labels: Mapping[str, str] | None = None) -> str:
    """The status in one or two sentences: open now, the next window, or closed."""
    labels = labels or {}
    if not status.windows and not status.deadlines:
        return "No application period is registered; please check the latest call for applications."
    parts: list[str] = []
    open_now = [w for w in status.windows if w.state == "open"]
    upcoming = sorted((w for w in status.windows if w.state == "upcoming"), key=lambda w: w.start)
    if open_now:
        listed = ", ".join(
            f"{window_name(w)} (deadline {date(w.end)}, {w.days_left or 0:,} days left)" for w in open_now
        )
        parts.append(f"Currently open: {listed}.")
    elif upcoming:
        first = upcoming[0]
        parts.append(
            f"Next window: {window_name(first)} opens on {date(first.start)} "
            f"(in {first.days_until_start or 0:,} days)."
        )
    years = [fiscal_year(year) for year in status.closed_fiscal_years]
    parts += [f"All {year} application windows are closed." for year in years]
    if years and not open_now and not upcoming:
        parts.append("The next year's call may have different terms.")
    coming = sorted((d for d in status.deadlines if d.state == "upcoming"), key=lambda d: d.date)
    if coming:
        parts.append(f"Next deadline: {deadline_sentence(coming[0], labels.get(coming[0].id))}")
    if not parts:
        parts.append("No window is open or scheduled.")
    return " ".join(parts)


def listing(values: Sequence[str]) -> str:
    """「a, b and c」."""
    items = [v for v in values if v]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"

"""bot/tools/english.py: the calculators' results written in English, from their own fields."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from bot.knowledge.models import Programme
from bot.tools import english as en
from bot.tools.grant import calculate_grant
from bot.tools.grant_models import GrantInput, GrantResult
from bot.tools.status import StatusResult, WindowStatus, application_status

from .conftest import build_programme, category, rate_cap, src


def grant(programme: Programme, **inputs: object) -> GrantResult:
    return calculate_grant(programme, GrantInput.model_validate(inputs))


# --- figures ------------------------------------------------------------------------------------


def test_yen_dates_and_times() -> None:
    assert en.yen(45_000_000) == "¥45,000,000" and en.yen(0) == "¥0"
    with pytest.raises(ValueError):
        en.yen(-1)
    assert en.exact_yen(Fraction(60_000_000)) == "¥60,000,000"
    assert en.exact_yen(Fraction(30_000_003, 4)) == "¥7,500,000.75"
    assert en.exact_yen(Fraction(20_000_000, 3)) == "¥6,666,666.666…"
    assert en.date(dt.date(2026, 12, 3)) == "3 December 2026"
    assert en.time(None) == "" and en.time(dt.time(9, 5)) == " 9:05"


@pytest.mark.parametrize(
    ("written", "english"),
    [
        ("令和7年度", "FY2025"),
        ("平成22年度", "FY2010"),
        ("令和元年度", "FY2019"),
        ("2025年度", "FY2025"),
        ("今年度", "今年度"),
    ],
)
def test_fiscal_years(written: str, english: str) -> None:
    assert en.fiscal_year(written) == english


def test_listing() -> None:
    assert en.listing([]) == "" and en.listing(["a"]) == "a"
    assert en.listing(["a", "", "b", "c"]) == "a, b and c"


# --- grant steps ------------------------------------------------------------------------------------


def test_the_zero_emission_cap_in_english(zero_emission: Programme) -> None:
    result = grant(
        zero_emission, eligible_cost_yen=80_000_000, facts={"is_sme": True, "co2_reduction_t": "35t"}
    )
    steps = en.grant_steps(result, {"1": "28 t-CO2 or more"}, {})
    assert steps == [
        "Category 1 (28 t-CO2 or more): rate 3/4, cap ¥45,000,000",
        "Eligible costs ¥80,000,000 (given as a total)",
        "Eligible costs ¥80,000,000 × rate 3/4 = ¥60,000,000",
        "Cap ¥45,000,000 applied → grant ¥45,000,000",
    ]
    assert result.amount_yen == 45_000_000  # the same figure the steps end with


def test_items_rounding_exclusions_and_an_uncapped_category() -> None:
    programme = build_programme(
        calculation=rate_cap([category("a", "2/3", 10_000_000, ["design", "equipment"])])
    )
    result = grant(programme, costs={"design": 1_000_000, "equipment": 2_000_001, "works": 5, "tax": 7})
    steps = en.grant_steps(result, {}, {"design": "design costs"})
    assert steps[0] == "Category (区分名a): rate 2/3, cap ¥10,000,000"
    assert steps[1] == "Eligible costs = design costs ¥1,000,000 + 設備費 ¥2,000,001 = ¥3,000,001"
    assert steps[2:4] == ["Not eligible: 工事費 ¥5 (not counted)", "Not eligible: 消費税 ¥7 (not counted)"]
    assert steps[4] == (
        "Eligible costs ¥3,000,001 × rate 2/3 = ¥2,000,000.666… → rounded down to whole yen "
        "(the documents do not state the rule) → ¥2,000,000"
    )
    assert steps[5] == "Within the cap of ¥10,000,000 → grant ¥2,000,000"


def test_costs_added_to_a_total_and_no_cap() -> None:
    programme = build_programme(calculation=rate_cap([category("1", "1/2", None, ["design", "equipment"])]))
    result = grant(programme, eligible_cost_yen=4_000_000, additional_costs={"design": 1_000_000})
    steps = en.grant_steps(result)
    assert steps[1] == "Eligible costs = total ¥4,000,000 + 設計費 ¥1,000,000 = ¥5,000,000"
    assert steps[-1] == "Cap: not stated in the documents → grant ¥2,500,000"
    assert steps[0] == "Category 1 (区分名1): rate 1/2, cap not stated"


def test_no_steps_without_an_amount(zero_emission: Programme) -> None:
    assert en.grant_steps(grant(zero_emission)) == []


def test_a_stated_rounding_unit() -> None:
    programme = build_programme(
        calculation=rate_cap(
            [category("1", "1/3", None, ["design"])],
            rounding={
                "rule": "ceil",
                "unit_yen": 1000,
                "stated": True,
                "source": src("端数"),
            },
        )
    )
    result = grant(programme, costs={"design": 1_000_000})
    assert "→ rounded up to the nearest ¥1,000 → ¥334,000" in en.grant_steps(result)[2]


def test_worksheet_lines(programmes: dict[str, Programme]) -> None:
    jver = programmes["moe-jver-credit-creation-2010"]
    facts = {"total_project_cost": 30_000_000, "donations_income": 0, "eligible_cost_planned": 24_000_000}
    result = grant(jver, facts=facts)
    steps = en.worksheet_steps(result, {"6": "(6) Required subsidy"})
    assert steps[0].endswith("= ¥30,000,000") and steps[-1] == "(6) Required subsidy = ¥8,000,000"
    # the result line (5) × 1/3 also reads as a rate step, without a category
    assert en.grant_steps(result)[0] == "Eligible costs ¥24,000,000 (given as a total)"
    capped = result.model_copy(update={"cap_yen": 5_000_000, "amount_yen": 5_000_000, "capped": True})
    assert en.worksheet_steps(capped)[-1] == "Cap ¥5,000,000 applied → grant ¥5,000,000"


# --- application status ---------------------------------------------------------------------------


def window(status: StatusResult, index: int = -1, **update: object) -> WindowStatus:
    return status.windows[index].model_copy(update=update)


def test_window_sentences(zero_emission: Programme) -> None:
    upcoming = application_status(zero_emission, dt.date(2026, 1, 10))
    last = window(upcoming)
    assert en.window_name(last) == "FY2025 round 5"
    sentence = en.window_sentence(last)
    assert sentence.startswith("FY2025 round 5: opens on 19 January 2026") and "in 9 days." in sentence
    assert "Selection: a lottery" in sentence
    assert en.window_sentence(window(upcoming, days_until_start=0)).endswith(
        "today. Selection: " + en.SELECTION_EN["lottery"] + "."
    )
    open_now = window(application_status(zero_emission, dt.date(2026, 1, 20)))
    assert "open now — applications 19 January 2026" in en.window_sentence(open_now)
    assert "(10 days left)" in en.window_sentence(open_now)
    assert "(closes today)" in en.window_sentence(open_now.model_copy(update={"days_left": 0}))
    closed = window(application_status(zero_emission, dt.date(2026, 11, 24)))
    assert en.window_sentence(closed).startswith("FY2025 round 5: closed on 30 January 2026")
    assert "(today)" in en.window_sentence(closed.model_copy(update={"days_since_end": 0}))


def test_window_names_and_spans(zero_emission: Programme) -> None:
    base = window(application_status(zero_emission, dt.date(2026, 11, 24)))
    single = base.model_copy(update={"round": None, "name": base.fiscal_year})
    assert en.window_name(single) == "FY2025"
    labelled = base.model_copy(update={"round": None, "name": "令和7年度 追加募集", "label": "追加募集"})
    assert en.window_name(labelled) == "FY2025 (追加募集)"
    timed = base.model_copy(update={"must_arrive": True, "end_time": dt.time(17, 0)})
    assert en.span(timed).endswith("30 January 2026 17:00 (must arrive by then)")


def test_deadlines_and_summaries(zero_emission: Programme, saf: Programme) -> None:
    status = application_status(zero_emission, dt.date(2026, 11, 24))
    coming = status.deadlines[-1]
    assert (
        en.deadline_sentence(coming, "Completion report")
        == "Completion report: 30 November 2026 (in 6 days)."
    )
    assert en.deadline_sentence(coming.model_copy(update={"days_until": 0})).endswith("(today).")
    passed = status.deadlines[0]
    assert en.deadline_sentence(passed).endswith("(passed 55 days ago).")
    text = en.summary(status, {coming.id: "Completion report"})
    assert "All FY2025 application windows are closed." in text
    assert "The next year's call may have different terms." in text
    assert "Next deadline: " in text
    assert en.summary(application_status(zero_emission, dt.date(2026, 1, 20))).startswith(
        "Currently open: FY2025 round 5 (deadline 30 January 2026, 10 days left)."
    )
    assert en.summary(application_status(zero_emission, dt.date(2026, 1, 10))).startswith(
        "Next window: FY2025 round 5 opens on 19 January 2026 (in 9 days)."
    )
    empty = status.model_copy(update={"windows": [], "deadlines": []})
    assert en.summary(empty).startswith("No application period is registered")
    only_passed = status.model_copy(update={"windows": [], "deadlines": [passed], "closed_fiscal_years": []})
    assert en.summary(only_passed) == "No window is open or scheduled."

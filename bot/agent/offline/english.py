"""Answers in English computed by the calculators: the amount, rates and caps, eligible costs,
categories, and an eligibility check.

The same tool calls as the Japanese answers (:mod:`bot.agent.offline.answers`,
:mod:`bot.agent.offline.info`), written with the English templates (bot/prompts/offline/en/)
and the English renderings of the results (:mod:`bot.tools.english`); programme facts are shown
through the programme's ``english:`` block, and quoted in Japanese where it has no translation.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.agent.offline import info
from bot.agent.offline.answers import cost_arguments
from bot.agent.offline.render import bullets, quote, render
from bot.agent.offline.situation import Section, Situation, cite, programme_facts
from bot.errors import InputError
from bot.knowledge.english import English
from bot.knowledge.models import Category, Programme, RateCapCalculation, WorksheetCalculation
from bot.tools import english as en
from bot.tools.conditions import MissingFact
from bot.tools.grant import COST_FACT
from bot.tools.grant_models import GrantResult
from bot.tools.worksheet import format_rate

EN = "en"
NO_ENGLISH = English(name="")


def texts(programme: Programme | None) -> English:
    """The programme's English block (an empty one when it has none)."""
    return programme.english if programme is not None and programme.english is not None else NO_ENGLISH


def name(programme: Programme) -> str:
    """The programme's English short name, else how the advisor names it in Japanese."""
    return texts(programme).name or programme.short_name


def category_name(programme: Programme, category: Category) -> str:
    label = f"Category {category.id}" if category.id.isdigit() else "Category"
    return f"{label} ({texts(programme).categories.get(category.id, category.name)})"


def cap_text(cap: int | None) -> str:
    return en.yen(cap) if cap is not None else "not stated"


def item_names(programme: Programme, ids: Sequence[str]) -> str:
    calc = programme.calculation
    names = {i.id: i.name for i in getattr(calc, "cost_items", [])} | {
        i.id: i.name for i in getattr(calc, "excluded_costs", [])
    }
    english = texts(programme).cost_items
    return en.listing([english.get(i, names.get(i, i)) for i in ids])


# --- questions ------------------------------------------------------------------------------------


def question(programme: Programme | None, missing: MissingFact) -> str:
    """The English question for a missing fact (the Japanese one, quoted, where none is written)."""
    if missing.name == COST_FACT:
        calc = programme.calculation if programme else None
        items = [i.id for i in calc.cost_items] if isinstance(calc, RateCapCalculation) else []
        listed = f" ({item_names(programme, items)})" if programme is not None and items else ""
        return f"How much are the eligible costs{listed}, in yen?"
    text = texts(programme).inputs.get(missing.name)
    return text.question if text is not None else f"Could you tell me: 「{missing.question}」"


def label(programme: Programme | None, missing: MissingFact) -> str:
    if missing.name == COST_FACT:
        return "the eligible costs"
    text = texts(programme).inputs.get(missing.name)
    return text.label if text is not None else missing.label


def ask(text: str, missing: Sequence[MissingFact], programme: Programme | None) -> Section:
    """A section that asks the first missing fact in English, one question at a time."""
    questions = [question(programme, m) for m in missing]
    parts = [text, render("common.follow_up", lang=EN, question=questions[0])]
    if len(missing) > 1:
        labels = en.listing([f'"{label(programme, m)}"' for m in missing[1:4]])
        parts.append(render("common.more_questions", lang=EN, labels=labels))
    return Section("\n\n".join(p for p in parts if p), follow_up=questions, pending_fact=missing[0].name)


# --- amount ---------------------------------------------------------------------------------------


def amount(s: Situation) -> Section:
    assert s.programme is not None
    if s.programme.calculation is None:
        return not_a_grant(s)
    kwargs = cost_arguments(s)
    if s.category is not None and isinstance(s.programme.calculation, RateCapCalculation):
        kwargs["category"] = s.category
    try:
        result = s.toolkit.calculate_grant(s.pid, **kwargs)
    except InputError as exc:
        return Section(render("common.error", lang=EN, message=exc.message_en))
    correction = premise_notes(s)
    title = name(s.programme)
    if result.status == "calculated" and not (result.conditions_met is None and result.missing):
        return Section("\n\n".join(p for p in (correction, _calculated(s, result)) if p))
    if result.status in ("calculated", "need_info") and result.missing:
        text = render("amount.need_info", lang=EN, programme_name=title, known=_known(s.programme, result))
        return ask("\n\n".join(p for p in (correction, text) if p), result.missing, s.programme)
    calc = s.programme.calculation
    reasons = ""
    if isinstance(calc, RateCapCalculation):
        reasons = "**Categories and their conditions:**\n" + bullets(
            category_name(s.programme, c) for c in calc.categories
        )
    message = (
        "With the facts given, the conditions of no category are met, so no grant amount can be calculated."
    )
    return Section(
        render("amount.not_eligible", lang=EN, programme_name=title, message=message, reasons=reasons)
    )


def _known(programme: Programme, result: GrantResult) -> str:
    if result.category is None or result.rate is None:
        return ""
    calc = programme.calculation
    category = next(c for c in getattr(calc, "categories", []) if c.id == result.category.id)
    return (
        f"I will calculate with {category_name(programme, category)} (rate {format_rate(result.rate)}, "
        f"cap {cap_text(result.cap_yen)}). "
    )


def _calculated(s: Situation, result: GrantResult) -> str:
    assert s.programme is not None and result.amount_yen is not None
    english = texts(s.programme)
    excluded = ""
    if result.excluded:
        lines = bullets(
            f"{english.cost_items.get(x.item, x.name)} {en.yen(x.amount_yen)}: "
            f"{english.excluded_reasons.get(x.item, 'not an eligible cost of this category')}"
            for x in result.excluded
        )
        excluded = render("amount.excluded", lang=EN, lines=lines)
    notes: list[str] = []
    if result.rounding is not None and not result.rounding.stated:
        notes.append(render("amount.rounding", lang=EN, rule=en.rounding(result.rounding)))
    if result.calculation == "worksheet":
        steps = en.worksheet_steps(result, english.lines)
        headline = "The grant (line (6), the required grant amount)"
    else:
        steps = en.grant_steps(result, english.categories, english.cost_items)
        headline = f"The grant for Category {result.category.id}" if result.category else "The grant"
        if result.category is not None and not result.category.id.isdigit():
            headline = f"The grant ({english.categories.get(result.category.id, result.category.name)})"
    text = render(
        "amount.calculated",
        lang=EN,
        programme_name=name(s.programme),
        headline=headline,
        amount=en.yen(result.amount_yen),
        steps=bullets(steps),
        excluded=excluded,
        notes=bullets(notes),
    )
    if s.programme.eligibility:
        verdict = s.toolkit.check_eligibility(s.pid, programme_facts(s.programme, s.slots, company=True))
        if verdict.status == "not_eligible":
            reasons = bullets(
                rule_text(s.programme, r.id, failed=True) for r in verdict.rules if r.outcome == "fail"
            )
            text += "\n\n" + render("amount.eligibility_warning", lang=EN, reasons=reasons)
    return text


def rule_text(programme: Programme, rule_id: str, failed: bool = False) -> str:
    """An eligibility rule (or why it fails) in English, else the Japanese text in 「」."""
    rule = next(r for r in programme.eligibility if r.id == rule_id)
    text = texts(programme).rules.get(rule_id)
    if text is None:
        return f"「{rule.fail_reason if failed else rule.description}」"
    return text.fail_reason if failed else text.description


def not_a_grant(s: Situation) -> Section:
    assert s.programme is not None
    s.toolkit.calculate_grant(s.pid)
    notes = s.notes("補助金・助成金ではない")
    cite(s.toolkit, [s.programme.summary.source])
    title = name(s.programme)
    return Section(
        render(
            "amount.not_a_grant",
            lang=EN,
            programme_name=title,
            message=f"{title} is not a grant or subsidy, so there is no grant amount to calculate.",
            summary=texts(s.programme).summary or quote(s.programme.summary.value),
            notes="\n>\n".join(quote(n.value) for n in notes),
        )
    )


def premise_notes(s: Situation) -> str:
    """Correct a stated rate or cap that no category of the programme has."""
    assert s.programme is not None
    calc = s.programme.calculation
    if not isinstance(calc, RateCapCalculation):
        return ""
    rates = {c.rate * 100 for c in calc.categories}
    caps = {c.cap_yen for c in calc.categories if c.cap_yen is not None}
    actual_rates = en.listing(
        [f"{category_name(s.programme, c)} {format_rate(c.rate)}" for c in calc.categories]
    )
    actual_caps = en.listing(
        [
            f"{category_name(s.programme, c)} {en.yen(c.cap_yen)}"
            for c in calc.categories
            if c.cap_yen is not None
        ]
    )
    notes = [
        render("common.premise_rate", lang=EN, actual=actual_rates)
        for p in s.claimed_percents
        if p not in rates
    ]
    notes = (
        notes[:1]
        + [render("common.premise_cap", lang=EN, actual=actual_caps) for y in s.claimed_yen if y not in caps][
            :1
        ]
    )
    if notes:
        cite(s.toolkit, [c.source for c in calc.categories])
    return "\n\n".join(notes)


# --- rates, categories, costs -----------------------------------------------------------------------


def rate_lines(programme: Programme) -> str:
    calc = programme.calculation
    if isinstance(calc, RateCapCalculation):
        return bullets(
            f"{category_name(programme, c)}: rate {format_rate(c.rate)}, cap {cap_text(c.cap_yen)}"
            for c in calc.categories
        )
    if isinstance(calc, WorksheetCalculation):
        result = next((line for line in calc.lines if line.id == calc.result_line), None)
        shown = texts(programme).lines.get(calc.result_line, result.label if result else "")
        return f"- Grant calculation: {shown}"
    return "- Not a grant or subsidy (there is no grant amount to calculate)"


def rate_cap(s: Situation) -> Section:
    assert s.programme is not None
    calc = s.programme.calculation
    s.programme_facts()
    correction = premise_notes(s)
    title = name(s.programme)
    if isinstance(calc, RateCapCalculation):
        rows = "\n".join(
            f"| {category_name(s.programme, c)} | {format_rate(c.rate)} | {cap_text(c.cap_yen)} | "
            f"{item_names(s.programme, c.eligible_items)} |"
            for c in calc.categories
        )
        cite(s.toolkit, [c.source for c in calc.categories])
        return Section(
            render(
                "rate_cap.categories",
                lang=EN,
                programme_name=title,
                correction=correction,
                rows=rows,
                notes="",
            )
        )
    if isinstance(calc, WorksheetCalculation):
        cite(s.toolkit, [line.source for line in calc.lines])
        lines = bullets(texts(s.programme).lines.get(line.id, line.label) for line in calc.lines)
        return Section(
            render(
                "rate_cap.worksheet",
                lang=EN,
                programme_name=title,
                correction=correction,
                lines=lines,
                notes="",
            )
        )
    return not_a_grant(s)


def eligible_costs(s: Situation) -> Section:
    assert s.programme is not None
    calc = s.programme.calculation
    s.programme_facts()
    if calc is None:
        return not_a_grant(s)
    categories = excluded = ""
    if isinstance(calc, RateCapCalculation):
        categories = bullets(
            f"{category_name(s.programme, c)}: {item_names(s.programme, c.eligible_items)}"
            for c in calc.categories
        )
        cite(s.toolkit, [item.source for item in calc.cost_items])
        if calc.excluded_costs:
            excluded = "**Not eligible:** " + item_names(s.programme, [x.id for x in calc.excluded_costs])
            cite(s.toolkit, [x.source for x in calc.excluded_costs])
    from bot.agent.offline.english_info import passages

    return Section(
        render(
            "eligible_costs",
            lang=EN,
            programme_name=name(s.programme),
            categories=categories,
            excluded=excluded,
            passage=passages(s, k=1),
        )
    )


def comparison(s: Situation) -> Section:
    assert s.programme is not None
    calc = s.programme.calculation
    if not isinstance(calc, RateCapCalculation):
        return amount(s) if calc is not None else not_a_grant(s)
    kwargs = cost_arguments(s)
    try:
        result = s.toolkit.recommend_category(s.pid, **kwargs)
    except InputError as exc:
        return Section(render("common.error", lang=EN, message=exc.message_en))
    categories = {c.id: c for c in calc.categories}
    states = {"met": "conditions met", "not_met": "conditions not met", "unknown": "not yet known"}
    lines = []
    for option in result.options:
        shown = category_name(s.programme, categories[option.category.id])
        money = f" → grant {en.yen(option.amount_yen)}" if option.amount_yen is not None else ""
        lines.append(f"{shown}: {states[option.status]}{money}")
    best = result.best
    message = f"The best category for you: {category_name(s.programme, categories[best.id])}." if best else ""
    s.notes("区分")
    text = render(
        "comparison",
        lang=EN,
        programme_name=name(s.programme),
        message=message,
        lines=bullets(lines),
        rates=rate_lines(s.programme),
        notes="",
    )
    return ask(text, result.missing, s.programme) if result.missing and best is None else Section(text)


# --- eligibility --------------------------------------------------------------------------------------


def eligibility(s: Situation) -> Section:
    assert s.programme is not None
    result = s.toolkit.check_eligibility(s.pid, programme_facts(s.programme, s.slots, company=True))
    marks = {"pass": "✓ Met", "fail": "✗ Not met"}
    rules = bullets(
        f"{marks[r.outcome]}: {rule_text(s.programme, r.id)}"
        + (f" — {rule_text(s.programme, r.id, failed=True)}" if r.outcome == "fail" else "")
        for r in result.rules
        if r.outcome in marks
    )
    derived = "\n".join(
        render("common.sme_derived", lang=EN, explanation=sme_text(s, bool(d.value)))
        for d in result.derived
        if d.value is not None
    )
    s.programme_facts()
    english = texts(s.programme)
    targets_en = [
        english.targets[i] if i < len(english.targets) else f"「{t.value}」"
        for i, t in enumerate(s.programme.target_applicants)
    ]
    targets = render("eligibility.targets", lang=EN, targets=bullets(targets_en))
    cite(s.toolkit, [t.source for t in s.programme.target_applicants])
    answer = info.eligibility_verdict(s, result)
    so_far = answer == "yes" and result.status == "need_info"
    verdict = render("eligibility.yes_so_far" if so_far else f"eligibility.{result.status}", lang=EN)
    text = render(
        "eligibility.verdict",
        lang=EN,
        programme_name=name(s.programme),
        verdict=verdict,
        rules=rules or targets,
        derived=derived,
    )
    if result.status == "need_info" and result.missing:
        section = ask(text, result.missing, s.programme)
        section.verdict = answer
        return section
    return Section(text, verdict=answer)


def sme_text(s: Situation, is_sme: bool) -> str:
    """The SME test's outcome from the facts given (employees, capital)."""
    facts = []
    if s.slots.get("employees") is not None:
        facts.append(f"{int(s.slots['employees']):,} employees")
    if s.slots.get("capital_yen") is not None:
        facts.append(f"capital {en.yen(int(s.slots['capital_yen']))}")
    given = f" ({en.listing(facts)})" if facts else ""
    return f"with the figures given{given}, the company {'is' if is_sme else 'is not'} an SME under the Act."

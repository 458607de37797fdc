"""Answers drawn from the programme's facts and passages: eligibility, deadlines, how to apply,
contacts, an overview, programmes matching a need, and anything else (extractive).
"""

from __future__ import annotations

import re

from bot.agent.offline.answers import rate_lines
from bot.agent.offline.detect import normalise
from bot.agent.offline.policy import condition_facts
from bot.agent.offline.render import bullets, render
from bot.agent.offline.situation import (
    Section,
    Situation,
    ask,
    cite,
    passages,
    programme_facts,
    relevant_notes,
)
from bot.knowledge.models import RateCapCalculation
from bot.tools.eligibility import EligibilityResult
from bot.tools.grant_models import category_label
from bot.tools.parsing import format_yen
from bot.tools.status import StatusResult, format_date
from bot.tools.worksheet import format_rate

# 「医療法人でも申請できる？」「個人事業主も対象？」: the question is about the applicant named before も.
_FOCUS = re.compile(
    r"(でも|も)[^。？?]{0,24}?(申請|応募|対象|使え|つかえ|受け|もらえ|利用|申し?込|参加|いい|大丈夫|ok|可能|助成|補助)|"
    r"(は|も)[^。？?]{0,6}?(含まれ|入り|入る|該当)"
)
# Who the applicant is: the facts a 「Xでも申請できる？」 question is about.
APPLICANT_FACTS = frozenset(
    {
        "org_type",
        "is_sme",
        "capital_yen",
        "employees",
        "industry",
        "located_in_tokyo",
        "freight_forwarder",
        "support_institution",
    }
)
ELIGIBILITY_VERDICTS = {"eligible": "yes", "not_eligible": "no", "need_info": "depends"}
_APPLY_NOTE = re.compile(r"申請|提出|郵送|電子|持参|書類|様式|登録|フォーム|宛名|正本")


def eligibility(s: Situation) -> Section:
    assert s.programme is not None
    result = s.toolkit.check_eligibility(s.pid, programme_facts(s.programme, s.slots, company=True))
    marks = {"pass": "✓ 該当します", "fail": "✗ 該当しません"}
    rules = bullets(
        f"{marks[r.outcome]}: {r.description}" + (f" — {r.fail_reason}" if r.fail_reason else "")
        for r in result.rules
        if r.outcome in marks
    )
    derived = "\n".join(
        render("common.sme_derived", explanation=d.explanation) for d in result.derived if d.value is not None
    )
    s.programme_facts()
    targets = render("eligibility.targets", targets=bullets(t.value for t in s.programme.target_applicants))
    cite(s.toolkit, [t.source for t in s.programme.target_applicants])
    answer = eligibility_verdict(s, result)
    verdict = render(
        "eligibility.yes_so_far"
        if answer == "yes" and result.status == "need_info"
        else f"eligibility.{result.status}"
    )
    fit = _category_fit(s) if result.status != "not_eligible" else ""
    if fit:
        verdict += "\n\n" + fit
    text = render(
        "eligibility.verdict",
        programme_name=s.name,
        verdict=verdict,
        rules=rules or targets,
        derived=derived,
    )
    if result.status == "need_info" and result.missing:
        section = ask(text, result.missing)
        section.verdict = answer
        return section
    return Section(text, verdict=answer)


def eligibility_verdict(s: Situation, result: EligibilityResult) -> str:
    """はい／いいえ／条件によります for a yes/no question about applying: 「医療法人でも受けられる？」
    is answered yes when every rule that reads the stated fact passes (the rest is asked)."""
    if result.status == "need_info" and _asks_about_given(s, result):
        return "yes"
    return ELIGIBILITY_VERDICTS[result.status]


def status_verdict(status: StatusResult) -> str | None:
    """yes: a window is open on the turn's date; no: there are windows, none open."""
    states = {w.state for w in status.windows}
    return "yes" if "open" in states else "no" if states else None


def _asks_about_given(s: Situation, result: EligibilityResult) -> bool:
    """Whether the question asks about the fact it states (「Xでも…できる？」) and every rule that
    reads a stated fact passes."""
    assert s.programme is not None
    if not s.given or not _FOCUS.search(normalise(s.message)):
        return False
    stated = s.given & APPLICANT_FACTS
    conditions = {rule.id: condition_facts(rule.condition) for rule in s.programme.eligibility}
    touched = [r for r in result.rules if conditions.get(r.id, set()) & stated]
    if touched:
        return all(r.outcome == "pass" for r in touched)
    # no rule reads it: the categories do (「大企業でも受けられる？」 → 中小企業以外の区分)
    calc = s.programme.calculation
    if not stated or not isinstance(calc, RateCapCalculation):
        return False
    if not any(condition_facts(c.when) & stated for c in calc.categories):
        return False
    options = s.toolkit.recommend_category(s.pid, facts=s.facts).options
    return any(o.status == "met" for o in options)


def _category_fit(s: Situation) -> str:
    """The category the applicant's facts select (e.g. 中小企業以外 → 1/2, 上限100万円)."""
    calc = s.programme.calculation if s.programme else None
    if not isinstance(calc, RateCapCalculation) or not s.facts:
        return ""
    result = s.toolkit.recommend_category(s.pid, facts=s.facts)
    met = {o.category.id for o in result.options if o.status == "met"}
    if not met:
        return ""
    s.programme_facts()
    names = {item.id: item.name for item in calc.cost_items}
    lines = [
        f"{category_label(c)}として対象になります（助成率 {format_rate(c.rate)}、上限 "
        f"{format_yen(c.cap_yen) if c.cap_yen is not None else '記載なし'}、対象経費: "
        f"{'・'.join(names[i] for i in c.eligible_items)}）"
        for c in calc.categories
        if c.id in met
    ]
    cite(s.toolkit, [c.source for c in calc.categories if c.id in met])
    return render("common.category_fit", lines="、".join(lines))


def deadline(s: Situation) -> Section:
    status = s.toolkit.application_status(s.pid)
    windows = bullets(w.sentence for w in status.windows) or "- 受付期間の定めはありません。"
    deadlines = ""
    if status.deadlines:
        deadlines = "**その他の期限:**\n" + bullets(d.sentence for d in status.deadlines)
    return Section(
        verdict=status_verdict(status),
        text=render(
            "deadline",
            programme_name=s.name,
            as_of=format_date(status.as_of),
            summary=status.summary,
            windows=windows,
            deadlines=deadlines,
        ),
    )


def how_to_apply(s: Situation) -> Section:
    assert s.programme is not None
    notes = s.notes(_APPLY_NOTE.pattern)
    return Section(
        render(
            "how_to_apply",
            programme_name=s.name,
            notes=bullets(n.value for n in notes),
            passages=passages(s, k=2),
            url=s.programme.url.value,
        )
    )


def contact(s: Situation) -> Section:
    assert s.programme is not None
    lines = []
    for c in s.programme.contacts:
        parts = [c.organisation]
        parts += [f"電話 {c.phone}"] if c.phone else []
        parts += [f"メール {c.email}"] if c.email else []
        parts += [f"受付時間 {c.hours}"] if c.hours else []
        parts += [c.url] if c.url else []
        lines.append(f"**{c.label}**: " + " / ".join(parts))
        s.toolkit.cite(c.source)
    notes = s.notes(r"〒|住所|所在地|件名|問い?合わ?せ")
    return Section(
        render("contact", programme_name=s.name, contacts=bullets([*lines, *(n.value for n in notes)]))
    )


def overview(s: Situation, short: bool = False) -> Section:
    assert s.programme is not None
    facts = s.programme_facts()
    status = s.toolkit.application_status(s.pid)
    cite(s.toolkit, [t.source for t in s.programme.target_applicants])
    return Section(
        render(
            "overview.short" if short else "overview.programme",
            programme_name=facts.name,
            summary=facts.summary,
            publisher=facts.publisher,
            targets="、".join(facts.target_applicants),
            rates=rate_lines(s.programme),
            status=status.summary,
            url=facts.url,
        )
    )


def general(s: Situation) -> Section:
    notes = relevant_notes(s.programme, s.message) if s.programme else []
    if notes:
        s.programme_facts()
    cite(s.toolkit, [n.source for n in notes])
    text = "\n\n".join(p for p in (bullets(n.value for n in notes), passages(s, k=2)) if p)
    if not text:
        return Section(render("common.not_found"))
    heading = s.name if s.programme else "資料からの回答"
    return Section(render("extractive", heading=heading, passages=text))


# --- related notes and passages -----------------------------------------------------------------

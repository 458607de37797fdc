"""Answers in English drawn from the programme's facts and passages: deadlines, how to apply,
contacts, an overview, programmes for a need, anything else (quoted), and the engine's own
answers (greeting, out of scope, a clarifying question). :func:`answer` is the engine's one
entry for an English turn; document passages and notes are quoted in Japanese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.agent.offline import discovery, english, info
from bot.agent.offline.english import EN, name, rate_lines, texts
from bot.agent.offline.render import bullets, quote, render
from bot.agent.offline.situation import Section, Situation, cite, relevant_notes
from bot.agent.toolkit import Toolkit
from bot.knowledge.models import Programme
from bot.tools import english as en

_APPLY_NOTE = re.compile(r"申請|提出|郵送|電子|持参|書類|様式|登録|フォーム")
INTENT_LABELS = {
    "amount": "a grant estimate",
    "comparison": "comparing the categories",
    "rate_cap": "rates and caps",
    "eligible_costs": "eligible costs",
    "eligibility": "the requirements (whether you can apply)",
    "deadline": "deadlines and application windows",
    "how_to_apply": "how to apply",
    "contact": "contact desks",
    "overview": "an overview of a programme",
}
CLARIFY_CHOICES = 2


def passages(s: Situation, k: int = 2) -> str:
    """The best passages, quoted with their document and section (in Japanese)."""
    blocks = []
    for hit in [h for h in s.search(k + len(s.shown)) if h.chunk_id not in s.shown][:k]:
        s.shown.add(hit.chunk_id)
        s.toolkit.cite_hit(hit)
        blocks.append(quote(f"**{hit.title} — {hit.section}**\n{hit.text}"))
    return "\n\n".join(blocks)


def quoted_notes(notes: Sequence[str]) -> str:
    return "\n\n".join(quote(note) for note in notes)


def related(s: Situation) -> str:
    """Notes and passages behind an answer, quoted (as the Japanese answers add them)."""
    assert s.programme is not None
    notes = relevant_notes(s.programme, s.message)
    if notes:
        s.programme_facts()
    cite(s.toolkit, [n.source for n in notes])
    text = passages(s, k=1)
    if not notes and not text:
        return ""
    return render("common.related", lang=EN, notes=quoted_notes([n.value for n in notes]), passages=text)


# --- programme answers --------------------------------------------------------------------------


def deadline(s: Situation) -> Section:
    assert s.programme is not None
    status = s.toolkit.application_status(s.pid)
    labels = texts(s.programme).deadlines
    windows = bullets(en.window_sentence(w) for w in status.windows) or "- No application period is set."
    deadlines = ""
    if status.deadlines:
        deadlines = "**Other deadlines:**\n" + bullets(
            en.deadline_sentence(d, labels.get(d.id)) for d in status.deadlines
        )
    return Section(
        verdict=info.status_verdict(status),
        text=render(
            "deadline",
            lang=EN,
            programme_name=name(s.programme),
            as_of=en.date(status.as_of),
            summary=en.summary(status, labels),
            windows=windows,
            deadlines=deadlines,
        ),
    )


def how_to_apply(s: Situation) -> Section:
    assert s.programme is not None
    notes = s.notes(_APPLY_NOTE.pattern)[:3]
    guide = (
        texts(s.programme).how_to_apply
        or "The documents describe the application as follows (quoted in Japanese)."
    )
    return Section(
        render(
            "how_to_apply",
            lang=EN,
            programme_name=name(s.programme),
            guide=guide,
            notes=quoted_notes([n.value for n in notes]),
            passages=passages(s, k=1),
            url=s.programme.url.value,
        )
    )


def contact(s: Situation) -> Section:
    assert s.programme is not None
    translated = texts(s.programme).contacts
    lines = []
    for index, c in enumerate(s.programme.contacts):
        text = translated[index] if index < len(translated) else None
        parts = [text.organisation if text and text.organisation else c.organisation]
        parts += [f"phone {c.phone}"] if c.phone else []
        parts += [f"e-mail {c.email}"] if c.email else []
        parts += [f"hours {c.hours.replace('平日', 'weekdays ')}"] if c.hours else []
        parts += [c.url] if c.url else []
        lines.append(f"**{text.label if text else c.label}**: " + " / ".join(parts))
        s.toolkit.cite(c.source)
    return Section(render("contact", lang=EN, programme_name=name(s.programme), contacts=bullets(lines)))


def overview(s: Situation, short: bool = False) -> Section:
    assert s.programme is not None
    facts = s.programme_facts()
    status = s.toolkit.application_status(s.pid)
    cite(s.toolkit, [t.source for t in s.programme.target_applicants])
    english_texts = texts(s.programme)
    return Section(
        render(
            "overview.short" if short else "overview.programme",
            lang=EN,
            programme_name=name(s.programme),
            summary=english_texts.summary or quote(facts.summary),
            publisher=english_texts.publisher or facts.publisher,
            targets="; ".join(english_texts.targets) or "、".join(facts.target_applicants),
            rates=rate_lines(s.programme),
            status=en.summary(status, english_texts.deadlines),
            url=facts.url,
        )
    )


def general(s: Situation) -> Section:
    notes = relevant_notes(s.programme, s.message) if s.programme else []
    if notes:
        s.programme_facts()
    cite(s.toolkit, [n.source for n in notes])
    text = "\n\n".join(p for p in (quoted_notes([n.value for n in notes]), passages(s, k=2)) if p)
    if not text:
        return Section(render("common.not_found", lang=EN))
    heading = name(s.programme) if s.programme else "From the documents"
    return Section(render("extractive", lang=EN, heading=heading, passages=text))


# --- the engine's own answers ---------------------------------------------------------------------


def programme_list(programmes: Mapping[str, Programme]) -> str:
    ordered = sorted(programmes.values(), key=lambda p: (p.vocabulary.order, p.id))
    return bullets(f"{name(p)} ({texts(p).publisher or p.publisher.value})" for p in ordered)


def which_programme(programmes: Mapping[str, Programme]) -> str:
    ordered = sorted(programmes.values(), key=lambda p: (p.vocabulary.order, p.id))
    return f"Which programme is your question about? (e.g. {en.listing([name(p) for p in ordered[:3]])})"


def clarify(scores: Sequence[str], topic: Programme | None) -> Section:
    choices = [INTENT_LABELS[i] for i in scores if i in INTENT_LABELS][:CLARIFY_CHOICES]
    if len(choices) < CLARIFY_CHOICES:
        choices = [INTENT_LABELS["amount"], INTENT_LABELS["eligibility"]]
    about = f"{name(topic)}: " if topic is not None else ""
    asked = render("clarify.question", lang=EN, topic=about, first=choices[0], second=choices[1])
    labels = en.listing(list(INTENT_LABELS.values()))
    return Section(render("clarify.answer", lang=EN, question=asked, labels=labels), follow_up=[asked])


HANDLERS = {
    "amount": english.amount,
    "comparison": english.comparison,
    "rate_cap": english.rate_cap,
    "eligible_costs": english.eligible_costs,
    "eligibility": english.eligibility,
    "deadline": deadline,
    "how_to_apply": how_to_apply,
    "contact": contact,
    "overview": overview,
    "general": general,
}


def answer(
    intent: str,
    s: Situation,
    programmes: Mapping[str, Programme],
    *,
    thanks: bool = False,
    topical: Sequence[str] = (),
    others: Sequence[str] = (),
) -> tuple[Section, list[str]]:
    """The English answer to one intent (the engine's ``_answer`` for an English turn)."""
    if intent == "out_of_scope":
        return Section(render("out_of_scope", lang=EN, programmes=programme_list(programmes))), []
    if intent == "greeting":
        block = "greeting.thanks" if thanks else "greeting.hello"
        return Section(render(block, lang=EN, programmes=programme_list(programmes))), []
    if intent == "find":
        return discovery.find(s, topical)
    if intent == "programmes":
        sections = []
        for pid in [s.pid, *others]:
            other = Situation(s.toolkit, s.message, programmes[pid], s.slots, {}, {}, None)
            sections.append(overview(other, short=True).text)
        return Section(render("overview.comparison", lang=EN, sections="\n\n".join(sections))), [
            s.pid,
            *others,
        ]
    if s.programme is None:
        if intent == "general":
            return general(s), sorted({c.source_id for c in s.toolkit.citations} & set(programmes))
        asked = which_programme(programmes)
        text = render("common.follow_up", lang=EN, question=asked) + "\n\n" + programme_list(programmes)
        return Section(text, follow_up=[asked]), []
    return HANDLERS[intent](s), [s.pid]


def basis(toolkit: Toolkit, programme: Programme, closed_note: bool) -> str:
    """The closing 「Based on」 line (the official name, quoted), with the closed-year notes."""
    status = toolkit.application_status(programme.id)
    year = programme.fiscal_year.value if programme.fiscal_year else None
    rounds = [w.round for w in programme.windows if w.round is not None and w.fiscal_year == year]
    if year and rounds:
        shown = en.fiscal_year(year)
        described = (
            f"{shown} call, rounds {min(rounds)}–{max(rounds)}"
            if len(rounds) > 1
            else f"{shown} round {rounds[0]}"
        )
    elif year:
        described = f"{en.fiscal_year(year)} call"
    else:
        doc = toolkit.deps.knowledge.sources.get(programme.id)
        described = (
            f"documents published {doc.meta.published}"
            if doc and doc.meta.published
            else "published documents"
        )
    text = render("common.basis", lang=EN, title=programme.name.value, basis=described)
    if status.closed_fiscal_years and not any(w.state != "closed" for w in status.windows):
        notes = []
        if closed_note:
            years = en.listing([en.fiscal_year(y) for y in status.closed_fiscal_years])
            notes.append(render("common.closed", lang=EN, years=years))
        if toolkit.deps.knowledge.is_latest(programme):
            toolkit.cite(programme.url.source)
            desk = ""
            if programme.contacts:
                contact_ = programme.contacts[0]
                toolkit.cite(contact_.source)
                desk = f" ({contact_.phone})" if contact_.phone else ""
            notes.append(render("common.no_later_edition", lang=EN, url=programme.url.value, desk=desk))
        text = "\n\n".join([*notes, text])
    return text

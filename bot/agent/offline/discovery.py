"""Discovery: which programmes fit a need, each with its application status as of the turn's
date first — open (with the deadline), opening on a date, or closed since a date — and, when
none is open, that said plainly with what the user can do next.

The programmes the message points to (a programme's topic words, retrieval, the applicant's
facts) come first with their status; the rest follow in one short list so that nothing the
advisor covers is hidden. No programme, amount or date is invented: every status comes from
the application-status tool, every name and desk from the programme files (cited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bot.agent.matching import mentioned_programmes
from bot.agent.offline import english
from bot.agent.offline.render import bullets, render
from bot.agent.offline.situation import Section, Situation, cite
from bot.knowledge.models import Programme
from bot.tools import english as en
from bot.tools.status import StatusResult, WindowStatus, format_date


def find(s: Situation, topical: Sequence[str] = ()) -> tuple[Section, list[str]]:
    """Programmes for a need, status first; topical programmes (``vocabulary.topics``) lead."""
    programmes = s.toolkit.programmes
    narrowed = _relevant(programmes, s.message, topical)
    statuses = {pid: s.toolkit.application_status(pid) for pid in (narrowed or programmes)}
    ids = narrowed or _by_state(programmes, statuses)
    items = bullets(_item(s, programmes[pid], statuses[pid], described=bool(narrowed)) for pid in ids)
    open_ids = [pid for pid in ids if _open(statuses[pid])]
    as_of = _date(s, s.toolkit.as_of)
    if open_ids:
        names = ("、" if s.lang != "en" else ", ").join(_name(s, programmes[pid]) for pid in open_ids)
        lead = render("find.some_open", lang=s.lang, as_of=as_of, names=names)
    else:
        lead = render("find.none_open_fitting" if narrowed else "find.none_open", lang=s.lang, as_of=as_of)
    text = render(
        "find.answer",
        lang=s.lang,
        as_of=as_of,
        lead=lead,
        items=items,
        next=_next_steps(s, [programmes[pid] for pid in ids]) if not open_ids else "",
    )
    return Section(text), ids


def _relevant(programmes: Mapping[str, Programme], message: str, topical: Sequence[str]) -> list[str]:
    """The programmes the message points to: its topic words (``vocabulary.topics``) or a name;
    none when it names no need (「いま申し込める補助金は？」 asks about every programme). Retrieval
    alone does not narrow the list: a generic question's nearest passage is noise."""
    if topical:
        return list(dict.fromkeys(topical))
    return mentioned_programmes(dict(programmes), message)


def _by_state(programmes: Mapping[str, Programme], statuses: Mapping[str, StatusResult]) -> list[str]:
    """Every programme: open ones first, then those opening later, then the rest, each group in
    the programmes' list order."""

    def rank(pid: str) -> tuple[int, int, str]:
        states = {w.state for w in statuses[pid].windows}
        group = 0 if "open" in states else 1 if "upcoming" in states else 2
        return group, programmes[pid].vocabulary.order, pid

    return sorted(programmes, key=rank)


def _open(status: StatusResult) -> bool:
    return any(w.state == "open" for w in status.windows)


def _item(s: Situation, programme: Programme, status: StatusResult, described: bool = False) -> str:
    cite(s.toolkit, [programme.summary.source, *(w.source for w in status.windows[-1:])])
    kind = render("find.not_a_grant", lang=s.lang) if programme.kind == "support_plan" else ""
    line = f"**{_name(s, programme)}**（{programme.name.value}）— {_state_label(s, programme, status)}{kind}"
    if not described:
        return line
    s.toolkit.get_programme_facts(programme.id)  # the summary's rates and caps, as a tool result
    summary = english.texts(programme).summary if s.lang == "en" else ""
    return f"{line}\n  {render('find.funds', lang=s.lang, summary=summary or programme.summary.value)}"


def _state_label(s: Situation, programme: Programme, status: StatusResult) -> str:
    """受付中（…締切）／受付開始前（…から）／受付終了（…に終了）, or no window in the documents."""
    open_now = [w for w in status.windows if w.state == "open"]
    upcoming = [w for w in status.windows if w.state == "upcoming"]
    if open_now:
        first = min(open_now, key=lambda w: w.end)
        return render(
            "find.state_open",
            lang=s.lang,
            window=_window(s, first),
            end=_date(s, first.end),
            days=f"{first.days_left:,}",
        )
    if upcoming:
        first = min(upcoming, key=lambda w: w.start)
        return render(
            "find.state_upcoming", lang=s.lang, window=_window(s, first), start=_date(s, first.start)
        )
    if status.windows:
        last: WindowStatus = max(status.windows, key=lambda w: w.end)
        later = render("find.no_later", lang=s.lang) if s.toolkit.deps.knowledge.is_latest(programme) else ""
        return render(
            "find.state_closed", lang=s.lang, window=_window(s, last), end=_date(s, last.end), later=later
        )
    return render("find.state_none", lang=s.lang)


def _next_steps(s: Situation, programmes: Sequence[Programme]) -> str:
    """Nothing is open: where the next call of each relevant programme is announced (its official
    page and first desk, cited)."""
    lines = []
    for programme in programmes:
        cite(s.toolkit, [programme.url.source])
        desk = ""
        if programme.contacts:
            contact = programme.contacts[0]
            cite(s.toolkit, [contact.source])
            desk = _desk(s, programme, contact.organisation, contact.phone)
        lines.append(f"{_name(s, programme)}: {programme.url.value}{desk}")
    return render("find.next_steps", lang=s.lang, lines=bullets(lines))


def _desk(s: Situation, programme: Programme, organisation: str, phone: str | None) -> str:
    if s.lang == "en":
        translated = english.texts(programme).contacts
        return f", {translated[0].organisation if translated else organisation}" + (
            f" ({phone})" if phone else ""
        )
    return f"、{organisation}" + (f"（{phone}）" if phone else "")


def _name(s: Situation, programme: Programme) -> str:
    return english.name(programme) if s.lang == "en" else programme.short_name


def _date(s: Situation, day: dt.date) -> str:
    return en.date(day) if s.lang == "en" else format_date(day)


def _window(s: Situation, window: WindowStatus) -> str:
    return en.window_name(window) if s.lang == "en" else window.name

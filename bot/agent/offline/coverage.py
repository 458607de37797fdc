"""What the advisor does not cover: a topic or region none of its programmes is about, and
chatter.

A topic none of the programmes covers (「太陽光パネル」, another prefecture's grants) gets what it
is not covered by — the programmes the advisor knows, by name — and the desks named in the
knowledge, where other support is announced; never an invented programme, amount or date.
Chatter gets one short polite sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.agent.offline import english
from bot.agent.offline.render import bullets, escape, render
from bot.agent.offline.situation import Section, Situation, cite
from bot.knowledge.models import Programme


def chatter(lang: str) -> Section:
    return Section(render("coverage.chatter", lang=lang))


def not_covered(s: Situation, topic: str, programmes: Sequence[Programme], region: bool = False) -> Section:
    """「{topic}は…資料に記載がなく、お答えできません」, the programmes covered, and (for a subject,
    not another region's grants) the desks where other support is announced."""
    listed = bullets(f"{_name(s, p)}（{p.publisher.value}）" for p in programmes)
    return Section(
        render(
            "coverage.not_covered",
            lang=s.lang,
            topic=escape(topic),
            programmes=listed,
            desks="" if region else _desks(s, programmes),
        )
    )


def _desks(s: Situation, programmes: Sequence[Programme]) -> str:
    """Each organisation's first desk once (cited): where the publishers announce their calls."""
    lines: dict[str, str] = {}
    for programme in programmes:
        if not programme.contacts:
            continue
        contact = programme.contacts[0]
        translated = english.texts(programme).contacts if s.lang == "en" else []
        organisation = (translated[0].organisation if translated else None) or contact.organisation
        if organisation in lines:
            continue
        cite(s.toolkit, [contact.source])
        lines[organisation] = organisation + (f"（{contact.phone}）" if contact.phone else "")
    return render("coverage.desks", lang=s.lang, lines=bullets(lines.values())) if lines else ""


def _name(s: Situation, programme: Programme) -> str:
    return english.name(programme) if s.lang == "en" else programme.name.value

"""The closing lines of an answer about one programme: which edition's documents it rests on,
and — when every window of that edition has closed — that it is closed and where the next call
will be announced (no later edition is in the knowledge yet)."""

from __future__ import annotations

from bot.agent.offline.policy import ja_month
from bot.agent.offline.render import render
from bot.agent.toolkit import Toolkit
from bot.knowledge.models import Programme


def basis(toolkit: Toolkit, programme: Programme, closed_note: bool) -> str:
    """「根拠資料: …（令和7年度の募集内容（第1回〜第5回））」, after the closed notes when the
    edition's windows have all closed (``closed_note``: say 「受付は終了」 too; a deadline
    answer says it itself)."""
    status = toolkit.application_status(programme.id)
    year = programme.fiscal_year.value if programme.fiscal_year else None
    rounds = [w.round for w in programme.windows if w.round is not None and w.fiscal_year == year]
    if year and rounds:
        edition = (
            f"{year}の募集内容（第{min(rounds)}回〜第{max(rounds)}回）"
            if len(rounds) > 1
            else f"{year} 第{rounds[0]}回"
        )
    elif year:
        edition = f"{year}の募集内容"
    else:
        doc = toolkit.deps.knowledge.sources.get(programme.id)
        published = doc.meta.published if doc else ""
        edition = f"{ja_month(published)}公表の資料" if published else "公表資料"
    text = render("common.basis", title=programme.name.value, basis=edition)
    if status.closed_fiscal_years and not any(w.state != "closed" for w in status.windows):
        notes = []
        if closed_note:
            notes.append(render("common.closed", years="・".join(status.closed_fiscal_years)))
        if toolkit.deps.knowledge.is_latest(programme):  # on every answer, deadlines too
            notes.append(no_later_edition(toolkit, programme))
        text = "\n\n".join([*notes, text])
    return text


def no_later_edition(toolkit: Toolkit, programme: Programme) -> str:
    """No newer edition is in the knowledge: where the user finds the next one (the official page
    and the first desk, both cited)."""
    toolkit.cite(programme.url.source)
    desk = ""
    if programme.contacts:
        contact = programme.contacts[0]
        toolkit.cite(contact.source)
        desk = f"（{contact.organisation}" + (f"、{contact.phone}" if contact.phone else "") + "）"
    return render("common.no_later_edition", url=programme.url.value, desk=desk)

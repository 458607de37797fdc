"""Match a need (free text) and a company profile to programmes.

Scores add up: the programme's name or an alias in the text (strong), retrieval hits on its
source document (by rank), and an eligibility check on the profile (a failed rule demotes).
Every match says whether a window is open on the as-of date.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from bot.knowledge.models import Programme
from bot.tools.eligibility import check_eligibility
from bot.tools.status import application_status

if TYPE_CHECKING:
    from bot.agent.toolkit import ProgrammeMatch, Toolkit

NAME_SCORE = 3.0
NOT_ELIGIBLE_PENALTY = 2.0
SEARCH_K = 10


def normalise(text: str) -> str:
    """NFKC and lower case, for matching names and aliases."""
    return unicodedata.normalize("NFKC", text).lower()


def mentioned_programmes(programmes: dict[str, Programme], text: str) -> list[str]:
    """Ids of programmes whose official name or an alias occurs in ``text``."""
    needle = normalise(text)
    found: list[str] = []
    for programme in programmes.values():
        names = [programme.name.value, *programme.aliases]
        if any(normalise(name) in needle for name in names if name):
            found.append(programme.id)
    return found


def match_programmes(toolkit: Toolkit, need: str, profile: dict[str, Any]) -> list[ProgrammeMatch]:
    """Programmes ranked for ``need`` and ``profile``; all of them when nothing narrows the choice."""
    from bot.agent.toolkit import ProgrammeMatch

    programmes = toolkit.programmes
    scores = {pid: 0.0 for pid in programmes}
    reasons: dict[str, list[str]] = {pid: [] for pid in programmes}
    for pid in mentioned_programmes(programmes, need):
        scores[pid] += NAME_SCORE
        reasons[pid].append("制度名・通称への言及")
    if need.strip():
        hits = toolkit.deps.retriever.search(need, k=SEARCH_K).hits
        for rank, hit in enumerate(hits):
            if hit.source_id in scores:
                scores[hit.source_id] += 1.0 / (rank + 1)
        for pid in {hit.source_id for hit in hits[:3]} & set(scores):
            reasons[pid].append("公式資料の該当箇所あり")
    if profile:
        for pid, programme in programmes.items():
            verdict = check_eligibility(programme, profile)
            if verdict.status == "not_eligible":
                scores[pid] -= NOT_ELIGIBLE_PENALTY
                reasons[pid].append("申請要件を満たさない可能性")
    matches = []
    for pid, programme in programmes.items():
        status = application_status(programme, toolkit.as_of)
        matches.append(
            ProgrammeMatch(
                programme_id=pid,
                name=programme.name.value,
                kind=programme.kind,
                score=round(scores[pid], 4),
                reasons=reasons[pid],
                open_now=any(w.state == "open" for w in status.windows),
                status=status.summary,
            )
        )
    narrowed = [m for m in matches if m.score > 0]
    return sorted(narrowed or matches, key=lambda m: -m.score)

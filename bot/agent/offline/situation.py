"""What the answer handlers of one turn share: the situation, sections, questions and passages.

:class:`Situation` carries the toolkit, the programme, the applicant's facts and costs, and runs
at most one search per turn (reused by every section). :class:`Section` is one part of an
answer with at most one question. Passages and notes are quoted, never reworded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bot.agent.offline.detect import normalise
from bot.agent.offline.render import bullets, quote, render
from bot.agent.toolkit import ProgrammeFacts, Toolkit
from bot.errors import IndexMissingError
from bot.knowledge.models import Fact, Programme, SourceRef
from bot.retrieval.models import SearchHit
from bot.tools.conditions import MissingFact

log = logging.getLogger(__name__)
COMPANY_FACTS = ("industry", "capital_yen", "employees")
UNITS = {"tonnes": "t", "percent": "%"}
SEARCH_K = 4
QUERY_CHARS = 40
MIN_NOTE_SCORE = 1.0
_PUNCT = set(" 、。,.!?？！()（）「」『』・:：/／-〜~…\n")
_KANA_ONLY = re.compile(r"^[ぁ-ゖー]+$")
# Words in nearly every question about a grant: they do not make a note relevant.
_GENERIC = frozenset(
    {"申請", "対象", "事業", "助成", "補助", "制度", "場合", "企業", "中小", "小企", "教え", "使え", "でき"}
)


@dataclass
class Situation:
    """What the handlers of one turn share."""

    toolkit: Toolkit
    message: str
    programme: Programme | None
    slots: dict[str, Any]
    facts: dict[str, Any]
    costs: dict[str, int]
    eligible_cost_yen: int | None
    claimed_percents: list[Fraction] = field(default_factory=list)
    claimed_yen: list[int] = field(default_factory=list)
    hits: list[SearchHit] | None = None  # a search already run this turn, reused
    category: str | None = None  # a category the user named (「区分2で」)
    given: set[str] = field(default_factory=set)  # the facts this message states
    shown: set[str] = field(default_factory=set)  # chunk ids already quoted this turn
    lang: str = "ja"  # the turn's language: "en" answers with bot/agent/offline/english*.py
    _facts: ProgrammeFacts | None = None

    def programme_facts(self) -> ProgrammeFacts:
        """get_programme_facts once per turn: the record that grounds the notes and rates shown."""
        if self._facts is None:
            self._facts = self.toolkit.get_programme_facts(self.pid)
        return self._facts

    def notes(self, pattern: str) -> list[Fact]:
        """The programme's sourced notes matching ``pattern``, cited."""
        assert self.programme is not None
        self.programme_facts()
        found = [n for n in self.programme.notes if re.search(pattern, n.value)]
        cite(self.toolkit, [n.source for n in found])
        return found

    def search(self, k: int = 3) -> list[SearchHit]:
        """One search per turn (within the programme when there is one), reused by every section."""
        pid = self.programme.id if self.programme else None
        if self.hits is None or (pid is not None and any(h.source_id != pid for h in self.hits)):
            self.hits = safe_search(self.toolkit, self.message, SEARCH_K, pid)
        return self.hits[:k]

    @property
    def pid(self) -> str:
        assert self.programme is not None
        return self.programme.id

    @property
    def name(self) -> str:
        assert self.programme is not None
        return self.programme.name.value


@dataclass
class Section:
    text: str
    follow_up: list[str] = field(default_factory=list)
    pending_fact: str | None = None
    verdict: str | None = None  # the yes/no answer the section decides (eligibility, status)


_CONTENT = re.compile(r"[一-龥々〆ァ-ヶーa-z・\-]{2,}|[0-9][0-9,.]*[一-龥a-z%]*|[一-龥]")
# Amounts, rates and bare numbers are not search words (and must not become evidence).
_AMOUNT = re.compile(r"^[0-9][0-9,.]*(万|億|兆|千|百)*(円|%|t|トン|割|分)?$")


def safe_search(toolkit: Toolkit, message: str, k: int, programme_id: str | None = None) -> list[SearchHit]:
    """search_documents over the message's content words; no passages (rather than no answer)
    when the index has not been built yet — the structured facts and calculators still work."""
    try:
        return toolkit.search_documents(search_query(message), k=k, programme_id=programme_id)
    except IndexMissingError as exc:
        log.warning("offline engine answering without passages: %s", exc.message_en)
        return []


def search_query(message: str) -> str:
    """The content words of a message (kanji, katakana, latin, numbers), without particles and
    amounts, at most QUERY_CHARS long: embedding cost grows with the query's length."""
    words = [w for w in _CONTENT.findall(normalise(message)) if not _AMOUNT.match(w)]
    query = ""
    for word in dict.fromkeys(words):
        if len(query) + len(word) + 1 > QUERY_CHARS:
            break
        query = f"{query} {word}".strip()
    return query or normalise(message)[:QUERY_CHARS]


def cite(toolkit: Toolkit, refs: Sequence[SourceRef | None]) -> None:
    for ref in refs:
        if ref is not None:
            toolkit.cite(ref)


def ask(text: str, missing: Sequence[MissingFact]) -> Section:
    """A section that asks the first missing fact, one question at a time."""
    first = missing[0]
    parts = [text, render("common.follow_up", question=first.question)]
    if len(missing) > 1:
        parts.append(
            render("common.more_questions", labels="、".join(f"「{m.label}」" for m in missing[1:4]))
        )
    body = "\n\n".join(part for part in parts if part)
    return Section(body, follow_up=[m.question for m in missing], pending_fact=first.name)


def programme_facts(programme: Programme, slots: dict[str, Any], company: bool = False) -> dict[str, Any]:
    """The slots that are inputs of this programme (and the SME inputs for an eligibility check)."""
    names = {spec.name for spec in programme.inputs} | (set(COMPANY_FACTS) if company else set())
    if company and slots.get("sme_derived"):
        names.discard("is_sme")  # let the eligibility check derive (and explain) it from the law
    types = {spec.name: spec.type for spec in programme.inputs}
    facts: dict[str, Any] = {}
    for name in sorted(names):
        value = slots.get(name)
        if value is None:
            continue
        # Quantities go in with their unit (「30t」, 「40%」): the calculators read them exactly.
        facts[name] = f"{value}{UNITS[types[name]]}" if types.get(name) in UNITS else value
    return facts


# --- amount -------------------------------------------------------------------------------------


def passages(s: Situation, k: int = 2) -> str:
    """The best passages for the message (within the programme when there is one), quoted."""
    blocks = []
    for hit in [h for h in s.search(k + len(s.shown)) if h.chunk_id not in s.shown][:k]:
        s.shown.add(hit.chunk_id)
        s.toolkit.cite_hit(hit)
        blocks.append(f"**{hit.title} — {hit.section}**\n{quote(hit.text)}")
    return "\n\n".join(blocks)


def _bigrams(text: str) -> set[str]:
    norm = normalise(text)
    pairs = (norm[i : i + 2] for i in range(len(norm) - 1))
    return {p for p in pairs if not (set(p) & _PUNCT) and not _KANA_ONLY.match(p) and p not in _GENERIC}


def relevant_notes(programme: Programme, message: str, k: int = 3) -> list[Fact]:
    """The programme's sourced notes that share the most distinctive words with the message."""
    notes = programme.notes
    names = set().union(*(_bigrams(n) for n in (programme.name.value, *programme.aliases)))
    query = _bigrams(message) - names
    grams = [_bigrams(note.value) for note in notes]
    df = {b: sum(b in g for g in grams) for b in query}
    scored = [
        (sum((Fraction(1, df[b]) for b in query & g if df[b] <= max(2, len(notes) // 2)), Fraction(0)), i)
        for i, g in enumerate(grams)
    ]
    best = sorted((x for x in scored if x[0] >= MIN_NOTE_SCORE), key=lambda x: (-x[0], x[1]))[:k]
    return [notes[i] for _, i in best]


def related(s: Situation) -> str:
    """Notes and passages behind an answer drawn from structured facts (quoted, with citations)."""
    assert s.programme is not None
    notes = relevant_notes(s.programme, s.message)
    if notes:
        s.programme_facts()
    cite(s.toolkit, [n.source for n in notes])
    text = passages(s, k=2)
    if not notes and not text:
        return ""
    return render("common.related", notes=bullets(n.value for n in notes), passages=text)

"""The advisor's tools, shared by the offline engine and the LLM agent.

A :class:`Toolkit` is made per turn from the dependencies and the as-of date. Every call is
recorded as a :class:`~bot.models.ToolCall` (name, arguments, JSON result) and every source
passage a result rests on becomes a :class:`~bot.models.Citation`, so the final answer can
show — and the grounding guard can check — where each figure came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.knowledge.models import Contact, Programme, RateCapCalculation, SourceRef, collect_sources
from bot.models import Citation, ToolCall
from bot.retrieval.models import SearchHit
from bot.tools.eligibility import EligibilityResult
from bot.tools.grant_models import GrantResult, Recommendation
from bot.tools.schemas import TOOLS, ToolArgumentError
from bot.tools.status import StatusResult

if TYPE_CHECKING:
    from bot.deps import Deps

SEARCH_OVERFETCH = 4
R = TypeVar("R", bound=BaseModel)
EventSink = Callable[[dict[str, Any]], None]
TOOL_PROGRESS = {
    "search_documents": "検索中…",
    "find_programmes": "制度を探しています…",
    "get_programme_facts": "制度情報を確認中…",
    "check_eligibility": "要件を確認中…",
    "calculate_grant": "計算中…",
    "recommend_category": "計算中…",
    "application_status": "受付状況を確認中…",
}


class CategoryFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    description: str
    rate: str
    cap_yen: int | None
    eligible_items: list[str]


class WindowFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    fiscal_year: str
    start: dt.date
    end: dt.date


class ProgrammeFacts(BaseModel):
    """The structured facts of one programme, as the agent sees them."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    kind: str
    name: str
    aliases: list[str]
    publisher: str
    url: str
    summary: str
    fiscal_year: str | None
    target_applicants: list[str]
    categories: list[CategoryFacts]
    eligible_costs: list[str]
    excluded_costs: list[str]
    eligibility_rules: list[str]
    windows: list[WindowFacts]
    deadlines: list[str]
    contacts: list[str]
    notes: list[str]


class ProgrammeMatch(BaseModel):
    """A programme that may fit a need, with why and whether it is open on the as-of date."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    name: str
    kind: str
    score: float
    reasons: list[str]
    open_now: bool
    status: str


class Toolkit:
    """The tools of one turn; records calls and citations."""

    def __init__(self, deps: Deps, as_of: dt.date, on_event: EventSink | None = None) -> None:
        self.deps = deps
        self.as_of = as_of
        self.on_event = on_event
        self.calls: list[ToolCall] = []
        self._citations: dict[tuple[str, str, str], Citation] = {}
        self._programmes: dict[str, Programme] | None = None

    # --- records -----------------------------------------------------------------------

    @property
    def citations(self) -> list[Citation]:
        return list(self._citations.values())

    @property
    def programmes(self) -> dict[str, Programme]:
        """One edition per programme: the one in force on the turn's date (older editions stay
        reachable by id through :meth:`programme`, for questions about past applications)."""
        if self._programmes is None:
            self._programmes = self.deps.knowledge.current(self.as_of)
        return self._programmes

    def programme(self, programme_id: str) -> Programme:
        return self.deps.knowledge.programme(programme_id)

    def use_edition(self, programme_id: str) -> None:
        """Answer this turn with edition ``programme_id`` instead of its programme's edition in
        force (the user asked about that fiscal year, e.g. a past application's deadline)."""
        chosen = self.programme(programme_id)
        editions = {pid: p for pid, p in self.programmes.items() if p.family != chosen.family}
        self._programmes = {**editions, chosen.id: chosen}

    def cite(self, ref: SourceRef) -> Citation:
        """Record a citation of a programme-fact source passage."""
        doc = self.deps.knowledge.sources.get(ref.doc)
        title = doc.meta.title if doc else ref.doc
        url = doc.meta.url if doc else ""
        return self._add_citation(
            Citation(source_id=ref.doc, title=title, url=url, section=ref.section, quote=ref.quote)
        )

    def cite_hit(self, hit: SearchHit) -> Citation:
        """Record a citation of a retrieved passage."""
        return self._add_citation(
            Citation(
                source_id=hit.source_id, title=hit.title, url=hit.url, section=hit.section, quote=hit.text
            )
        )

    def _add_citation(self, citation: Citation) -> Citation:
        key = (citation.source_id, citation.section, citation.quote)
        return self._citations.setdefault(key, citation)

    def emit(self, event: dict[str, Any]) -> None:
        """Tell the channel what is happening (e.g. a tool starting), for progress display."""
        if self.on_event is not None:
            self.on_event(event)

    def _started(self, name: str) -> None:
        self.emit({"type": "progress", "tool": name, "label": TOOL_PROGRESS[name]})

    def _record(self, name: str, arguments: dict[str, Any], result: BaseModel | Sequence[BaseModel]) -> None:
        data: Any = (
            [item.model_dump(mode="json") for item in result]
            if not isinstance(result, BaseModel)
            else result.model_dump(mode="json")
        )
        self.calls.append(
            ToolCall(
                name=name, arguments=arguments, result=data if isinstance(data, dict) else {"items": data}
            )
        )

    # --- retrieval ---------------------------------------------------------------------

    def search_documents(self, query: str, k: int = 5, programme_id: str | None = None) -> list[SearchHit]:
        """公式資料を検索する / Search the official programme documents; passages with citations."""
        self._started("search_documents")
        if programme_id is not None:
            self.programme(programme_id)
        fetch = k * SEARCH_OVERFETCH if programme_id else k
        result = self.deps.retriever.search(query, k=min(fetch, 50))
        hits = [h for h in result.hits if programme_id is None or h.source_id == programme_id][:k]
        self._record("search_documents", {"query": query, "k": k, "programme_id": programme_id}, hits)
        return hits

    # --- facts -------------------------------------------------------------------------

    def get_programme_facts(self, programme_id: str) -> ProgrammeFacts:
        """制度の基本情報（対象者・助成率・上限額・期間・問合せ先）/ A programme's sourced facts."""
        self._started("get_programme_facts")
        programme = self.programme(programme_id)
        facts = build_programme_facts(programme)
        for ref in key_sources(programme):
            self.cite(ref)
        self._record("get_programme_facts", {"programme_id": programme_id}, facts)
        return facts

    def find_programmes(self, need: str = "", profile: dict[str, Any] | None = None) -> list[ProgrammeMatch]:
        """ニーズや会社概要に合う制度を探す（受付終了は明示）/ Programmes matching a need or profile."""
        self._started("find_programmes")
        from bot.agent.matching import match_programmes

        matches: list[ProgrammeMatch] = match_programmes(self, need, profile or {})
        self._record("find_programmes", {"need": need, "profile": profile or {}}, matches)
        return matches

    # --- calculators -------------------------------------------------------------------

    def calculate_grant(self, programme_id: str, **arguments: Any) -> GrantResult:
        """助成額を計算する / Compute the grant amount with steps, rounding and sources."""
        return self._run("calculate_grant", programme_id, arguments, GrantResult)

    def recommend_category(self, programme_id: str, **arguments: Any) -> Recommendation:
        """最も有利な申請区分を比較する / Compare the categories the applicant qualifies for."""
        return self._run("recommend_category", programme_id, arguments, Recommendation)

    def check_eligibility(self, programme_id: str, profile: dict[str, Any]) -> EligibilityResult:
        """申請資格を確認する / Check eligibility; lists the facts still needed."""
        return self._run("check_eligibility", programme_id, {"profile": profile}, EligibilityResult)

    def application_status(self, programme_id: str) -> StatusResult:
        """受付状況と締切（基準日時点）/ Application windows and deadlines as of the turn's date."""
        return self._run("application_status", programme_id, {"as_of": self.as_of}, StatusResult)

    def _run(self, name: str, programme_id: str, arguments: dict[str, Any], kind: type[R]) -> R:
        self._started(name)
        spec = TOOLS[name]
        try:
            args = spec.arguments.model_validate({"programme_id": programme_id, **arguments})
        except ValidationError as exc:
            raise ToolArgumentError(name, exc) from None
        result = spec.invoke(self.programme(programme_id), args)
        if not isinstance(result, kind):  # pragma: no cover - the registry pairs them
            raise TypeError(f"{name} returned {type(result).__name__}")
        refs: list[SourceRef] = []
        collect_sources(result, refs)
        for ref in refs:
            self.cite(ref)
        self._record(name, args.model_dump(mode="json"), result)
        return result


def build_programme_facts(programme: Programme) -> ProgrammeFacts:
    """Flatten a programme's facts for the agent (the sources are cited separately)."""
    calc = programme.calculation
    categories: list[CategoryFacts] = []
    eligible: list[str] = []
    excluded: list[str] = []
    if isinstance(calc, RateCapCalculation):
        categories = [
            CategoryFacts(
                id=c.id,
                name=c.name,
                description=c.description,
                rate=f"{c.rate.numerator}/{c.rate.denominator}",
                cap_yen=c.cap_yen,
                eligible_items=c.eligible_items,
            )
            for c in calc.categories
        ]
        eligible = [item.name for item in calc.cost_items]
        excluded = [f"{item.name}（{item.reason}）" for item in calc.excluded_costs]
    return ProgrammeFacts(
        programme_id=programme.id,
        kind=programme.kind,
        name=programme.name.value,
        aliases=programme.aliases,
        publisher=programme.publisher.value,
        url=programme.url.value,
        summary=programme.summary.value,
        fiscal_year=programme.fiscal_year.value if programme.fiscal_year else None,
        target_applicants=[fact.value for fact in programme.target_applicants],
        categories=categories,
        eligible_costs=eligible,
        excluded_costs=excluded,
        eligibility_rules=[rule.description for rule in programme.eligibility],
        windows=[
            WindowFacts(id=w.id, label=w.label, fiscal_year=w.fiscal_year, start=w.start, end=w.end)
            for w in programme.windows
        ],
        deadlines=[f"{d.label}: {d.date.isoformat()}" for d in programme.deadlines],
        contacts=[_contact_line(c) for c in programme.contacts],
        notes=[note.value for note in programme.notes],
    )


def key_sources(programme: Programme) -> list[SourceRef]:
    """The passages behind a programme's headline facts: summary, rate table, windows."""
    refs = [programme.summary.source]
    if isinstance(programme.calculation, RateCapCalculation):
        refs += [category.source for category in programme.calculation.categories]
    refs += [window.source for window in programme.windows]
    return refs


def _contact_line(contact: Contact) -> str:
    parts = [contact.label, contact.organisation]
    parts += [value for value in (contact.phone, contact.email, contact.url, contact.hours) if value]
    return " / ".join(parts)

"""Pydantic schema of the knowledge base.

``knowledge/sources/<id>.md`` is a programme document as Markdown with YAML front matter
(:class:`SourceMeta`). ``knowledge/programmes/<id>.yaml`` holds the structured facts a
calculator, an eligibility check or a deadline check needs (:class:`Programme`); every fact
carries a :class:`SourceRef` pointing at the passage that states it.

Rates are written as fraction strings ("2/3") and become :class:`fractions.Fraction`;
money is integer yen.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from bot.knowledge.english import English, unknown_keys


def _to_fraction(value: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("a rate must be a fraction string such as '2/3'")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"not a fraction: {value!r} (write e.g. '2/3')") from exc
    raise ValueError(f"not a fraction: {value!r} (write e.g. '2/3')")


FractionStr = Annotated[
    Fraction,
    BeforeValidator(_to_fraction),
    PlainSerializer(lambda f: f"{f.numerator}/{f.denominator}", return_type=str),
]
"""A rate: a ``Fraction`` in Python, ``"n/d"`` in YAML and JSON."""

Yen = Annotated[int, Field(ge=0, le=10**13)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(Strict):
    """Where a fact is stated: source document id, section (heading path) and a verbatim quote."""

    doc: str
    section: str
    quote: str = Field(min_length=2)


class SourceMeta(Strict):
    """Front matter of ``knowledge/sources/<id>.md``."""

    id: str
    title: str
    publisher: str
    url: str
    fiscal_year: str | None = None  # e.g. 令和7年度: the edition of a yearly document
    published: str
    retrieved: str
    programmes: list[str]


class Fact(Strict):
    """A single sourced statement (text)."""

    value: str
    source: SourceRef


class Contact(Strict):
    label: str
    organisation: str
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None
    source: SourceRef


# --- conditions -------------------------------------------------------------------------

Op = Literal["==", "!=", ">=", ">", "<=", "<", "in", "not_in"]


class Check(Strict):
    """Compare one applicant fact with a value: ``{fact: co2_reduction_t, op: '>=', value: 28}``."""

    fact: str
    op: Op
    value: Any


class AllOf(Strict):
    all: list[Condition]


class AnyOf(Strict):
    any: list[Condition]


Condition = Check | AllOf | AnyOf


# --- inputs (the facts a programme asks about) -------------------------------------------

InputType = Literal["yen", "tonnes", "percent", "bool", "choice", "text", "int"]


class InputSpec(Strict):
    """A fact the programme's rules use, with the question that asks the user for it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: InputType
    label: str
    question: str
    choices: dict[str, str] | None = None  # value -> Japanese label, for type 'choice'

    @model_validator(mode="after")
    def _choices_for_choice(self) -> InputSpec:
        if (self.type == "choice") != (self.choices is not None):
            raise ValueError("'choices' is required for type 'choice' and only for it")
        return self


# --- eligibility ---------------------------------------------------------------------------


class EligibilityRule(Strict):
    """A rule an applicant must satisfy; unknown facts make it ``need_info``."""

    id: str
    description: str
    condition: Condition
    fail_reason: str
    source: SourceRef


# --- calculation ---------------------------------------------------------------------------


class CostItem(Strict):
    """An eligible cost item (e.g. 設計費)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    aliases: list[str] = []
    source: SourceRef


class ExcludedCost(Strict):
    """A cost the programme does not pay for, with the reason."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    aliases: list[str] = []
    reason: str
    source: SourceRef


class Rounding(Strict):
    """How fractions of a yen are handled. ``stated`` is false where the document is silent."""

    rule: Literal["floor", "ceil", "round_half_up"] = "floor"
    unit_yen: int = Field(default=1, ge=1)
    stated: bool = False
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _stated_needs_source(self) -> Rounding:
        if self.stated and self.source is None:
            raise ValueError("a stated rounding rule needs its source")
        return self


class Category(Strict):
    """One row of a rate table: who/what qualifies, the rate, the cap and the items it covers."""

    id: str
    name: str
    description: str
    when: Condition | None = None
    rate: FractionStr
    cap_yen: Yen | None
    eligible_items: list[str]
    source: SourceRef


class RateCapCalculation(Strict):
    """amount = min(floor(eligible cost × rate), cap), the category chosen by its conditions."""

    kind: Literal["rate_cap"]
    cost_items: list[CostItem]
    excluded_costs: list[ExcludedCost] = []
    categories: list[Category]
    rounding: Rounding = Rounding()

    @model_validator(mode="after")
    def _items_exist(self) -> RateCapCalculation:
        known = {item.id for item in self.cost_items}
        for category in self.categories:
            unknown = set(category.eligible_items) - known
            if unknown:
                raise ValueError(f"category {category.id}: unknown cost items {sorted(unknown)}")
        return self


WorksheetOp = Literal["input", "subtract", "min", "multiply"]


class WorksheetLine(Strict):
    """A numbered line of a worksheet (e.g. 様式2 (3) = (1) − (2))."""

    id: str
    label: str
    op: WorksheetOp
    args: list[str] = []
    factor: FractionStr | None = None
    input: str | None = None  # the input name, for op 'input'
    source: SourceRef


class WorksheetCalculation(Strict):
    """A form's arithmetic as named lines; the result is one of the lines."""

    kind: Literal["worksheet"]
    lines: list[WorksheetLine]
    result_line: str
    cap_yen: Yen | None = None
    rounding: Rounding = Rounding()


Calculation = Annotated[RateCapCalculation | WorksheetCalculation, Field(discriminator="kind")]


# --- dates ---------------------------------------------------------------------------------

Selection = Literal["lottery", "first_come", "review", "budget_first_come", "unspecified"]


class Window(Strict):
    """An application (or submission) window."""

    id: str
    label: str
    fiscal_year: str  # e.g. 令和7年度
    round: int | None = None
    kind: Literal["application", "submission", "proposal"] = "application"
    start: dt.date
    end: dt.date
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    must_arrive: bool = False  # 必着
    selection: Selection = "unspecified"
    selection_note: str | None = None
    source: SourceRef

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"window {self.id}: end {self.end} is before start {self.start}")
        return self


class Deadline(Strict):
    """A single deadline, e.g. the final date for the 工事完了届 of a round."""

    id: str
    label: str
    kind: str
    date: dt.date
    windows: list[str] = []  # the windows whose applicants it applies to
    note: str | None = None
    source: SourceRef


RulingAnswer = Literal["yes", "no", "depends", "not_stated"]
MIN_ASKS = 2


class Ruling(Strict):
    """One yes/no question about a programme and the answer its document gives.

    ``asks`` are phrasings of the question (Japanese and English) a message is matched against;
    ``answer`` is the truth of every one of them, stated by the passage quoted in ``source``.
    ``not_stated`` records a question the document is silent on (the advisor says so rather
    than guess); its ``source`` is optional — the nearest passage when there is one.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    asks: list[str] = Field(min_length=MIN_ASKS)
    answer: RulingAnswer
    statement: str = Field(min_length=2)
    statement_en: str | None = None
    source: SourceRef | None = None

    @model_validator(mode="after")
    def _answered_from_a_passage(self) -> Ruling:
        if self.answer != "not_stated" and self.source is None:
            raise ValueError(
                f"ruling {self.id}: a '{self.answer}' answer needs the source passage that states it"
            )
        return self


class Vocabulary(Strict):
    """How people talk about a programme, for the offline engine's matching (no Python per programme).

    ``aliases`` (on the programme) name *this programme*; ``topics`` are words that point to its
    subject (equipment, activities, terms of its rules: 「冷蔵ショーケース」「LED」「オフセット」);
    ``weak_topics`` point to it only when no stronger word points elsewhere (「クレジット」).
    ``short_name`` is how the advisor names it in a question back; ``order`` places it in lists;
    ``percent_input`` is the input a bare percentage in a message is about (「30%削減」).
    """

    short_name: str | None = None
    order: int = 100
    topics: list[str] = []
    weak_topics: list[str] = []
    percent_input: str | None = None


class Programme(Strict):
    """Structured, sourced facts about one edition of a programme.

    A programme's fiscal-year editions (令和7年度, 令和8年度 …) are separate files, each with
    its own document, rates, caps and windows; ``edition_of`` names the programme they belong
    to (the id of its first edition; unset: the file is a programme of its own). ``published``
    is the day the edition was announced: from then on it is the edition the advisor answers
    with (default: its first window's start).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    edition_of: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    published: dt.date | None = None
    kind: Literal["grant", "subsidy", "support_plan"]
    name: Fact
    aliases: list[str] = []
    publisher: Fact
    url: Fact
    summary: Fact
    fiscal_year: Fact | None = None
    target_applicants: list[Fact] = []
    inputs: list[InputSpec] = []
    eligibility: list[EligibilityRule] = []
    calculation: Calculation | None = None
    windows: list[Window] = []
    deadlines: list[Deadline] = []
    notes: list[Fact] = []
    contacts: list[Contact] = []
    rulings: list[Ruling] = []
    vocabulary: Vocabulary = Vocabulary()
    english: English | None = None  # translations for English answers (bot/knowledge/english.py)

    @property
    def family(self) -> str:
        """The id of the programme this edition belongs to (its own id for a single edition)."""
        return self.edition_of or self.id

    @property
    def edition_label(self) -> str:
        """The edition's fiscal year as the documents write it (「令和7年度」), or ''."""
        return self.fiscal_year.value if self.fiscal_year else ""

    def in_force_from(self) -> dt.date | None:
        """The day this edition became the one to answer with: ``published``, else the start of
        its first window; None when neither is known."""
        if self.published is not None:
            return self.published
        return min((w.start for w in self.windows), default=None)

    @property
    def short_name(self) -> str:
        """The name the advisor uses in a question back: ``vocabulary.short_name``, else the
        first alias, else the official name."""
        return self.vocabulary.short_name or next(iter(self.aliases), self.name.value)

    @model_validator(mode="after")
    def _percent_input_is_an_input(self) -> Programme:
        wanted = self.vocabulary.percent_input
        if wanted and not any(spec.name == wanted for spec in self.inputs):
            raise ValueError(f"vocabulary.percent_input: '{wanted}' is not one of this programme's inputs")
        return self

    @model_validator(mode="after")
    def _deadlines_name_windows(self) -> Programme:
        window_ids = {w.id for w in self.windows}
        for deadline in self.deadlines:
            unknown = set(deadline.windows) - window_ids
            if unknown:
                raise ValueError(f"deadline {deadline.id}: unknown windows {sorted(unknown)}")
        return self

    @model_validator(mode="after")
    def _english_names_facts(self) -> Programme:
        if self.english is None:
            return self
        calc = self.calculation
        items = [*getattr(calc, "cost_items", []), *getattr(calc, "excluded_costs", [])]
        known = {
            "inputs": [spec.name for spec in self.inputs],
            "rules": [rule.id for rule in self.eligibility],
            "categories": [c.id for c in getattr(calc, "categories", [])],
            "cost_items": [item.id for item in items],
            "excluded_reasons": [item.id for item in getattr(calc, "excluded_costs", [])],
            "lines": [line.id for line in getattr(calc, "lines", [])],
            "deadlines": [d.id for d in self.deadlines],
        }
        unknown = unknown_keys(self.english, known)
        if unknown:
            raise ValueError(f"translations of facts the programme does not have: {unknown}")
        if len(self.english.contacts) > len(self.contacts) or len(self.english.targets) > len(
            self.target_applicants
        ):
            raise ValueError("english.contacts / english.targets: more entries than the programme has")
        return self

    def sources(self) -> list[SourceRef]:
        """Every source reference in this programme, for the quote check."""
        found: list[SourceRef] = []
        collect_sources(self, found)
        return found


def collect_sources(node: object, found: list[SourceRef]) -> None:
    """Append every SourceRef inside ``node`` (models, lists, tuples) to ``found``, in order."""
    if isinstance(node, SourceRef):
        found.append(node)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            collect_sources(getattr(node, name), found)
    elif isinstance(node, list | tuple):
        for item in node:
            collect_sources(item, found)


AllOf.model_rebuild()
AnyOf.model_rebuild()

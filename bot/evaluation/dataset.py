"""The gold dialogue dataset (``eval/datasets/dialogue.yaml``): cases, turns and expectations.

File format — a YAML mapping::

    version: 1
    cases:
      - id: ze-amount-self-plan
        kind: amount
        programme: example-energy-saving
        as_of: 2026-11-24
        note: 区分3 — 12,000,000 × 2/3 = 8,000,000（上限1,000万円以下）
        turns:
          - user: 自社で計画作って年5t減らす。設備と工事で１２００万円。いくら出る？
            expect:
              programmes: [example-energy-saving]
              amounts_yen: [8000000]
              citations:
                - {source_id: example-energy-saving, section: 事業概要 > 助成額等}

A case is one conversation (one or more user turns, each with what the advisor's answer to
that turn must satisfy) evaluated as of ``as_of``. The schema checks only what it can see in
the file: unknown fields, duplicate ids, contradictory expectations — and, given the knowledge's
programme ids, ids that are not among them. Whether a gold citation names a section that exists
in its source document, or a follow-up names an input the programme declares, needs the knowledge base and is
checked by the tests (the schema does no I/O besides reading the dataset file).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from bot.errors import InputError

CaseKind = Literal[
    "fact",
    "amount",
    "eligibility",
    "deadline",
    "eligible_costs",
    "comparison",
    "follow_up",
    "out_of_scope",
    "adversarial",
    "how_to_apply",
    "contact",
    "overview",
    "discovery",
    "coverage",
    "yes_no",
]
CASE_KINDS: tuple[str, ...] = get_args(CaseKind)

DATASET_VERSION: Literal[1] = 1
Split = Literal["dev", "heldout"]
"""``dev``: the cases the engine is tuned on; ``heldout``: cases written from the documents by
someone who never read the engine, never edited to make it pass (only where they contradict the
documents), and reported separately."""
Language = Literal["ja", "en"]
Verdict = Literal["yes", "no", "depends", "eligible", "not_eligible", "needs_information", "not_stated"]
WindowState = Literal["open", "upcoming", "closed"]


class DatasetError(InputError):
    """The evaluation dataset file is missing, not valid YAML or does not match the schema."""

    code = "invalid_dataset"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_programmes(ids: list[str] | None, where: str, info: ValidationInfo) -> None:
    """Programme ids must be the knowledge's (``load_dataset(..., programme_ids=…)``); without
    that context (a dataset read on its own) any id passes."""
    known: Collection[str] | None = (info.context or {}).get("programme_ids")
    if known is None:
        return
    unknown = [pid for pid in ids or [] if pid not in known]
    if unknown:
        raise ValueError(f"{where}: unknown programme ids {unknown}; the knowledge has {sorted(known)}")


class GoldSection(_Strict):
    """A passage a correct answer may cite: source document id and heading path (" > ")."""

    source_id: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Expect(_Strict):
    """What the advisor's answer to one turn must satisfy.

    ``required`` is a list of any-of phrase sets: every set must match, through any one of its
    phrases. ``forbidden`` phrases must not appear. ``amounts_yen`` must appear in the answer
    text in any Japanese notation (「4,500万円」, 「45,000,000円」 …); ``no_amounts`` forbids any
    yen amount. ``follow_up`` True means the answer must ask for missing facts (and about each
    of ``follow_up_about``, input names of the programme); False means it must not ask again.
    ``verdict`` is the answer's verdict: a yes/no question's はい／いいえ／条件によります (or that
    the documents do not say), an eligibility question's eligible / not eligible / needs
    information. ``status`` is the application status the answer must give per programme.
    """

    programmes: list[str] | None = None
    programmes_exact: bool = False
    amounts_yen: list[PositiveInt] = []
    no_amounts: bool = False
    required: list[list[str]] = []
    forbidden: list[str] = []
    citations: list[GoldSection] = []
    follow_up: bool | None = None
    follow_up_about: list[str] = []
    refusal: bool = False
    verdict: Verdict | None = None
    status: dict[str, WindowState] = {}
    lang: Language | None = None  # the turn's answer language, when not the case's («English please»)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Expect:
        _check_programmes(self.programmes, "programmes", info)
        _check_programmes(list(self.status), "status", info)
        if self.programmes_exact and self.programmes is None:
            raise ValueError("programmes_exact needs 'programmes'")
        if self.amounts_yen and self.no_amounts:
            raise ValueError("'amounts_yen' and 'no_amounts' contradict each other")
        if self.amounts_yen and self.refusal:
            raise ValueError("a refusal cannot be expected to state amounts")
        if len(set(self.amounts_yen)) != len(self.amounts_yen):
            raise ValueError("'amounts_yen' lists an amount twice")
        for index, group in enumerate(self.required):
            if not group:
                raise ValueError(f"required[{index}] is an empty phrase set")
            if any(not phrase.strip() for phrase in group):
                raise ValueError(f"required[{index}] contains an empty phrase")
            blocked = [p for p in group if any(bad in p for bad in self.forbidden)]
            if len(blocked) == len(group):
                raise ValueError(
                    f"required[{index}] can never match: every phrase contains a forbidden phrase"
                )
        if any(not phrase.strip() for phrase in self.forbidden):
            raise ValueError("'forbidden' contains an empty phrase")
        if self.follow_up_about and self.follow_up is not True:
            raise ValueError("'follow_up_about' needs 'follow_up: true'")
        if len(set(self.follow_up_about)) != len(self.follow_up_about):
            raise ValueError("'follow_up_about' names a fact twice")
        return self


class Turn(_Strict):
    """One user message and the expectation on the advisor's reply to it."""

    user: str = Field(min_length=1)
    expect: Expect


class Case(_Strict):
    """One conversation, evaluated as of ``as_of``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: CaseKind
    lang: Language = "ja"
    programme: str | None = None
    as_of: dt.date
    turns: list[Turn] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _canonical_programme(self, info: ValidationInfo) -> Case:
        _check_programmes([self.programme] if self.programme is not None else None, "programme", info)
        return self

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1


class Dataset(_Strict):
    """All cases of a dataset file; case ids are unique."""

    version: Literal[1] = DATASET_VERSION
    split: Split = "dev"
    cases: list[Case]

    @model_validator(mode="after")
    def _unique_ids(self) -> Dataset:
        repeated = sorted(case_id for case_id, n in Counter(c.id for c in self.cases).items() if n > 1)
        if repeated:
            raise ValueError(f"duplicate case ids: {repeated}")
        return self

    def case(self, case_id: str) -> Case:
        """The case with this id (KeyError when there is none)."""
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)


def load_dataset(path: Path | str, programme_ids: Collection[str] | None = None) -> Dataset:
    """Read and validate a dataset file; :class:`DatasetError` names the file, line and field.
    With ``programme_ids`` (the knowledge's), a case naming any other programme is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"評価データがありません: {path}", f"Dataset file not found: {path}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        raise _error(path, line, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _error(path, 1, f"invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise _error(path, 1, "expected a mapping {version: 1, cases: [...]}")
    try:
        return Dataset.model_validate(data, context={"programme_ids": programme_ids})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        where = ".".join(str(part) for part in loc) or "(document)"
        case_id = _case_id(data, loc)
        if case_id:
            where = f"case '{case_id}': {where}"
        raise _error(path, _line_of(node, loc), f"{where}: {first['msg']}") from None


def _case_id(data: dict[str, Any], loc: tuple[int | str, ...]) -> str | None:
    if len(loc) < 2 or loc[0] != "cases" or not isinstance(loc[1], int):
        return None
    cases = data.get("cases")
    if isinstance(cases, list) and loc[1] < len(cases) and isinstance(cases[loc[1]], dict):
        case_id = cases[loc[1]].get("id")
        return str(case_id) if case_id is not None else None
    return None


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """Follow a validation error's location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _error(path: Path, line: int, what: str) -> DatasetError:
    where = f"{path}:{line}"
    return DatasetError(f"{where}: 評価データが不正です — {what}", f"{where}: {what}")

"""ツールのスキーマ — the calculator tools as a registry of JSON schemas, for the agent and the web API.

Each tool has an argument model (its JSON schema is the tool's ``parameters``), a result model
and a description: the docstring of the tool function (Japanese one-line summary, then English).
:func:`run_tool` validates arguments, looks the programme up and returns the result as JSON data.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import InputError, UnknownProgrammeError
from bot.knowledge.models import Programme
from bot.tools.conditions import FactValue
from bot.tools.eligibility import EligibilityResult, check_eligibility
from bot.tools.grant import calculate_grant
from bot.tools.grant_models import ADDITIONAL_COSTS_DESCRIPTION, GrantInput, GrantResult, Recommendation
from bot.tools.recommend import recommend_category
from bot.tools.status import StatusResult, application_status

PROGRAMME_ID = "制度ID（list_programmes の programme_id） / programme id, as list_programmes gives it"


class CalculateGrantArgs(GrantInput):
    """Arguments of the calculate_grant tool."""

    programme_id: str = Field(description=PROGRAMME_ID)


class RecommendCategoryArgs(BaseModel):
    """Arguments of the recommend_category tool."""

    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(description=PROGRAMME_ID)
    facts: dict[str, FactValue] = Field(default_factory=dict, description="申請者の事実 / applicant facts")
    costs: dict[str, int] = Field(default_factory=dict, description="経費項目ID→金額（円） / cost per item")
    eligible_cost_yen: int | None = Field(
        default=None,
        description="対象経費の合計（円） / total eligible cost",
        json_schema_extra={"minimum": 0},
    )
    additional_costs: dict[str, int] = Field(default_factory=dict, description=ADDITIONAL_COSTS_DESCRIPTION)


class CheckEligibilityArgs(BaseModel):
    """Arguments of the check_eligibility tool."""

    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(description=PROGRAMME_ID)
    profile: dict[str, FactValue] = Field(
        default_factory=dict,
        description="申請者の事実（入力名→値、industry/capital_yen/employees も可） / applicant facts",
    )


class ApplicationStatusArgs(BaseModel):
    """Arguments of the application_status tool."""

    model_config = ConfigDict(extra="forbid")

    programme_id: str = Field(description=PROGRAMME_ID)
    as_of: dt.date = Field(description="基準日（YYYY-MM-DD） / the date to report on")
    now: dt.time | None = Field(default=None, description="基準時刻（HH:MM、任意） / time of day, optional")


@dataclass(frozen=True)
class ToolSpec:
    """A tool: its function (whose docstring describes it), argument and result models, invoker."""

    name: str
    function: Callable[..., BaseModel]
    arguments: type[BaseModel]
    result: type[BaseModel]
    invoke: Callable[[Programme, Any], BaseModel]

    @property
    def description(self) -> str:
        return inspect.getdoc(self.function) or self.name

    def schema(self) -> dict[str, Any]:
        """``{"name", "description", "parameters", "result"}`` with JSON schemas."""
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.arguments.model_json_schema(),
            "result": self.result.model_json_schema(mode="serialization"),
        }


def _run_grant(programme: Programme, args: CalculateGrantArgs) -> BaseModel:
    # Validate from the attributes, not a JSON dump: a dump would turn Fraction facts into text.
    fields = {name: getattr(args, name) for name in GrantInput.model_fields}
    return calculate_grant(programme, GrantInput.model_validate(fields))


def _run_recommend(programme: Programme, args: RecommendCategoryArgs) -> BaseModel:
    return recommend_category(
        programme, args.facts, args.costs, args.eligible_cost_yen, args.additional_costs
    )


def _run_eligibility(programme: Programme, args: CheckEligibilityArgs) -> BaseModel:
    return check_eligibility(programme, args.profile)


def _run_status(programme: Programme, args: ApplicationStatusArgs) -> BaseModel:
    return application_status(programme, args.as_of, args.now)


_SPECS = (
    ToolSpec("calculate_grant", calculate_grant, CalculateGrantArgs, GrantResult, _run_grant),
    ToolSpec("recommend_category", recommend_category, RecommendCategoryArgs, Recommendation, _run_recommend),
    ToolSpec(
        "check_eligibility", check_eligibility, CheckEligibilityArgs, EligibilityResult, _run_eligibility
    ),
    ToolSpec("application_status", application_status, ApplicationStatusArgs, StatusResult, _run_status),
)
TOOLS: dict[str, ToolSpec] = {spec.name: spec for spec in _SPECS}
TOOL_SCHEMAS: dict[str, dict[str, Any]] = {name: spec.schema() for name, spec in TOOLS.items()}


class UnknownToolError(InputError):
    """A tool name that is not registered."""

    code = "unknown_tool"

    def __init__(self, name: str) -> None:
        listed = ", ".join(TOOLS)
        super().__init__(
            f"ツール「{name}」はありません。使えるツール: {listed}", f"Unknown tool '{name}'. Tools: {listed}"
        )


class ToolArgumentError(InputError):
    """Tool arguments that do not match the tool's schema."""

    code = "invalid_tool_arguments"

    def __init__(self, name: str, error: ValidationError) -> None:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(arguments)'}: {item['msg']}"
            for item in error.errors()
        )
        super().__init__(
            f"ツール「{name}」の引数が不正です（{problems}）", f"Invalid arguments for '{name}': {problems}"
        )


def tool_schema(name: str) -> dict[str, Any]:
    """The JSON schema and description of one tool."""
    if name not in TOOL_SCHEMAS:
        raise UnknownToolError(name)
    return TOOL_SCHEMAS[name]


def run_tool(name: str, arguments: Mapping[str, Any], programmes: Mapping[str, Programme]) -> dict[str, Any]:
    """Validate the arguments, find the programme, run the tool; the result as JSON-ready data."""
    if name not in TOOLS:
        raise UnknownToolError(name)
    spec = TOOLS[name]
    try:
        args = spec.arguments.model_validate(dict(arguments))
    except ValidationError as exc:
        raise ToolArgumentError(name, exc) from None
    programme_id: str = args.programme_id  # type: ignore[attr-defined]
    if programme_id not in programmes:
        raise UnknownProgrammeError(programme_id, sorted(programmes))
    return spec.invoke(programmes[programme_id], args).model_dump(mode="json")

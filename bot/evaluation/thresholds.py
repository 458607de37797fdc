"""The evaluation's CI gate: ``eval/thresholds.yaml`` and :func:`check_thresholds`.

File format::

    version: 1
    gate:                      # run-level minimums; `advisor eval` exits 1 when one is missed
      case_pass_rate: 0.90     # share of cases whose every turn passed every check
      amounts: 1.0             # share of turns whose amounts check passed (expected yen / no yen)
      groundedness: 1.0        # share of turns with no ungrounded figure
      retrieval_hybrid_recall_at_5: 0.95
    turn:                      # per-turn budgets, used by the checks themselves
      latency_s_offline: 5.0
      latency_s_llm: 60.0
      citation_precision: 0.0

Thresholds are only ever raised: :data:`FLOORS` holds the values the gate started at, and
loading a file that sets a gate minimum below its floor is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import InputError

if TYPE_CHECKING:
    from bot.evaluation.summary import Summary

FLOORS: dict[str, float] = {
    "case_pass_rate": 0.90,
    "amounts": 1.0,
    "groundedness": 1.0,
    "retrieval_hybrid_recall_at_5": 0.95,
}
"""The gate's starting minimums; a thresholds file may raise them, never lower them."""


class ThresholdsError(InputError):
    """The thresholds file is missing, not valid YAML, or lowers a minimum below its floor."""

    code = "invalid_thresholds"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Strict):
    """Run-level minimums (rates in 0–1)."""

    case_pass_rate: float = Field(default=FLOORS["case_pass_rate"], ge=0, le=1)
    amounts: float = Field(default=FLOORS["amounts"], ge=0, le=1)
    groundedness: float = Field(default=FLOORS["groundedness"], ge=0, le=1)
    retrieval_hybrid_recall_at_5: float = Field(default=FLOORS["retrieval_hybrid_recall_at_5"], ge=0, le=1)

    @model_validator(mode="after")
    def _not_below_floors(self) -> Gate:
        lowered = [
            f"{name} {getattr(self, name)} < {floor}"
            for name, floor in FLOORS.items()
            if getattr(self, name) < floor
        ]
        if lowered:
            raise ValueError(f"thresholds are only ever raised: {', '.join(lowered)}")
        return self


class TurnBudgets(_Strict):
    """Per-turn budgets the checks use."""

    latency_s_offline: float = Field(default=5.0, gt=0, description="Latency budget of an offline turn")
    latency_s_llm: float = Field(default=60.0, gt=0, description="Latency budget of an LLM turn")
    citation_precision: float = Field(
        default=0.0, ge=0, le=1, description="Least share of a turn's cited sections that are gold"
    )

    def latency_budget(self, mode: str) -> float:
        """The budget for an answer produced in ``mode`` ('offline' or 'llm:…')."""
        return self.latency_s_llm if mode.startswith("llm") else self.latency_s_offline


class Thresholds(_Strict):
    version: Literal[1] = 1
    gate: Gate = Gate()
    turn: TurnBudgets = TurnBudgets()


def load_thresholds(path: Path | str) -> Thresholds:
    """Read and validate a thresholds file (ThresholdsError names the file and the problem)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThresholdsError(
            f"閾値ファイルがありません: {path}", f"Thresholds file not found: {path}"
        ) from None
    except yaml.YAMLError as exc:
        raise ThresholdsError(f"{path}: YAML が不正です（{exc}）", f"{path}: invalid YAML ({exc})") from None
    try:
        return Thresholds.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(document)"
        detail = f"{where}: {first['msg']}"
        raise ThresholdsError(f"{path}: 閾値が不正です — {detail}", f"{path}: {detail}") from None


def gate_values(summary: Summary | Mapping[str, Any]) -> dict[str, float | None]:
    """The measured value of every gate metric (None: not measured in this run)."""
    from bot.evaluation.summary import Summary

    model = summary if isinstance(summary, Summary) else Summary.model_validate(summary)
    retrieval = model.retrieval
    return {
        "case_pass_rate": model.overall.case_pass_rate if model.overall.cases else None,
        "amounts": model.rates.amounts,
        "groundedness": model.rates.groundedness,
        "retrieval_hybrid_recall_at_5": retrieval.recall_at_5 if retrieval is not None else None,
    }


def check_thresholds(summary: Summary | Mapping[str, Any], thresholds: Thresholds) -> list[str]:
    """One line per gate minimum the run missed (empty: the gate passes).

    A metric the run did not measure (no amount expectations, retrieval not run) is not a
    failure; :func:`unmeasured` lists those.
    """
    failures: list[str] = []
    for name, value in gate_values(summary).items():
        minimum = float(getattr(thresholds.gate, name))
        if value is not None and value < minimum:
            failures.append(f"{name}: {value:.4f} < {minimum:.4f}")
    return failures


def unmeasured(summary: Summary | Mapping[str, Any]) -> list[str]:
    """Gate metrics this run did not measure."""
    return [name for name, value in gate_values(summary).items() if value is None]

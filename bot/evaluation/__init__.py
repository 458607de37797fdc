"""Evaluation of the advisor: gold dialogue datasets and their schema."""

from bot.evaluation.dataset import (
    CASE_KINDS,
    Case,
    CaseKind,
    Dataset,
    DatasetError,
    Expect,
    GoldSection,
    Turn,
    load_dataset,
)

__all__ = [
    "CASE_KINDS",
    "Case",
    "CaseKind",
    "Dataset",
    "DatasetError",
    "Expect",
    "GoldSection",
    "Turn",
    "load_dataset",
]

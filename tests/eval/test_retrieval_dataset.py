"""The retrieval evaluation set (eval/retrieval.yaml) is well formed and its gold labels exist.

Every gold passage must name a document of knowledge/sources and a section of it exactly as
:func:`bot.knowledge.sections.split_sections` produces it from the document's body, so the
evaluation never scores against a heading that is not in the corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.loader import load_source
from bot.knowledge.sections import split_sections
from bot.retrieval.evaluate import load_eval_cases

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "eval" / "retrieval.yaml"
SOURCES = ROOT / "knowledge" / "sources"
MIN_QUESTIONS = 70
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    data = yaml.safe_load(DATASET.read_text(encoding="utf-8"))
    assert isinstance(data, list), "eval/retrieval.yaml must be a YAML list"
    assert all(isinstance(item, dict) for item in data), "every entry must be a mapping"
    return data


@pytest.fixture(scope="module")
def sections_by_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(SOURCES.glob("*.md")):
        doc = load_source(path)
        found[doc.meta.id] = {section for section, _ in split_sections(doc.body)}
    assert found, f"no documents in {SOURCES}"
    return found


def test_loads_with_the_evaluator() -> None:
    cases = load_eval_cases(DATASET)
    assert len(cases) >= MIN_QUESTIONS


def test_has_enough_questions(items: list[dict[str, Any]]) -> None:
    assert len(items) >= MIN_QUESTIONS, f"{len(items)} questions, expected at least {MIN_QUESTIONS}"


def test_ids_are_unique_kebab_case(items: list[dict[str, Any]]) -> None:
    ids = [item.get("id") for item in items]
    assert all(isinstance(i, str) for i in ids), "every entry needs a string id"
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not duplicates, f"duplicate ids: {duplicates}"
    malformed = [i for i in ids if not ID_PATTERN.match(i)]
    assert not malformed, f"ids not kebab-case with a prefix: {malformed}"


def test_questions_are_non_empty(items: list[dict[str, Any]]) -> None:
    empty = [item.get("id") for item in items if not str(item.get("question") or "").strip()]
    assert not empty, f"empty questions: {empty}"


def test_every_entry_has_one_or_two_gold_passages(items: list[dict[str, Any]]) -> None:
    bad = [
        item["id"]
        for item in items
        if not isinstance(item.get("gold"), list) or not 1 <= len(item["gold"]) <= 2
    ]
    assert not bad, f"entries without 1–2 gold passages: {bad}"


def test_gold_passages_exist_in_the_corpus(
    items: list[dict[str, Any]], sections_by_source: dict[str, set[str]]
) -> None:
    problems: list[str] = []
    for item in items:
        for gold in item["gold"]:
            source_id, section = gold.get("source_id"), gold.get("section")
            if source_id not in sections_by_source:
                problems.append(f"{item['id']}: unknown source_id {source_id!r}")
            elif not isinstance(section, str) or section not in sections_by_source[source_id]:
                problems.append(f"{item['id']}: {source_id} has no section {section!r}")
    assert not problems, "\n".join(problems)


def test_every_document_is_covered(
    items: list[dict[str, Any]], sections_by_source: dict[str, set[str]]
) -> None:
    covered = {gold["source_id"] for item in items for gold in item["gold"]}
    missing = sorted(set(sections_by_source) - covered)
    assert not missing, f"documents without a question: {missing}"

"""Section heading paths of the corpus are citation keys: they must not change by accident.

``knowledge/programmes/*.yaml`` (``source: {doc, section, quote}``), ``eval/datasets/*.yaml`` and
``eval/retrieval.yaml`` name sections by their `` > ``-joined heading path. The snapshot
``snapshots/section_paths.json`` holds, per source document, the paths in document order as the
hand-written splitter produced them before the Markdown parser replaced it. A change of parser
must leave them identical; an intended edit of a document's headings updates the snapshot
(and every file that cites the renamed sections) in the same commit::

    PYTHONPATH=. python tests/knowledge/test_sections.py   # rewrites the snapshot
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.knowledge.sections import split_sections

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
SNAPSHOT = Path(__file__).with_name("snapshots") / "section_paths.json"
EXPECTED: dict[str, list[str]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


def section_paths(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Heading paths of every source document, in document order."""
    sources = sorted(kb.sources.items())
    return {doc_id: [path for path, _ in split_sections(doc.body)] for doc_id, doc in sources}


def test_snapshot_covers_every_source(kb: KnowledgeBase) -> None:
    assert sorted(EXPECTED) == sorted(kb.sources)


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_section_paths_are_unchanged(kb: KnowledgeBase, doc_id: str) -> None:
    assert section_paths(kb)[doc_id] == EXPECTED[doc_id]


if __name__ == "__main__":
    text = json.dumps(section_paths(load_knowledge(KNOWLEDGE_DIR)), ensure_ascii=False, indent=2)
    SNAPSHOT.write_text(text + "\n", encoding="utf-8")

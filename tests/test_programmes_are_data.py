"""Programmes are data: no programme id, official name or alias appears anywhere in the product's
code, prompts, templates or static files — everything programme-specific lives in knowledge/."""

from __future__ import annotations

from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge

SUFFIXES = {".py", ".md", ".js", ".html", ".css", ".yaml"}


def test_no_programme_is_named_under_bot() -> None:
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    names = {
        needle
        for programme in knowledge.programmes.values()
        for needle in (programme.id, programme.name.value, *programme.aliases)
    }
    files = [p for p in (PROJECT_ROOT / "bot").rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    assert len(files) > 50
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {needle}"
        for path in files
        for needle in sorted(names)
        if needle in path.read_text(encoding="utf-8")
    ]
    assert found == []

"""The English answer templates (bot/prompts/offline/en/): one for every Japanese block, and a
snapshot of every English block rendered with its field names.

After an intended change to an English template, regenerate the snapshot and review the diff:

    UPDATE_ENGLISH_SNAPSHOT=1 .venv/bin/python -m pytest tests/agent/offline/test_render_english.py
"""

from __future__ import annotations

import os
import string
from pathlib import Path

from bot.agent.offline.render import ENGLISH_DIR, load_templates, render, sources_block
from bot.models import Citation

SNAPSHOT = Path(__file__).parent / "snapshots" / "english_templates.md"
UPDATE = os.environ.get("UPDATE_ENGLISH_SNAPSHOT") == "1"


def fields(template: str) -> list[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(template) if name})


def test_every_japanese_block_has_an_english_one_and_no_other() -> None:
    japanese, english = set(load_templates()), set(load_templates(ENGLISH_DIR))
    assert japanese - english == set()
    assert english - japanese == set()


def test_english_renders_match_the_snapshot() -> None:
    parts = []
    for name, template in sorted(load_templates(ENGLISH_DIR).items()):
        values = {field: f"<{field}>" for field in fields(template)}
        parts.append(f"=== {name} ===\n{render(name, lang='en', **values)}\n")
    text = "\n".join(parts)
    if UPDATE:
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), "run UPDATE_ENGLISH_SNAPSHOT=1 (see the docstring)"


def test_japanese_is_the_default_and_english_falls_back_to_japanese(tmp_path: Path) -> None:
    assert render("common.follow_up", question="Q").startswith("**確認させてください:**")
    assert render("common.follow_up", lang="en", question="Q") == "**Let me check:** Q"
    assert render("common.follow_up", lang="fr", question="Q").startswith("**確認させてください:**")


def test_the_english_source_list_is_headed_sources() -> None:
    citations = [
        Citation(source_id="d", title=f"資料{i}", url="https://example.invalid/", section="節", quote="引用")
        for i in range(10)
    ]
    text = sources_block(citations, "en")
    assert text.splitlines()[:2] == ["---", "**Sources**"]
    assert text.endswith("- and 2 more")
    assert sources_block(citations).splitlines()[1] == "**出典**"

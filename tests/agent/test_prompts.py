"""Prompt files: version lines, rendering, and a snapshot of the rendered system prompt.

Changing a prompt means bumping its version line and regenerating the snapshot:

    UPDATE_PROMPT_SNAPSHOTS=1 .venv/bin/python -m pytest tests/agent/test_prompts.py

``snapshots/prompt_versions.json`` keeps the text hash of every released version, so a prompt
cannot change under an old version number (regeneration refuses to overwrite a recorded hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from bot.agent.prompts import (
    PROMPTS_DIR,
    SYSTEM_PARTS,
    Prompt,
    PromptError,
    SystemPrompt,
    load_prompt,
    programme_lines,
    render,
    system_prompt,
)
from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge

SNAPSHOTS = Path(__file__).parent / "snapshots"
SNAPSHOT = SNAPSHOTS / "system_prompt.md"
VERSIONS = SNAPSHOTS / "prompt_versions.json"
AS_OF = dt.date(2026, 1, 15)
UPDATE = os.environ.get("UPDATE_PROMPT_SNAPSHOTS") == "1"
HOW_TO_UPDATE = "UPDATE_PROMPT_SNAPSHOTS=1 .venv/bin/python -m pytest tests/agent/test_prompts.py"


def digest(prompt: Prompt) -> str:
    return hashlib.sha256(prompt.text.encode("utf-8")).hexdigest()


def rendered() -> SystemPrompt:
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    programmes = [(p.id, p.name.value, p.kind) for p in knowledge.programmes.values()]
    return system_prompt(AS_OF, programmes)


def snapshot_text(prompt: SystemPrompt) -> str:
    return f"<!-- rendered for {AS_OF.isoformat()} from: {', '.join(prompt.versions)} -->\n{prompt.text}"


@pytest.mark.parametrize("name", SYSTEM_PARTS)
def test_each_prompt_version_has_a_frozen_text(name: str) -> None:
    prompt = load_prompt(name)
    registry: dict[str, str] = json.loads(VERSIONS.read_text(encoding="utf-8"))
    recorded = registry.get(prompt.label)
    if recorded is None and UPDATE:
        registry[prompt.label] = recorded = digest(prompt)
        VERSIONS.write_text(json.dumps(registry, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert recorded is not None, (
        f"prompts/{name}.md is at version {prompt.version}, which the snapshot does not know yet: "
        f"run `{HOW_TO_UPDATE}` and commit tests/agent/snapshots/"
    )
    assert recorded == digest(prompt), (
        f"prompts/{name}.md changed but its version line still says v{prompt.version}. "
        f"Bump the first line to `<!-- prompt: {name} v{prompt.version + 1} -->`, "
        f"then run `{HOW_TO_UPDATE}` and commit the updated snapshot."
    )


def changed_under_old_version() -> list[str]:
    """Prompts whose text differs from the hash recorded for their version."""
    registry: dict[str, str] = json.loads(VERSIONS.read_text(encoding="utf-8"))
    prompts = [load_prompt(name) for name in SYSTEM_PARTS]
    return [p.label for p in prompts if registry.get(p.label, digest(p)) != digest(p)]


def test_rendered_system_prompt_matches_the_snapshot() -> None:
    text = snapshot_text(rendered())
    stale = changed_under_old_version()
    assert not stale, f"bump the version line of {stale} before updating the snapshot"
    if UPDATE:
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), (
        "The rendered system prompt differs from tests/agent/snapshots/system_prompt.md. "
        "If you changed bot/prompts/*.md on purpose, bump the prompt's version line "
        f"(`<!-- prompt: <name> v<N+1> -->`) and run `{HOW_TO_UPDATE}`; "
        "if a programme was added or renamed in knowledge/, just regenerate the snapshot."
    )


def test_the_system_prompt_states_the_rules() -> None:
    prompt = rendered()
    assert prompt.versions == tuple(load_prompt(name).label for name in SYSTEM_PARTS)
    text = prompt.text
    assert "<!--" not in text and "{as_of}" not in text and "{programmes}" not in text
    assert "2026-01-15（2026年1月15日）" in text
    for pid in ("tokyo-zero-emission-energy-saving", "meti-cn-action-plan", "moe-jver-credit-creation-2010"):
        assert f"- {pid}: " in text
    for tool in ("calculate_grant", "recommend_category", "application_status", "check_eligibility"):
        assert tool in text
    rules = ("計算・推測", "出典", "受付が終了", "次年度", "一つだけ", "データです")
    rules += ("補助金・助成金ではありません",)
    for rule in rules:
        assert rule in text
    assert text.index("## 回答の形式") > text.index("## 数字の扱い")  # format comes after the rules
    for heading in ("計算の内訳", "出典"):
        assert heading in text


def test_placeholders_are_replaced_literally() -> None:
    prompt = Prompt(name="x", version=1, text="{as_of} {unknown} {{as_of}}\n")
    assert render(prompt, as_of="2026-01-15") == "2026-01-15 {unknown} {2026-01-15}\n"
    assert programme_lines([("a-b", "名前", "grant"), ("c", "枠組み", "support_plan")]) == (
        "- a-b: 名前（助成金）\n- c: 枠組み（支援の枠組み・補助金ではない）"
    )


def test_every_prompt_file_has_a_version_line() -> None:
    for path in sorted(PROMPTS_DIR.glob("*.md")):
        prompt = load_prompt(path.stem)
        assert prompt.name == path.stem and prompt.version >= 1 and not prompt.text.startswith("<!--")


def test_a_prompt_without_a_valid_version_line_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("あなたはアドバイザーです。\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("<!-- prompt: system v2 -->\n本文\n", encoding="utf-8")
    (tmp_path / "ok.md").write_text("<!-- prompt: ok v12 -->\n\n本文\n", encoding="utf-8")
    with pytest.raises(PromptError, match="plain v<N>"):
        load_prompt("plain", tmp_path)
    with pytest.raises(PromptError, match="other v<N>"):
        load_prompt("other", tmp_path)  # the version line names another prompt
    with pytest.raises(PromptError, match="Cannot read prompt 'missing'"):
        load_prompt("missing", tmp_path)
    assert load_prompt("ok", tmp_path) == Prompt(name="ok", version=12, text="本文\n")

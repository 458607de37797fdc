"""The answer templates: every template the code uses exists and renders with its fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.agent.offline.render import (
    TEMPLATE_DIR,
    bullets,
    escape,
    join_sections,
    load_templates,
    quote,
    render,
    sources_block,
)
from bot.models import Citation

PACKAGE = Path(__file__).resolve().parents[3] / "bot" / "agent" / "offline"
USED = re.compile(r"render\(\s*f?\"([a-z_.{}]+)\"")


def used_templates() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for name in USED.findall(path.read_text(encoding="utf-8")):
            if "{" in name:  # render(f"eligibility.{result.status}")
                prefix = name.split("{")[0]
                names |= {key for key in load_templates() if key.startswith(prefix)}
            else:
                names.add(name)
    return names


def test_every_template_used_by_the_code_exists() -> None:
    missing = used_templates() - set(load_templates())
    assert not missing
    assert {"eligibility.eligible", "eligibility.not_eligible", "eligibility.need_info"} <= set(
        load_templates()
    )


def test_named_blocks_and_whole_files_are_loaded() -> None:
    templates = load_templates()
    assert "deadline" in templates  # a file with one template
    assert "common.sources" in templates  # a named block
    assert all(text.strip() for text in templates.values())
    assert TEMPLATE_DIR.name == "offline"


def test_render_fills_fields_and_squeezes_blank_lines() -> None:
    text = render("amount.not_eligible", programme_name="制度", message="対象外です。", reasons="")
    assert text.startswith("## 制度")
    assert "\n\n\n" not in text


def test_a_missing_field_is_an_error() -> None:
    with pytest.raises(KeyError):
        render("amount.not_eligible", programme_name="制度")


def test_user_text_is_made_inert() -> None:
    assert escape("<script>alert('x')</script>&") == "&lt;script&gt;alert('x')&lt;/script&gt;&amp;"


def test_quote_cuts_long_passages_without_rewording() -> None:
    passage = "\n".join(f"行{i}の本文です。" for i in range(200))
    quoted = quote(passage, limit=100)
    assert quoted.startswith("> 行0の本文です。")
    assert quoted.endswith(" …")
    assert all(line.startswith(">") for line in quoted.splitlines())


def test_sources_block_lists_each_title_and_section_once() -> None:
    citation = Citation(source_id="s", title="資料", url="", section="章 > 節", quote="引用")
    block = sources_block([citation, citation.model_copy(update={"quote": "別の引用"})])
    assert block.count("資料 — 章 > 節") == 1
    assert "**出典**" in block
    assert sources_block([]) == ""


def test_small_helpers() -> None:
    assert bullets(["a", "", "b"]) == "- a\n- b"
    assert join_sections("a", "", "  ", "b") == "a\n\nb"

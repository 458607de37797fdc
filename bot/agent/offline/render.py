"""Answer templates (bot/prompts/offline/*.md) and the small formatting helpers they need.

English variants live in ``en/`` with the same file and block names; :func:`render` with
``lang="en"`` uses them (the Japanese template where there is no English one).

A template file holds one template, or several named blocks each introduced by a line
``=== name ===`` (addressed as ``file.name``). Placeholders are ``{name}`` filled with
:meth:`str.format_map`; a missing field is an error, so templates and code stay in step.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.config import PROMPTS_ROOT
from bot.models import Citation

TEMPLATE_DIR = PROMPTS_ROOT / "offline"
ENGLISH_DIR = TEMPLATE_DIR / "en"
_BLOCK = re.compile(r"^=== ([a-z_]+) ===$", re.MULTILINE)
MAX_SOURCES = 8
QUOTE_CHARS = 400


@functools.cache
def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, str]:
    """Every template by name: ``amount`` or ``notes.injection`` for a named block."""
    templates: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        parts = _BLOCK.split(text)
        if len(parts) == 1:
            templates[path.stem] = text.strip("\n")
            continue
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            templates[f"{path.stem}.{name}"] = body.strip("\n")
    return templates


def render(name: str, lang: str = "ja", **fields: object) -> str:
    """Fill a template (the English one for ``lang="en"`` where there is one); blank runs of
    lines left by empty fields are squeezed."""
    english = load_templates(ENGLISH_DIR) if lang == "en" else {}
    text = english.get(name, load_templates()[name]).format_map(fields)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def escape(text: str) -> str:
    """Make user-supplied text inert in Markdown/HTML (no raw tags)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines if line)


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """A passage as a Markdown block quote, cut (not reworded) at ``limit`` characters."""
    body = text.strip()
    if len(body) > limit:
        cut = body.rfind("\n", 0, limit)
        body = body[: cut if cut > limit // 2 else limit].rstrip() + " …"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())


def sources_block(citations: Sequence[Citation], lang: str = "ja") -> str:
    """The closing 「出典」 (Sources) list: title — section, each once."""
    seen: list[str] = []
    for citation in citations:
        line = f"{citation.title} — {citation.section}" if citation.section else citation.title
        if line not in seen:
            seen.append(line)
    if not seen:
        return ""
    more = len(seen) - MAX_SOURCES
    rest = (f"\n- and {more} more" if lang == "en" else f"\n- ほか{more}件") if more > 0 else ""
    return render("common.sources", lang=lang, items=bullets(seen[:MAX_SOURCES]) + rest)


def join_sections(*sections: str) -> str:
    return "\n\n".join(section.strip() for section in sections if section and section.strip())

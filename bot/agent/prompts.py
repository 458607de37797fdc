"""Prompt files: ``bot/prompts/<name>.md``, each starting with a version line.

The first line of every prompt file is ``<!-- prompt: <name> v<N> -->``. Changing a prompt means
bumping N (the snapshot test in tests/agent/test_prompts.py holds every version's text hash).
The version line is not sent to the model; :attr:`SystemPrompt.versions` records which versions
were used. Placeholders are ``{as_of}`` and ``{programmes}``, replaced literally (other braces in
the text are left alone).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROMPTS_ROOT
from bot.errors import AdvisorError

PROMPTS_DIR = PROMPTS_ROOT
SYSTEM_PARTS = ("system", "answer_format")
HEADER = re.compile(r"^<!--\s*prompt:\s*(?P<name>[\w-]+)\s+v(?P<version>\d+)\s*-->\s*$")


class PromptError(AdvisorError):
    """A prompt file is missing or has no valid version line."""

    code = "invalid_prompt"


@dataclass(frozen=True)
class Prompt:
    """One prompt file: its name, version and text (without the version line)."""

    name: str
    version: int
    text: str

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class SystemPrompt:
    """The rendered system prompt and the prompt versions it was made from."""

    text: str
    versions: tuple[str, ...]


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    """Read ``<folder>/<name>.md`` and check its version line names it."""
    path = folder / f"{name}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(
            f"プロンプト「{name}」を読めません（{path}）", f"Cannot read prompt '{name}' ({path}): {exc}"
        ) from None
    first, _, body = raw.partition("\n")
    match = HEADER.match(first)
    if match is None or match["name"] != name:
        raise PromptError(
            f"プロンプト「{name}」の1行目は <!-- prompt: {name} v1 --> の形式にしてください",
            f"The first line of prompt '{name}' must be '<!-- prompt: {name} v<N> -->'",
        )
    return Prompt(name=name, version=int(match["version"]), text=body.strip("\n") + "\n")


def programme_lines(programmes: Iterable[tuple[str, str, str]]) -> str:
    """Markdown bullets ``- <id>: <name>（<kind>）`` for the programmes the advisor covers."""
    kinds = {"grant": "助成金", "subsidy": "補助金", "support_plan": "支援の枠組み・補助金ではない"}
    return "\n".join(f"- {pid}: {name}（{kinds.get(kind, kind)}）" for pid, name, kind in programmes)


def render(prompt: Prompt, **values: str) -> str:
    """The prompt text with ``{key}`` replaced by ``values[key]`` (literal replacement)."""
    text = prompt.text
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def system_prompt(
    as_of: dt.date, programmes: Iterable[tuple[str, str, str]], folder: Path = PROMPTS_DIR
) -> SystemPrompt:
    """The system prompt for a turn: role and rules, then the answer format."""
    parts = [load_prompt(name, folder) for name in SYSTEM_PARTS]
    values = {"as_of": f"{as_of.isoformat()}（{as_of.year}年{as_of.month}月{as_of.day}日）"}
    values["programmes"] = programme_lines(programmes)
    text = "\n".join(render(part, **values) for part in parts)
    return SystemPrompt(text=text, versions=tuple(part.label for part in parts))

"""The offline engine's intents and their example utterances (``knowledge/intents.yaml``).

The file labels typical messages, in Japanese and English, with the intent they express; the
offline engine's router (``bot/agent/offline/router.py``) embeds them and reads a message's
intent from its nearest examples. It is data like the programme files: the loader reads it with
the rest of the knowledge (so an index build snapshots it), and ``advisor knowledge check``
validates it. Errors name ``file:line: field: what is wrong``::

    version: 1
    intents:
      deadline:
        ja: [締め切りはいつですか, ...]
        en: [when is the deadline?, ...]

Every intent key must be one of :data:`INTENTS`; every intent listed has examples, and no
example is blank or listed twice (under one intent or two).
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import yaml

from bot.errors import KnowledgeError

Intent = Literal[
    "amount",
    "comparison",
    "rate_cap",
    "eligible_costs",
    "eligibility",
    "deadline",
    "how_to_apply",
    "contact",
    "overview",
    "find",
    "greeting",
    "out_of_scope",
    "general",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)
Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
INTENTS_FILE = "intents.yaml"  # relative to the knowledge directory
VERSION = 1


@dataclass(frozen=True)
class IntentExample:
    """One labelled utterance; ``line`` is where the file states it."""

    intent: Intent
    language: Language
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class IntentExamples:
    """The labelled utterances of ``intents.yaml``, in file order."""

    examples: tuple[IntentExample, ...]
    path: Path | None = field(default=None, compare=False)

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the labelled texts: the same examples give the same digest, whatever the
        file's comments or layout (the router's cache key)."""
        rows = [[e.intent, e.language, e.text] for e in self.examples]
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()

    def intents(self) -> list[Intent]:
        """The intents that have examples, in file order."""
        return list(dict.fromkeys(e.intent for e in self.examples))


def parse_intents(path: Path, text: str) -> IntentExamples:
    """Parse and validate the text of the intents file at ``path`` (named in errors)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise _error(
            path, line, "(file)", f"invalid YAML: {exc.problem}", f"YAML が不正です: {exc.problem}"
        ) from None
    if not isinstance(root, yaml.MappingNode):
        raise _error(
            path,
            1,
            "(file)",
            "expected a mapping with 'version' and 'intents'",
            "version と intents の対応表が必要です",
        )
    top = {str(key.value): (key, value) for key, value in root.value}
    for name, (key, _) in top.items():
        if name not in ("version", "intents"):
            raise _error(path, _line(key), name, f"unknown field '{name}'", f"不明な項目 '{name}' です")
    version = top.get("version")
    if version is None or not isinstance(version[1], yaml.ScalarNode) or version[1].value != str(VERSION):
        line = _line(version[1]) if version else 1
        raise _error(path, line, "version", f"must be {VERSION}", f"{VERSION} にしてください")
    if "intents" not in top or not isinstance(top["intents"][1], yaml.MappingNode):
        line = _line(top["intents"][1]) if "intents" in top else 1
        raise _error(
            path,
            line,
            "intents",
            "expected a mapping of intent → examples",
            "意図ごとの例文の対応表が必要です",
        )
    examples: list[IntentExample] = []
    seen: dict[str, str] = {}
    for key, value in top["intents"][1].value:
        intent = str(key.value)
        where = f"intents.{intent}"
        if intent not in INTENTS:
            known = ", ".join(INTENTS)
            raise _error(
                path,
                _line(key),
                where,
                f"unknown intent '{intent}' (known: {known})",
                f"不明な意図 '{intent}' です（{known}）",
            )
        if not isinstance(value, yaml.MappingNode) or not value.value:
            raise _error(path, _line(key), where, "no examples", "例文がありません")
        for lang_key, items in value.value:
            language = str(lang_key.value)
            here = f"{where}.{language}"
            if language not in LANGUAGES:
                raise _error(
                    path,
                    _line(lang_key),
                    here,
                    f"unknown language '{language}' (use {' or '.join(LANGUAGES)})",
                    f"不明な言語 '{language}' です（{' または '.join(LANGUAGES)}）",
                )
            if not isinstance(items, yaml.SequenceNode) or not items.value:
                raise _error(path, _line(lang_key), here, "no examples", "例文がありません")
            for item in items.value:
                utterance = (
                    item.value.strip()
                    if isinstance(item, yaml.ScalarNode) and item.tag.endswith(":str")
                    else ""
                )
                if not utterance:
                    raise _error(
                        path,
                        _line(item),
                        here,
                        "an example is blank or not text",
                        "空の例文か、文字列ではありません",
                    )
                norm = unicodedata.normalize("NFKC", utterance).casefold()
                if norm in seen:
                    raise _error(
                        path,
                        _line(item),
                        here,
                        f"the example '{utterance}' is listed twice (also under {seen[norm]})",
                        f"例文 '{utterance}' が重複しています（{seen[norm]} にもあります）",
                    )
                seen[norm] = intent
                examples.append(IntentExample(intent, language, utterance, _line(item)))  # type: ignore[arg-type]
    return IntentExamples(examples=tuple(examples), path=path)


def load_intents(path: Path) -> IntentExamples:
    """Parse and validate one intents file."""
    return parse_intents(path, path.read_text(encoding="utf-8"))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _error(path: Path, line: int, field_name: str, what_en: str, what_ja: str) -> KnowledgeError:
    where = f"{path}:{line}"
    return KnowledgeError(
        f"{where}: 知識ファイルが不正です — {field_name}: {what_ja}", f"{where}: {field_name}: {what_en}"
    )

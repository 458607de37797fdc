"""Load and validate the knowledge base; errors name ``file:line: what is wrong``."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import KnowledgeError, UnknownProgrammeError
from bot.knowledge.intents import INTENTS_FILE, IntentExamples, parse_intents
from bot.knowledge.markdown import FrontMatterError, Section, parse_markdown, split_front_matter
from bot.knowledge.models import Programme, SourceMeta

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SourceDoc:
    """A corpus document: its front matter and its Markdown body."""

    meta: SourceMeta
    body: str
    path: Path
    body_line: int = 1  # line of the file on which ``body`` starts (below the front matter)

    def sections(self) -> list[Section]:
        """The body's sections, with line numbers of the file (see :mod:`bot.knowledge.markdown`)."""
        return parse_markdown(self.body, first_line=self.body_line)


@dataclass(frozen=True)
class KnowledgeBase:
    """All sources and programmes, validated.

    ``intents`` holds the example utterances of the offline engine's intents (``intents.yaml``;
    None when the folder has none: the engine then detects intents with its keyword rules only).

    ``files`` is the exact text each one was parsed from, by path relative to the knowledge
    directory (``sources/<id>.md``, ``programmes/<id>.yaml``, ``intents.yaml``): ``advisor
    index`` copies it into the index version it builds, so a server loads exactly the knowledge
    that build was made from (see ``bot/retrieval/live.py``), whatever the knowledge directory
    holds by then.
    """

    sources: dict[str, SourceDoc]
    programmes: dict[str, Programme]
    intents: IntentExamples | None = None
    files: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the documents and programmes (computed once per knowledge generation): the
        same knowledge gives the same digest, the key of caches built from it."""
        payload = {
            "sources": {sid: doc.body for sid, doc in sorted(self.sources.items())},
            "programmes": {pid: p.model_dump(mode="json") for pid, p in sorted(self.programmes.items())},
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def programme(self, programme_id: str) -> Programme:
        try:
            return self.programmes[programme_id]
        except KeyError:
            raise UnknownProgrammeError(programme_id, sorted(self.programmes)) from None

    def editions(self, family: str) -> list[Programme]:
        """The editions of programme ``family``, oldest first (by the day each came in force)."""
        found = [p for p in self.programmes.values() if p.family == family]
        return sorted(found, key=lambda p: (p.in_force_from() or dt.date.min, p.id))

    def edition_on(self, family: str, as_of: dt.date) -> Programme | None:
        """The edition to answer with on ``as_of``: the newest one in force by then (the oldest
        when none was yet)."""
        editions = self.editions(family)
        if not editions:
            return None
        started = [p for p in editions if (p.in_force_from() or dt.date.min) <= as_of]
        return started[-1] if started else editions[0]

    def current(self, as_of: dt.date) -> dict[str, Programme]:
        """One edition per programme, the one in force on ``as_of``, by edition id (in the
        order of :attr:`programmes`)."""
        chosen = {p.family: self.edition_on(p.family, as_of) for p in self.programmes.values()}
        return {p.id: p for p in self.programmes.values() if chosen.get(p.family) is p}

    def is_latest(self, programme: Programme) -> bool:
        """Whether no later edition of the programme is in the knowledge."""
        editions = self.editions(programme.family)
        return not editions or editions[-1] is programme


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load ``sources/*.md``, ``programmes/*.yaml`` and ``intents.yaml`` (optional) below
    ``knowledge_dir``.

    A missing folder, or one without a source document, is an error: an advisor that knows
    nothing must not start (``ADVISOR_KNOWLEDGE_DIR`` pointing at the wrong place is the usual
    cause)."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError(
            f"知識フォルダが見つかりません: {knowledge_dir}（ADVISOR_KNOWLEDGE_DIR を確認してください）",
            f"Knowledge folder not found: {knowledge_dir} (check ADVISOR_KNOWLEDGE_DIR)",
        )
    source_files = sorted((knowledge_dir / "sources").glob("*.md"))
    programme_files = sorted((knowledge_dir / "programmes").glob("*.yaml"))
    if not source_files:
        raise KnowledgeError(
            f"知識フォルダに sources/*.md がありません: {knowledge_dir}"
            "（ADVISOR_KNOWLEDGE_DIR を確認してください）",
            f"No sources/*.md in the knowledge folder {knowledge_dir} (check ADVISOR_KNOWLEDGE_DIR)",
        )
    files: dict[str, str] = {}

    def read(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        files[path.relative_to(knowledge_dir).as_posix()] = text
        return text

    sources: dict[str, SourceDoc] = {}
    for path in source_files:
        doc = parse_source(path, read(path))
        sources[doc.meta.id] = doc
    programmes: dict[str, Programme] = {}
    for path in programme_files:
        programme = parse_programme(path, read(path))
        programmes[programme.id] = programme
    intents_path = knowledge_dir / INTENTS_FILE
    intents = parse_intents(intents_path, read(intents_path)) if intents_path.is_file() else None
    return KnowledgeBase(sources=sources, programmes=programmes, intents=intents, files=files)


def load_source(path: Path) -> SourceDoc:
    """Parse a Markdown source with YAML front matter."""
    return parse_source(path, path.read_text(encoding="utf-8"))


def parse_source(path: Path, text: str) -> SourceDoc:
    """Parse the text of the Markdown source at ``path`` (named in errors)."""
    try:
        source = split_front_matter(text)
    except FrontMatterError as exc:
        raise _knowledge_error(path, exc.line, exc.what) from None
    offset = source.front_matter_line - 1
    node, data = _parse_yaml(path, source.front_matter, line_offset=offset)
    meta = _validate(SourceMeta, data, node, path, line_offset=offset)
    if meta.id != path.stem:
        raise _knowledge_error(path, 2, f"id '{meta.id}' does not match the file name '{path.stem}'")
    return SourceDoc(meta=meta, body=source.body, path=path, body_line=source.body_line)


def load_programme(path: Path) -> Programme:
    """Parse and validate one ``programmes/<id>.yaml``."""
    return parse_programme(path, path.read_text(encoding="utf-8"))


def parse_programme(path: Path, text: str) -> Programme:
    """Parse and validate the text of the ``programmes/<id>.yaml`` at ``path`` (named in errors)."""
    node, data = _parse_yaml(path, text, line_offset=0)
    programme = _validate(Programme, data, node, path, line_offset=0)
    if programme.id != path.stem:
        raise _knowledge_error(path, 1, f"id '{programme.id}' does not match the file name '{path.stem}'")
    return programme


def _parse_yaml(path: Path, text: str, line_offset: int) -> tuple[yaml.Node | None, Any]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = (exc.problem_mark.line + 1 + line_offset) if exc.problem_mark else 1
        raise _knowledge_error(path, line, f"invalid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise _knowledge_error(path, 1 + line_offset, "expected a mapping of fields")
    return node, data


def _validate(model: type[M], data: Any, node: yaml.Node | None, path: Path, line_offset: int) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        line = _line_of(node, loc) + line_offset
        field = ".".join(str(part) for part in loc) or "(document)"
        raise _knowledge_error(path, line, f"{field}: {first['msg']}") from None


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            continue  # a union tag such as 'rate_cap' or 'Check', not a YAML key
        node = child
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _knowledge_error(path: Path, line: int, what: str) -> KnowledgeError:
    where = f"{path}:{line}"
    return KnowledgeError(f"{where}: 知識ファイルが不正です — {what}", f"{where}: {what}")

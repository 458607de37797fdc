"""Load and validate the knowledge base; errors name ``file:line: what is wrong``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import KnowledgeError, UnknownProgrammeError
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
    """All sources and programmes, validated."""

    sources: dict[str, SourceDoc]
    programmes: dict[str, Programme]

    def programme(self, programme_id: str) -> Programme:
        try:
            return self.programmes[programme_id]
        except KeyError:
            raise UnknownProgrammeError(programme_id, sorted(self.programmes)) from None


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load ``sources/*.md`` and ``programmes/*.yaml`` below ``knowledge_dir``."""
    sources = {doc.meta.id: doc for doc in map(load_source, sorted((knowledge_dir / "sources").glob("*.md")))}
    programmes = {p.id: p for p in map(load_programme, sorted((knowledge_dir / "programmes").glob("*.yaml")))}
    return KnowledgeBase(sources=sources, programmes=programmes)


def load_source(path: Path) -> SourceDoc:
    """Parse a Markdown source with YAML front matter."""
    try:
        source = split_front_matter(path.read_text(encoding="utf-8"))
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
    node, data = _parse_yaml(path, path.read_text(encoding="utf-8"), line_offset=0)
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

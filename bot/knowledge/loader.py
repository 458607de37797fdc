"""Load and validate the knowledge base; errors name ``file:line: what is wrong``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import KnowledgeError, UnknownProgrammeError
from bot.knowledge.models import Programme, SourceMeta

FRONT_MATTER_FENCE = "---"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SourceDoc:
    """A corpus document: its front matter and its Markdown body."""

    meta: SourceMeta
    body: str
    path: Path


@dataclass(frozen=True)
class KnowledgeBase:
    """All sources and programmes, validated.

    ``files`` is the exact text each one was parsed from, by path relative to the knowledge
    directory (``sources/<id>.md``, ``programmes/<id>.yaml``): ``advisor index`` copies it into
    the index version it builds, so a server loads exactly the knowledge that build was made
    from (see ``bot/retrieval/live.py``), whatever the knowledge directory holds by then.
    """

    sources: dict[str, SourceDoc]
    programmes: dict[str, Programme]
    files: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def programme(self, programme_id: str) -> Programme:
        try:
            return self.programmes[programme_id]
        except KeyError:
            raise UnknownProgrammeError(programme_id, sorted(self.programmes)) from None


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load ``sources/*.md`` and ``programmes/*.yaml`` below ``knowledge_dir`` (each file read once)."""
    files: dict[str, str] = {}

    def read(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        files[path.relative_to(knowledge_dir).as_posix()] = text
        return text

    sources: dict[str, SourceDoc] = {}
    for path in sorted((knowledge_dir / "sources").glob("*.md")):
        doc = parse_source(path, read(path))
        sources[doc.meta.id] = doc
    programmes: dict[str, Programme] = {}
    for path in sorted((knowledge_dir / "programmes").glob("*.yaml")):
        programme = parse_programme(path, read(path))
        programmes[programme.id] = programme
    return KnowledgeBase(sources=sources, programmes=programmes, files=files)


def load_source(path: Path) -> SourceDoc:
    """Parse a Markdown source with YAML front matter."""
    return parse_source(path, path.read_text(encoding="utf-8"))


def parse_source(path: Path, text: str) -> SourceDoc:
    """Parse the text of the Markdown source at ``path`` (named in errors)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise _knowledge_error(path, 1, "front matter missing: the file must start with '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise _knowledge_error(path, 1, "front matter is not closed with '---'") from None
    header = "\n".join(lines[1:end])
    node, data = _parse_yaml(path, header, line_offset=1)
    meta = _validate(SourceMeta, data, node, path, line_offset=1)
    if meta.id != path.stem:
        raise _knowledge_error(path, 2, f"id '{meta.id}' does not match the file name '{path.stem}'")
    body = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
    return SourceDoc(meta=meta, body=body, path=path)


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

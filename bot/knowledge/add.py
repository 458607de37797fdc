"""Add a programme document to the knowledge base (``advisor knowledge add``).

The document is converted to ``sources/<id>.md`` and a programme scaffold is written to
``programmes/<id>.yaml``. Nothing is written until the conversion has succeeded and the source
has loaded with the project's own loader; each file is written to a temporary file beside its
target and renamed over it, so a failure leaves no partial file behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InputError, KnowledgeError, TargetExistsError
from bot.knowledge.convert import convert_document, detect_fiscal_year
from bot.knowledge.loader import load_source
from bot.knowledge.scaffold import TODO, render_programme, render_source
from bot.knowledge.sections import split_sections

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f]+")
FISCAL_YEAR_SCAN_CHARS = 3000


@dataclass(frozen=True)
class SourceOptions:
    """Front-matter values given on the command line (``None``: read or ``TODO``)."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    fiscal_year: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class AddResult:
    """What ``add_document`` wrote."""

    source_path: Path
    programme_path: Path | None
    meta: dict[str, str]
    sections: int
    tables: int

    @property
    def todo_fields(self) -> list[str]:
        """Front-matter fields left as ``TODO``."""
        return [key for key, value in self.meta.items() if value == TODO]


def validate_id(doc_id: str) -> str:
    """Refuse an id that is not ``[a-z0-9][a-z0-9-]*`` (it names files and programmes)."""
    if not ID_PATTERN.fullmatch(doc_id):
        raise InputError(
            f"ID「{doc_id}」は使えません。英小文字・数字・ハイフンのみで、英小文字か数字で始めてください"
            "（例: city-heat-pump-2026）",
            f"Invalid id '{doc_id}': use lower-case letters, digits and hyphens, starting with a letter "
            "or digit (e.g. city-heat-pump-2026)",
        )
    return doc_id


def target_paths(knowledge_dir: Path, doc_id: str) -> tuple[Path, Path]:
    """``(sources/<id>.md, programmes/<id>.yaml)`` below ``knowledge_dir``."""
    return knowledge_dir / "sources" / f"{doc_id}.md", knowledge_dir / "programmes" / f"{doc_id}.yaml"


def add_document(
    knowledge_dir: Path,
    document: Path,
    doc_id: str,
    options: SourceOptions,
    *,
    retrieved: dt.date,
    force: bool = False,
    source_only: bool = False,
) -> AddResult:
    """Convert ``document`` into ``sources/<id>.md`` and scaffold ``programmes/<id>.yaml``.

    Without ``force`` an existing target is an error; with ``source_only`` the programme file
    is neither checked nor written (a new edition of a programme whose facts already exist).
    """
    validate_id(doc_id)
    source_path, programme_path = target_paths(knowledge_dir, doc_id)
    targets = [source_path] if source_only else [source_path, programme_path]
    existing = [path for path in targets if path.exists()]
    if existing and not force:
        listed = ", ".join(str(path) for path in existing)
        raise TargetExistsError(
            f"既に存在します: {listed}。上書きするには --force を付けてください",
            f"Already exists: {listed}; pass --force to overwrite",
        )
    converted = convert_document(document)
    found = converted.metadata

    def pick(given: str | None, *read: str | None) -> str:
        for value in (given, *read):
            if value and value.strip():
                return _LINE_BREAKS.sub(" ", value).strip()
        return TODO

    title = pick(options.title, converted.title, found.get("title"))
    meta = {
        "id": doc_id,
        "title": title,
        "publisher": pick(options.publisher, found.get("publisher")),
        "url": pick(options.url, converted.url, found.get("url")),
        "fiscal_year": pick(
            options.fiscal_year,
            found.get("fiscal_year"),
            detect_fiscal_year(title if title != TODO else "", converted.markdown[:FISCAL_YEAR_SCAN_CHARS]),
        ),
        "published": pick(options.published, found.get("published")),
        "retrieved": retrieved.isoformat(),
    }
    body = converted.markdown
    if not any(path for path, _ in split_sections(body)) and title != TODO:
        body = f"# {title}\n\n{body}"  # give a heading-less document a section to cite
    source_text = render_source(meta, body)
    _check_loads(source_text, doc_id)
    sections = _section_paths(body)
    files = [(source_path, source_text)]
    if not source_only:
        programme_text = render_programme(
            doc_id,
            origin=document.name,
            sections=sections,
            publisher=meta["publisher"],
            url=meta["url"],
            fiscal_year=meta["fiscal_year"],
            title=title,
        )
        files.append((programme_path, programme_text))
    write_atomically(files)
    return AddResult(
        source_path=source_path,
        programme_path=None if source_only else programme_path,
        meta=meta,
        sections=len(sections),
        tables=converted.tables,
    )


def _section_paths(body: str) -> list[str]:
    paths: list[str] = []
    for path, _ in split_sections(body):
        if path and path not in paths:
            paths.append(path)
    return paths


def _check_loads(source_text: str, doc_id: str) -> None:
    """Load the source with the project's loader before anything is written."""
    with tempfile.TemporaryDirectory(prefix="advisor-add-") as scratch:
        path = Path(scratch) / f"{doc_id}.md"
        path.write_text(source_text, encoding="utf-8")
        load_source(path)


def write_atomically(files: Sequence[tuple[Path, str]]) -> None:
    """Write each text to a temporary file beside its target, then rename them all into place."""
    temps: list[Path] = []
    try:
        for target, text in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append(Path(name))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(name, 0o644)
        for (target, _), temp in zip(files, temps, strict=True):
            os.replace(temp, target)
    except OSError as exc:
        where = exc.filename or ", ".join(str(target) for target, _ in files)
        raise KnowledgeError(
            f"知識ファイルを書き込めません: {where}（{exc.strerror or exc}）",
            f"Cannot write the knowledge files: {where} ({exc.strerror or exc})",
        ) from None
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)

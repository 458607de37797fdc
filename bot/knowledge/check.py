"""``advisor knowledge check``: everything that must hold before a knowledge folder is served.

Each problem names ``file:line: field`` and says what is wrong in Japanese and English. The
checks, beyond the schema the loader enforces:

* no ``TODO`` left (``advisor knowledge add`` scaffolds with them);
* every ``source`` names a document of the folder, a section of that document, and a quote
  that occurs verbatim in it;
* rates are written as exact fractions (``"2/3"``, ``1``), never decimals; yen amounts are
  integers, never decimals or exponents;
* windows of one kind do not overlap within a fiscal year (rounds follow each other);
* a name or an alias belongs to one programme only (a word several programmes share belongs in
  their ``vocabulary.topics``), and the programme ids a document lists exist;
* ``intents.yaml`` (optional) names only the engine's intents, every intent it lists has
  examples, none is blank or listed twice, and no example names a programme (the examples
  serve every programme).

Pure apart from reading the folder; :func:`check_knowledge` returns the problems in file order.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from bot.errors import KnowledgeError
from bot.knowledge.intents import INTENTS_FILE, IntentExamples, load_intents
from bot.knowledge.loader import SourceDoc, load_programme, load_source
from bot.knowledge.models import Programme, SourceRef, Window
from bot.knowledge.sections import quote_in_section, section_texts

T = TypeVar("T")
TODO = re.compile(r"\bTODO\b")
_WHERE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): ")
RATE_KEYS = frozenset({"rate", "rate_min", "rate_max"})
_FLOAT_TAG = "tag:yaml.org,2002:float"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file, located at ``path:line`` and ``field``."""

    path: Path
    line: int
    field: str
    message_ja: str
    message_en: str

    def render(self) -> str:
        """``file:line: field: 日本語 / English`` (the file relative to the working directory
        when it is below it)."""
        here = Path.cwd()
        shown = self.path.relative_to(here) if self.path.is_relative_to(here) else self.path
        return f"{shown}:{self.line}: {self.field}: {self.message_ja} / {self.message_en}"


def check_knowledge(knowledge_dir: Path) -> list[Problem]:
    """Every problem of the knowledge folder (empty: it may be served)."""
    if not knowledge_dir.is_dir():
        return [
            Problem(
                knowledge_dir, 0, "(folder)", "知識フォルダが見つかりません", "knowledge folder not found"
            )
        ]
    source_files = sorted((knowledge_dir / "sources").glob("*.md"))
    programme_files = sorted((knowledge_dir / "programmes").glob("*.yaml"))
    problems: list[Problem] = []
    if not source_files:
        problems.append(Problem(knowledge_dir, 0, "sources", "文書がありません", "no sources/*.md"))
    for path in [*source_files, *programme_files]:
        problems += _todos(path)
    sources = _load(source_files, load_source, problems)
    programmes = _load(programme_files, load_programme, problems)
    for path in programme_files:
        if path.stem in programmes:  # a file the loader refused has its problem already
            problems += _numbers(path)
    for programme in programmes.values():
        path = knowledge_dir / "programmes" / f"{programme.id}.yaml"
        problems += _quotes(path, programme, sources)
        problems += _overlapping_windows(path, programme.windows)
    problems += _ambiguous_names(knowledge_dir, programmes)
    problems += _unknown_families(knowledge_dir, programmes)
    problems += _unknown_programmes(sources, {path.stem for path in programme_files})
    problems += _intents(knowledge_dir / INTENTS_FILE, programmes)
    return sorted(problems, key=lambda p: (str(p.path), p.line, p.field))


def _load(paths: Iterable[Path], loader: Callable[[Path], T], problems: list[Problem]) -> dict[str, T]:
    loaded: dict[str, T] = {}
    for path in paths:
        try:
            item = loader(path)
        except KnowledgeError as exc:
            problems.append(_from_error(path, exc))
            continue
        loaded[path.stem] = item
    return loaded


def _from_error(path: Path, exc: KnowledgeError) -> Problem:
    """A loader error (``file:line: …``) as a problem."""
    line = 1
    ja, en = exc.message_ja, exc.message_en
    match = _WHERE.match(en)
    if match:
        line = int(match.group("line"))
        en = en[match.end() :]
        ja = _WHERE.sub("", ja).removeprefix("知識ファイルが不正です — ")
    field, _, rest = en.partition(": ")
    rest = rest.removeprefix("Value error, ")
    ja = ja.replace("Value error, ", "")
    if rest and " " not in field:
        ja_rest = ja.split(": ", 1)[1] if ": " in ja else ja
        return Problem(path, line, field, f"値が不正です（{ja_rest}）", rest)
    return Problem(path, line, "(file)", f"ファイルが不正です（{ja}）", en)


def _intents(path: Path, programmes: dict[str, Programme]) -> list[Problem]:
    """The intents file's own problems (when there is one), and examples naming a programme."""
    if not path.is_file():
        return []
    problems = list(_todos(path))
    loaded = _load([path], load_intents, problems)
    intents: IntentExamples | None = loaded.get(path.stem)
    if intents is None:
        return problems
    names = {
        name.casefold(): programme.id
        for programme in programmes.values()
        for name in (programme.id, programme.name.value, *programme.aliases)
    }
    for example in intents.examples:
        text = example.text.casefold()
        for name, pid in sorted(names.items()):
            # a Latin name is a whole word (「SAF」 is not in "safe")
            found = re.search(rf"\b{re.escape(name)}\b", text) if name.isascii() else name in text
            if found:
                problems.append(
                    Problem(
                        path,
                        example.line,
                        f"intents.{example.intent}.{example.language}",
                        f"例文が制度 '{pid}' を名指ししています: {name}（例文は一般的な文にしてください）",
                        f"the example names the programme '{pid}' ({name}); examples must be generic",
                    )
                )
                break
    return problems


def _todos(path: Path) -> Iterator[Problem]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if TODO.search(line):
            key = line.split(":", 1)[0].strip(" -#") if ":" in line else ""
            field = key if key and "TODO" not in key else "TODO"
            yield Problem(path, number, field, "TODO が残っています", "a TODO is left to fill in")


def _numbers(path: Path) -> Iterator[Problem]:
    """Rates written as decimals, yen amounts written as decimals or exponents."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # reported by the loader
    for key, node in _scalars(root):
        line = node.start_mark.line + 1
        if key in RATE_KEYS and (node.tag == _FLOAT_TAG or "." in str(node.value)):
            yield Problem(
                path,
                line,
                key,
                f'率は分数で書いてください（例: "2/3"）: {node.value}',
                f'write a rate as an exact fraction such as "2/3", not {node.value}',
            )
        elif (key.endswith("_yen") or key == "value_yen") and node.tag == _FLOAT_TAG:
            yield Problem(
                path,
                line,
                key,
                f"金額は整数の円で書いてください: {node.value}",
                f"write a yen amount as an integer, not {node.value}",
            )


def _scalars(node: yaml.Node | None, key: str = "") -> Iterator[tuple[str, yaml.ScalarNode]]:
    if isinstance(node, yaml.ScalarNode):
        yield key, node
    elif isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            yield from _scalars(value, str(key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item, key)


def _quotes(path: Path, programme: Programme, sources: dict[str, SourceDoc]) -> Iterator[Problem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    for ref in programme.sources():
        quote_line = _line_of_quote(lines, ref)
        doc = sources.get(ref.doc)
        if doc is None:
            line = _key_line_before(lines, quote_line, "doc:")
            yield Problem(
                path,
                line,
                "source.doc",
                f"文書 '{ref.doc}' がありません",
                f"no document '{ref.doc}' in sources/",
            )
        elif ref.section not in section_texts(doc.body):
            yield Problem(
                path,
                _key_line_before(lines, quote_line, "section:"),
                "source.section",
                f"'{ref.doc}' に節 '{ref.section}' がありません",
                f"'{ref.doc}' has no section '{ref.section}'",
            )
        elif not quote_in_section(doc.body, ref.section, ref.quote):
            yield Problem(
                path,
                quote_line,
                "source.quote",
                f"引用が節 '{ref.section}' にありません: {ref.quote}",
                f"the quote does not occur in section '{ref.section}': {ref.quote}",
            )


def _key_line_before(lines: list[str], line: int, key: str) -> int:
    """The line of ``key`` in the same ``source:`` block as the quote on ``line``."""
    for number in range(line, max(0, line - 4), -1):
        if lines[number - 1].strip().startswith(key):
            return number
    return line


def _line_of_quote(lines: list[str], ref: SourceRef) -> int:
    for number, line in enumerate(lines, 1):
        if ref.quote in line or ref.quote.replace('"', '\\"') in line:
            return number
    return 1


def _overlapping_windows(path: Path, windows: list[Window]) -> Iterator[Problem]:
    lines = path.read_text(encoding="utf-8").splitlines()
    groups: dict[tuple[str, str], list[Window]] = defaultdict(list)
    for window in windows:
        groups[(window.fiscal_year, window.kind)].append(window)
    for group in groups.values():
        ordered = sorted(group, key=lambda w: (w.start, w.end))
        for before, after in itertools.pairwise(ordered):
            if after.start <= before.end:
                key = re.compile(rf"^\s*-?\s*id:\s*[\"']?{re.escape(after.id)}[\"']?\s*$")
                line = next((n for n, text in enumerate(lines, 1) if key.match(text)), 1)
                yield Problem(
                    path,
                    line,
                    "windows",
                    f"受付期間 {after.id} が {before.id} と重なっています（{after.start} ≤ {before.end}）",
                    f"window {after.id} overlaps {before.id} ({after.start} <= {before.end})",
                )


def _ambiguous_names(knowledge_dir: Path, programmes: dict[str, Programme]) -> Iterator[Problem]:
    """A name or alias two programmes (not two editions of one) both use, reported at each."""
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # casefolded name -> {programme id: as written}
    for programme in programmes.values():
        for name in {programme.name.value, *programme.aliases}:
            owners[name.casefold()][programme.id] = name
    for _, written in sorted(owners.items()):
        if len({programmes[pid].family for pid in written}) < 2:
            continue  # one programme, or editions of one programme
        for pid, name in sorted(written.items()):
            path = knowledge_dir / "programmes" / f"{pid}.yaml"
            others = ", ".join(sorted(set(written) - {pid}))
            yield Problem(
                path,
                _name_line(path, name),
                "aliases",
                f"名称 '{name}' は {others} でも使われています（共通の語は vocabulary.topics へ）",
                f"the name '{name}' also names {others} (a word several programmes share belongs in "
                "vocabulary.topics)",
            )


def _name_line(path: Path, name: str) -> int:
    """The line that gives ``name`` as an alias item or a value (not a comment mentioning it)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip().removeprefix("- ").removeprefix("value:").strip().strip("'\"")
        if stripped == name:
            return number
    return 1


def _unknown_families(knowledge_dir: Path, programmes: dict[str, Programme]) -> Iterator[Problem]:
    for programme in programmes.values():
        family = programme.edition_of
        if family and (family not in programmes or programmes[family].edition_of):
            path = knowledge_dir / "programmes" / f"{programme.id}.yaml"
            text = path.read_text(encoding="utf-8").splitlines()
            line = next((n for n, t in enumerate(text, 1) if t.startswith("edition_of:")), 1)
            yield Problem(
                path,
                line,
                "edition_of",
                f"'{family}' は最初の版の制度IDではありません（programmes/{family}.yaml）",
                f"'{family}' is not the id of a programme's first edition (programmes/{family}.yaml)",
            )


def _unknown_programmes(sources: dict[str, SourceDoc], programmes: set[str]) -> Iterator[Problem]:
    for doc in sources.values():
        text = doc.path.read_text(encoding="utf-8").splitlines()
        line = next((n for n, t in enumerate(text, 1) if t.startswith("programmes:")), 1)
        for pid in doc.meta.programmes:
            if pid not in programmes:
                yield Problem(
                    doc.path,
                    line,
                    "programmes",
                    f"制度 '{pid}' の programmes/{pid}.yaml がありません",
                    f"no programmes/{pid}.yaml for the listed programme '{pid}'",
                )

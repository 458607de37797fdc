"""What the guard knows about programmes: how texts name them, their categories, their documents.

Built once per knowledge base (:func:`catalogue_for`). A programme is named by its official
name, an alias, its short name, or a distinctive token of those (a Latin acronym or a katakana
run of an alias, e.g. 「XYZ」 of 「XYZ活用促進」) that no other programme's name, aliases or
summary contains.
Editions of one programme share their names: a mention stands for all of them, narrowed to
one when the sentence names its fiscal year (「令和8年度の…」).

The categories' rates and caps are used only to *reject* (「区分3の上限は4,500万円」 contradicts
区分3's cap of 1,000万円), never as evidence.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Programme, RateCapCalculation
from bot.tools.numerals import normalise_text

_TOKEN = re.compile(r"[a-z][a-z0-9-]{2,}|[ァ-ヺー]{4,}")


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    names: tuple[str, ...]
    rate: Fraction | None = None
    cap: int | None = None


@dataclass(frozen=True, eq=False)
class ProgrammeInfo:
    id: str
    family: str
    edition: str  # 令和7年度, or ''
    handles: tuple[str, ...]  # NFKC, lower case
    tokens: tuple[str, ...] = ()  # distinctive tokens of the names, matched as whole words
    categories: tuple[CategoryInfo, ...] = ()

    def category(self, mention: str) -> CategoryInfo | None:
        """The category a mention (「3」 of 区分3, or a name) stands for in this programme."""
        return next((c for c in self.categories if c.id == mention or mention in c.names), None)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    programmes: frozenset[str]
    weak: bool = False  # a distinctive token (SAF), not a name: it does not carry to later sentences


@dataclass(eq=False)
class Catalogue:
    """Programmes by id, documents → programme, and a matcher for programme mentions."""

    programmes: dict[str, ProgrammeInfo]
    docs: dict[str, str]
    category_names: frozenset[str] = field(init=False)
    _pattern: re.Pattern[str] | None = field(init=False)
    _handles: dict[str, frozenset[str]] = field(init=False)
    _order: list[str] = field(init=False)

    def __post_init__(self) -> None:
        handles: dict[str, set[str]] = {}
        for info in self.programmes.values():
            for handle in (*info.handles, *(f"~{t}" for t in info.tokens)):
                handles.setdefault(handle, set()).add(info.id)
        self._handles = {h: frozenset(ids) for h, ids in handles.items()}
        ordered = sorted(self._handles, key=len, reverse=True)
        parts = [_token_pattern(h[1:]) if h.startswith("~") else re.escape(h) for h in ordered]
        self._pattern = re.compile("|".join(f"(?P<h{i}>{p})" for i, p in enumerate(parts))) if parts else None
        self._order = ordered
        self.category_names = frozenset(
            n for p in self.programmes.values() for c in p.categories for n in c.names
        )

    def mentions(self, text: str) -> list[Mention]:
        """Programmes named in ``text``, with spans in ``text`` (cached per catalogue and text)."""
        return list(_mentions(self, text))

    def _find(self, text: str) -> tuple[Mention, ...]:
        if self._pattern is None:
            return ()
        normal = normalise_text(text)
        lower = normal.text.lower()
        found: list[Mention] = []
        for match in self._pattern.finditer(lower):
            start, end = normal.original_span(match.start(), match.end())
            handle = self._order[int(str(match.lastgroup)[1:])]
            found.append(Mention(start, end, self._handles[handle], weak=handle.startswith("~")))
        return tuple(found)

    def programme_of_doc(self, doc: str) -> str | None:
        return self.docs.get(doc)

    def narrow_to_edition(self, ids: frozenset[str], text: str) -> frozenset[str]:
        """The editions among ``ids`` whose fiscal year ``text`` names (all of them if none)."""
        named = frozenset(i for i in ids if self.programmes[i].edition and self.programmes[i].edition in text)
        return named or ids


@functools.lru_cache(maxsize=16384)
def _mentions(catalogue: Catalogue, text: str) -> tuple[Mention, ...]:
    return catalogue._find(text)


def _normal(text: str) -> str:
    return normalise_text(text).text.lower()


def _token_pattern(token: str) -> str:
    """A token as a whole word: 「ゼロエミ」 but not in 「ゼロエミッション」, 「saf」 not in 「safety」."""
    edge = "a-z0-9" if token.isascii() else "ァ-ヺー"
    return rf"(?<![{edge}]){re.escape(token)}(?![{edge}])"


def programme_info(programme: Programme, tokens: Iterable[str] = ()) -> ProgrammeInfo:
    names = [programme.name.value, *programme.aliases]
    if programme.vocabulary.short_name:
        names.append(programme.vocabulary.short_name)
    if programme.english is not None:
        names.append(programme.english.name)  # how an English answer names it
    categories: tuple[CategoryInfo, ...] = ()
    if isinstance(programme.calculation, RateCapCalculation):
        categories = tuple(
            CategoryInfo(c.id, (c.name,), c.rate, c.cap_yen) for c in programme.calculation.categories
        )
    return ProgrammeInfo(
        id=programme.id,
        family=programme.family,
        edition=programme.edition_label,
        handles=tuple(dict.fromkeys(_normal(n) for n in names if n)),
        tokens=tuple(tokens),
        categories=categories,
    )


def build_catalogue(
    programmes: Mapping[str, Programme], documents: Mapping[str, str] | None = None
) -> Catalogue:
    """The catalogue of a knowledge base's programmes (all editions); ``documents``: source text
    by document id (a token that another programme's documents use is not distinctive)."""
    tokens = _distinctive_tokens(programmes, documents or {})
    infos = {pid: programme_info(p, tokens.get(p.family, ())) for pid, p in programmes.items()}
    docs: dict[str, set[str]] = {}
    for pid, programme in programmes.items():
        for ref in (programme.name.source, programme.summary.source):
            docs.setdefault(ref.doc, set()).add(pid)
    single = {doc: next(iter(ids)) for doc, ids in docs.items() if len(ids) == 1}
    return Catalogue(infos, {**{pid: pid for pid in programmes}, **single})


def _distinctive_tokens(
    programmes: Mapping[str, Programme], documents: Mapping[str, str]
) -> dict[str, list[str]]:
    """Per programme family: ASCII (3+) and katakana (4+) tokens of its names that no other
    family's names, summary (Japanese and English) or documents use as a word; English
    multi-word aliases give no tokens."""
    texts: dict[str, list[str]] = {}
    candidates: dict[str, set[str]] = {}
    for programme in programmes.values():
        names = [_normal(n) for n in (programme.name.value, *programme.aliases)]
        docs = {ref.doc for ref in programme.sources()}
        own = [
            *names,
            _normal(programme.summary.value),
            *(_normal(documents.get(d, "")) for d in sorted(docs)),
        ]
        texts.setdefault(programme.family, []).extend(own)
        if programme.english is not None:
            texts[programme.family].extend(
                _normal(t) for t in (programme.english.name, programme.english.summary or "")
            )
        for name in names:
            if name.isascii() and " " in name:
                continue  # an English phrase (an alias of several words) names it only as a whole
            candidates.setdefault(programme.family, set()).update(_TOKEN.findall(name))
    found: dict[str, list[str]] = {}
    for family, tokens in candidates.items():
        others = "\n".join(text for other, parts in texts.items() if other != family for text in parts)
        found[family] = sorted(t for t in tokens if not re.search(_token_pattern(t), others))
    return found


_LOCK = threading.Lock()
_CACHE: dict[int, tuple[KnowledgeBase, Catalogue]] = {}


def catalogue_for(knowledge: KnowledgeBase) -> Catalogue:
    """The catalogue of ``knowledge`` (built once per knowledge base object)."""
    with _LOCK:
        cached = _CACHE.get(id(knowledge))
        if cached is not None and cached[0] is knowledge:
            return cached[1]
    documents = {doc_id: doc.body for doc_id, doc in knowledge.sources.items()}
    catalogue = build_catalogue(knowledge.programmes, documents)
    with _LOCK:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        _CACHE[id(knowledge)] = (knowledge, catalogue)
    return catalogue


def catalogue_from_results(results: Iterable[Mapping[str, Any]]) -> Catalogue:
    """A catalogue from what tool results say (names, aliases, categories), when the caller has no
    knowledge base at hand."""
    names: dict[str, set[str]] = {}
    categories: dict[str, dict[str, CategoryInfo]] = {}
    for result in results:
        pid = result.get("programme_id")
        if not isinstance(pid, str):
            continue
        for key in ("programme_name", "name"):
            if isinstance(result.get(key), str):
                names.setdefault(pid, set()).add(_normal(result[key]))
        names.setdefault(pid, set()).update(
            _normal(a) for a in result.get("aliases") or [] if isinstance(a, str)
        )
        for item in result.get("categories") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                cap = item.get("cap_yen")
                info = CategoryInfo(
                    item["id"], (str(item.get("name", "")),), None, cap if isinstance(cap, int) else None
                )
                categories.setdefault(pid, {})[info.id] = info
    infos = {
        pid: ProgrammeInfo(
            id=pid,
            family=pid,
            edition="",
            handles=tuple(sorted(handles)),
            categories=tuple(categories.get(pid, {}).values()),
        )
        for pid, handles in names.items()
    }
    return Catalogue(infos, {pid: pid for pid in infos})

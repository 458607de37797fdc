"""Heading-aware chunking of Japanese Markdown source documents.

A document's sections and their blocks (text, tables, code) come from
:func:`bot.knowledge.markdown.parse_markdown` — the same reading that citations use. Rules:

* A table is atomic: it is never split and a row is never separated from its header. A table
  longer than ``max_chars`` is split by rows, and every piece repeats the header row and the
  ``|---|`` delimiter row.
* Paragraphs are packed together up to ``target_chars``; a longer paragraph is split at line
  ends, then at Japanese sentence ends (。！？), and only as a last resort every
  ``target_chars`` characters.
* A short lead-in (under a quarter of the target, e.g. 「助成率等は次のとおり。」) is kept with
  the block that follows it, up to ``max_chars``; a short trailing piece joins the previous one.
* Chunks never cross a heading. Heading paths are those of ``bot.knowledge.sections`` (every
  heading level, ``事業概要 > 助成額等``), the same paths programme facts cite. Sections with
  no blocks of their own (a heading directly followed by a sub-heading) give no chunk.

Chunk ids are ``<source_id>#<heading path>#<ordinal>`` — stable while the document's
structure is unchanged.

**Document context** (``Chunk.context``, indexed by BM25 only — see ``Chunk.lexical_text``):

* the names and aliases of the document's programmes (``knowledge/programmes/*.yaml``
  ``name.value`` and ``aliases``, for the ids in the source's ``programmes`` front matter), so
  every passage of a document matches the programme however the user names it (its official
  name or any alias), not only the passages that happen to repeat the name;
* the bodies of enclosing sections that are short (≤ ``PARENT_CONTEXT_CHARS``), typically a
  lead-in such as 「環境省及び審査委員会は、以下に掲げる基準により審査を行い…」 above
  ``4. 採択基準 > (1) …``: the child passages inherit the words that say what they are.

Measured with ``advisor eval retrieval`` (95 questions; recall@1 / recall@5 / MRR, hybrid;
before the synonym additions of ``synonyms.py``):

* heading path only (before)                     0.779 / 0.916 / 0.843
* + aliases (BM25 and embedding)                 0.747 / 0.937 / 0.839 — dense drops to 0.696
* + aliases (BM25 only)                          0.789 / 0.926 / 0.857
* + short parent bodies (BM25 only)              0.768 / 0.926 / 0.843
* + aliases and short parent bodies (BM25 only)  0.800 / 0.947 / 0.868  ← kept (+10 / −2 questions)

The embedded text stays ``title > heading path`` + passage: adding the context to it made
dense search worse every way it was tried (aliases, parent bodies, or a short programme label
instead of the title), so vectors do not depend on the programme files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.knowledge.loader import KnowledgeBase, SourceDoc
from bot.knowledge.markdown import PATH_SEPARATOR, parse_markdown
from bot.knowledge.markdown import Block as Block  # re-exported: blocks are packed here
from bot.retrieval.models import Chunk

CHUNKER_VERSION = 2
PARENT_CONTEXT_CHARS = 200  # an enclosing section's own text up to this long joins the context
TABLE_HEADER_LINES = 2  # a GFM table's header row and delimiter row
SENTENCE_END_RE = re.compile(r"(?<=[。！？])")


@dataclass(frozen=True)
class ChunkingConfig:
    target_chars: int = 500
    max_chars: int = 1200

    def describe(self) -> dict[str, int]:
        return {"version": CHUNKER_VERSION, "target_chars": self.target_chars, "max_chars": self.max_chars}


def parse_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown text (paragraphs/lists, tables and code), in order."""
    return [block for section in parse_markdown(text) for block in section.blocks]


def split_table(table: str, max_chars: int, target_chars: int) -> list[str]:
    """A table whole, or (longer than ``max_chars``) row groups that each repeat the header.

    ``table`` is a GFM table's source: a header row, a delimiter row, then body rows.
    """
    if len(table) <= max_chars:
        return [table]
    lines = table.splitlines()
    header, rows = lines[:TABLE_HEADER_LINES], lines[TABLE_HEADER_LINES:]
    if not rows:
        return [table]
    budget = max(target_chars - len("\n".join(header)), 1)
    groups = _accumulate([("\n", row) for row in rows], budget)
    return ["\n".join([*header, group]) for group in groups]


def split_text(text: str, target_chars: int) -> list[str]:
    """Split a long paragraph at line ends, then sentence ends (。), then hard every target."""
    if len(text) <= target_chars:
        return [text]
    parts: list[tuple[str, str]] = []  # (joiner before the part, part)
    for line in text.splitlines():
        sentences = [s for s in SENTENCE_END_RE.split(line) if s] if len(line) > target_chars else [line]
        for index, sentence in enumerate(sentences):
            pieces = [sentence[i : i + target_chars] for i in range(0, len(sentence), target_chars)] or [""]
            for offset, piece in enumerate(pieces):
                parts.append(("\n" if index == 0 and offset == 0 else "", piece))
    return _accumulate(parts, target_chars)


def _accumulate(parts: list[tuple[str, str]], limit: int) -> list[str]:
    """Greedily join consecutive (joiner, part) pairs while the result stays within ``limit``."""
    pieces: list[str] = []
    current = ""
    for joiner, part in parts:
        if current and len(current) + len(joiner) + len(part) <= limit:
            current = current + joiner + part
        else:
            if current:
                pieces.append(current)
            current = part
    if current:
        pieces.append(current)
    return pieces


def pack_blocks(blocks: Iterable[Block], config: ChunkingConfig) -> list[str]:
    """Turn a section's blocks into chunk texts (see the module docstring for the rules)."""
    units: list[str] = []
    for block in blocks:
        if block.kind == "table":
            units.extend(split_table(block.text, config.max_chars, config.target_chars))
        else:
            units.extend(split_text(block.text, config.target_chars))
    lead = config.target_chars // 4
    chunks: list[str] = []
    current = ""
    for unit in units:
        combined = len(current) + 2 + len(unit)
        if current and (
            combined <= config.target_chars or (len(current) < lead and combined <= config.max_chars)
        ):
            current = f"{current}\n\n{unit}"
        else:
            if current:
                chunks.append(current)
            current = unit
    if current:
        if chunks and len(current) < lead and len(chunks[-1]) + 2 + len(current) <= config.max_chars:
            chunks[-1] = f"{chunks[-1]}\n\n{current}"
        else:
            chunks.append(current)
    return chunks


def chunk_document(
    doc: SourceDoc, config: ChunkingConfig, programme_names: Sequence[str] = ()
) -> list[Chunk]:
    """All chunks of one source document, in document order.

    ``programme_names`` (the names and aliases of the document's programmes) and the short
    bodies of enclosing sections become each chunk's ``context`` (see the module docstring).
    """
    meta = doc.meta
    ordinals: dict[str, int] = {}
    chunks: list[Chunk] = []
    sections = parse_markdown(doc.body)
    bodies = {section.path: section.text.strip() for section in sections}
    names = "、".join(dict.fromkeys(name.strip() for name in programme_names if name.strip()))
    for section in sections:
        if not section.blocks:
            continue
        path = section.path
        context = "\n".join(part for part in (names, *parent_context(path, bodies)) if part)
        for text in pack_blocks(section.blocks, config):
            ordinal = ordinals.get(path, 0)
            ordinals[path] = ordinal + 1
            chunks.append(
                Chunk(
                    chunk_id=make_chunk_id(meta.id, path, ordinal),
                    source_id=meta.id,
                    title=meta.title,
                    url=meta.url,
                    section=path,
                    ordinal=ordinal,
                    text=text,
                    context=context,
                )
            )
    return chunks


def parent_context(path: str, bodies: dict[str, str]) -> list[str]:
    """The own text of each enclosing section of ``path`` that is short, outermost first."""
    parts = path.split(PATH_SEPARATOR)
    ancestors = (PATH_SEPARATOR.join(parts[:end]) for end in range(1, len(parts)))
    texts = (bodies.get(ancestor, "") for ancestor in ancestors)
    return [text for text in texts if text and len(text) <= PARENT_CONTEXT_CHARS]


def programme_names(knowledge: KnowledgeBase, source_id: str) -> list[str]:
    """Names and aliases of the programmes a source belongs to (unknown ids are skipped)."""
    names: list[str] = []
    for programme_id in knowledge.sources[source_id].meta.programmes:
        programme = knowledge.programmes.get(programme_id)
        if programme is not None:
            names.extend([programme.name.value, *programme.aliases])
    return names


def chunk_knowledge(knowledge: KnowledgeBase, config: ChunkingConfig) -> dict[str, list[Chunk]]:
    """Chunks per source id, sources in id order."""
    return {
        source_id: chunk_document(knowledge.sources[source_id], config, programme_names(knowledge, source_id))
        for source_id in sorted(knowledge.sources)
    }


def make_chunk_id(source_id: str, section: str, ordinal: int) -> str:
    return f"{source_id}#{section}#{ordinal}"


def hash_document(doc: SourceDoc) -> str:
    """Content hash of a document: its front matter and body (sha256, hex)."""
    digest = hashlib.sha256()
    digest.update(doc.meta.model_dump_json().encode("utf-8"))
    digest.update(b"\n")
    digest.update(doc.body.encode("utf-8"))
    return digest.hexdigest()

"""Data shapes shared by the retrieval modules: chunks, hits and results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SearchMode = Literal["hybrid", "dense", "bm25"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Chunk:
    """A passage of a source document, with everything needed to cite it.

    ``text`` is the passage shown to users. ``search_text`` (title and heading path, then the
    passage) is what the embedder sees; ``lexical_text`` adds ``context`` (the document's
    programme names and aliases, and the short bodies of enclosing sections — see
    ``chunking.py``) and is what BM25 indexes. The context is kept out of the embedded text:
    it made dense search worse (the shared alias line crowds out the passage in a 384-d vector).
    """

    chunk_id: str
    source_id: str
    title: str
    url: str
    section: str
    ordinal: int
    text: str
    context: str = ""

    @property
    def heading(self) -> str:
        """Title and heading path (``title > section``), or "" when both are empty."""
        parts = [self.title] if self.title else []
        if self.section and self.section != self.title:
            parts.append(self.section)
        return SECTION_SEPARATOR.join(parts)

    @property
    def search_text(self) -> str:
        """What the embedder sees: the heading line, then the passage."""
        return "\n".join(part for part in (self.heading, self.text) if part)

    @property
    def lexical_text(self) -> str:
        """What BM25 indexes: the heading line, the document context, then the passage."""
        return "\n".join(part for part in (self.heading, self.context, self.text) if part)

    def to_dict(self) -> dict[str, str | int]:
        return {
            "chunk_id": self.chunk_id,
            "source_id": self.source_id,
            "title": self.title,
            "url": self.url,
            "section": self.section,
            "ordinal": self.ordinal,
            "text": self.text,
            "context": self.context,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Chunk:
        return cls(
            chunk_id=str(data["chunk_id"]),
            source_id=str(data["source_id"]),
            title=str(data["title"]),
            url=str(data["url"]),
            section=str(data["section"]),
            ordinal=int(str(data["ordinal"])),
            text=str(data["text"]),
            context=str(data.get("context", "")),
        )


class SearchHit(BaseModel):
    """One ranked passage with its citation fields."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    source_id: str
    title: str
    url: str
    section: str = Field(description="Heading path, e.g. '事業概要 > 助成額等'")
    text: str
    score: float = Field(description="Fused RRF score (hybrid), cosine (dense) or BM25 score")


class SearchResult(BaseModel):
    """The answer to one search: hits best first, and a notice when the query was altered."""

    query: str
    mode: SearchMode = "hybrid"
    hits: list[SearchHit]
    notice: str | None = None

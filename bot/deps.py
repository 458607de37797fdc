"""Application dependencies, built once at start-up and passed explicitly (no module globals).

``build_deps(settings)`` loads the knowledge base and the embedder; the retriever (which
needs a built index) is opened on first use, so a missing index only fails the requests
that search, with IndexMissingError telling the user to run ``advisor index``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings, load_settings
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Embedder, build_embedder

if TYPE_CHECKING:
    from bot.agent.base import Engine
    from bot.retrieval.search import Retriever
    from bot.store import SqlStore


@dataclass
class Deps:
    """Settings, knowledge base, embedder and a lazily opened retriever."""

    settings: Settings
    knowledge: KnowledgeBase
    embedder: Embedder
    _retriever: Retriever | None = field(default=None, init=False, repr=False)
    _store: SqlStore | None = field(default=None, init=False, repr=False)
    _offline: Engine | None = field(default=None, init=False, repr=False)
    _llm: Engine | None = field(default=None, init=False, repr=False)
    _llm_built: bool = field(default=False, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def store(self) -> SqlStore:
        """The conversation store (SQLite in the data dir, or ADVISOR_DATABASE_URL), opened once."""
        with self._lock:
            if self._store is None:
                from bot.store import open_store

                self._store = open_store(self.settings)
            return self._store

    @property
    def offline_engine(self) -> Engine:
        """The deterministic offline engine (always available)."""
        with self._lock:
            if self._offline is None:
                from bot.agent.offline import OfflineEngine

                self._offline = OfflineEngine()
            return self._offline

    @property
    def llm_engine(self) -> Engine | None:
        """The LLM agent when ``ADVISOR_LLM`` is configured, else None."""
        with self._lock:
            if not self._llm_built:
                self._llm_built = True
                if self.settings.llm:
                    from bot.agent.llm import LlmEngine

                    self._llm = LlmEngine(self.settings)
            return self._llm

    def use_llm_engine(self, engine: Engine | None) -> None:
        """Replace the LLM engine (tests plug in a scripted model this way)."""
        with self._lock:
            self._llm, self._llm_built = engine, True

    def close(self) -> None:
        """Release the store's connections."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    @property
    def retriever(self) -> Retriever:
        """The retriever over the live index, opened on first use (thread-safe)."""
        with self._lock:
            if self._retriever is None:
                from bot.retrieval.index import open_retriever

                self._retriever = open_retriever(self.settings, self.embedder)
            return self._retriever

    def reload_retriever(self) -> Retriever:
        """Reopen the live index (after ``advisor index`` swapped in a new version)."""
        from bot.retrieval.index import open_retriever

        retriever = open_retriever(self.settings, self.embedder)
        with self._lock:
            self._retriever = retriever
        return retriever


def build_deps(settings: Settings | None = None) -> Deps:
    """Build the dependencies once, at start-up."""
    settings = settings or load_settings()
    return Deps(
        settings=settings, knowledge=load_knowledge(settings.knowledge_dir), embedder=build_embedder(settings)
    )

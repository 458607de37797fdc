"""Application dependencies, built once at start-up and passed explicitly (no module globals).

``build_deps(settings)`` builds the embedder and the holder of the served knowledge generation
(``bot/retrieval/live.py``: the index version and the knowledge base it was built from, loaded
on first use and swapped when ``advisor index`` publishes a new build, while a server watches).
A missing index only fails the requests that search, with IndexMissingError telling the user
to run ``advisor index``.

Two knowledge bases, on purpose:

* ``deps.knowledge`` — what answers are made from: the served generation's knowledge (or the
  knowledge directory while nothing is published);
* ``deps.source_knowledge`` — the knowledge directory as it is now, what ``advisor index``
  builds from.

A request pins one generation at its start (``deps.pinned()``, called by ``answer()``), so its
facts and its search results come from the same build even when a new one is swapped in while
it runs.
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING

from bot.config import Settings, load_settings
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Embedder, build_embedder
from bot.retrieval.live import Generation, LiveKnowledge

if TYPE_CHECKING:
    from bot.agent.base import Engine
    from bot.retrieval.search import Retriever
    from bot.store import SqlStore


class _Services:
    """The lazily built services, shared by a Deps and its pinned views."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.source_knowledge: KnowledgeBase | None = None
        self.store: SqlStore | None = None
        self.offline: Engine | None = None
        self.llm: Engine | None = None
        self.llm_built = False


class Deps:
    """Settings, the embedder, the served knowledge generation and lazily opened services."""

    def __init__(
        self, settings: Settings, *, embedder: Embedder, knowledge: KnowledgeBase | None = None
    ) -> None:
        """``knowledge``: the knowledge directory already loaded (else it is loaded when first needed)."""
        self.settings = settings
        self.embedder = embedder
        self._services = _Services()
        self._services.source_knowledge = knowledge
        self.live = LiveKnowledge(settings, embedder, fallback=lambda: self.source_knowledge)
        self._pinned: Generation | None = None

    # --- knowledge and search -----------------------------------------------------------

    @property
    def generation(self) -> Generation:
        """The generation this request uses (pinned), else the one served now."""
        return self._pinned if self._pinned is not None else self.live.current()

    def pinned(self) -> Deps:
        """A view of these deps fixed to the generation served now, for one request: its
        knowledge and retriever stay those of that build to the end (services are shared)."""
        if self._pinned is not None:
            return self
        view = copy.copy(self)
        view._pinned = self.live.current()
        return view

    @property
    def knowledge(self) -> KnowledgeBase:
        """The programme facts and documents answers are made from (the served generation's)."""
        return self.generation.knowledge

    @property
    def retriever(self) -> Retriever:
        """The retriever of the served generation; IndexMissingError when no index is published."""
        return self.generation.retriever

    @property
    def source_knowledge(self) -> KnowledgeBase:
        """The knowledge directory as loaded once (``ADVISOR_KNOWLEDGE_DIR``): what gets indexed."""
        services = self._services
        with services.lock:
            if services.source_knowledge is None:
                services.source_knowledge = load_knowledge(self.settings.knowledge_dir)
            return services.source_knowledge

    def check_knowledge(self) -> None:
        """Load the knowledge folder now: a missing, empty or invalid one stops a command at its
        start (KnowledgeError, file:line), instead of a server that knows nothing or nothing new."""
        _ = self.source_knowledge

    def reload_retriever(self) -> Retriever:
        """Load the published index now (after ``advisor index`` swapped in a new version)."""
        return self.live.reload().retriever

    # --- services -----------------------------------------------------------------------

    @property
    def store(self) -> SqlStore:
        """The conversation store (SQLite in the data dir, or ADVISOR_DATABASE_URL), opened once."""
        services = self._services
        with services.lock:
            if services.store is None:
                from bot.store import open_store

                services.store = open_store(self.settings)
            return services.store

    @property
    def offline_engine(self) -> Engine:
        """The deterministic offline engine (always available)."""
        services = self._services
        with services.lock:
            if services.offline is None:
                from bot.agent.offline import OfflineEngine

                services.offline = OfflineEngine()
            return services.offline

    @property
    def llm_engine(self) -> Engine | None:
        """The LLM agent when ``ADVISOR_LLM`` is configured, else None."""
        services = self._services
        with services.lock:
            if not services.llm_built:
                services.llm_built = True
                if self.settings.llm:
                    from bot.agent.llm import LlmEngine

                    services.llm = LlmEngine(self.settings)
            return services.llm

    def use_llm_engine(self, engine: Engine | None) -> None:
        """Replace the LLM engine (tests plug in a scripted model this way)."""
        services = self._services
        with services.lock:
            services.llm, services.llm_built = engine, True

    def close(self) -> None:
        """Stop watching for new index builds and release the store's connections."""
        self.live.stop_watching()
        services = self._services
        with services.lock:
            if services.store is not None:
                services.store.close()
                services.store = None


def build_deps(settings: Settings | None = None) -> Deps:
    """Build the dependencies once, at start-up (the knowledge is read when first needed)."""
    settings = settings or load_settings()
    return Deps(settings, embedder=build_embedder(settings))

"""The served knowledge generation, swapped without a restart when ``advisor index`` publishes.

A :class:`Generation` is one published build, loaded whole: its index version, the retriever
over that version's chunks and vectors, and the knowledge base (programme facts and source
documents) read from the copy of the knowledge files the build keeps in its version directory
(``versions/<v>/knowledge/``, checked against the SHA-256 digests in its manifest, and the
documents against the hashes the chunks were embedded from). Retrieval and the calculators
therefore always read the same knowledge, and never the knowledge directory an operator may
still be editing.

:class:`LiveKnowledge` holds the current generation. A request takes a reference to it once,
at its start (``Deps.pinned()`` in ``answer()``), and uses that generation to its end; a swap
only replaces the reference, so requests in flight finish on the old one. A watcher thread
reads ``<data_dir>/index/CURRENT`` every ``ADVISOR_RELOAD_INTERVAL_S`` seconds (a read of a
few bytes); when it names another version, the thread loads that version off the event loop
and swaps it in. A version that fails to load (missing or corrupt files, a snapshot that does
not match its manifest) is logged once and skipped; the old generation keeps serving until
``CURRENT`` names another version.

Once loaded, a generation needs nothing from disk with the default exact dense backend (the
chunks, the matrix, the BM25 index and the knowledge base are in memory); with
``ADVISOR_DENSE_BACKEND=chroma`` Chroma reads its files on every query. Either way a
generation holds a :class:`~bot.retrieval.layout.VersionLease` on its version from before
the first file is read until the generation is garbage-collected (the last request using it
has finished), so a concurrent ``advisor index`` never prunes a version that is being loaded
or served.

When the published version cannot be loaded at start-up (nothing older in memory), the newest
kept version that loads is served instead, and the failure is reported all the same. Before
anything was ever published (no ``CURRENT``), or when no version loads at all, the generation
has no retriever (searches raise IndexMissingError) and its knowledge is the knowledge
directory as loaded at start-up.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import AdvisorError, IndexMissingError
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval import layout
from bot.retrieval.chunking import hash_document
from bot.retrieval.embeddings import Embedder
from bot.retrieval.index import ChromaDense, open_version
from bot.retrieval.search import Retriever

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Generation:
    """One published build (or, with ``version`` None, the unpublished knowledge directory)."""

    version: str | None
    knowledge: KnowledgeBase
    searcher: Retriever | None
    missing: str = ""  # why there is no retriever (empty: nothing was ever published)

    @property
    def retriever(self) -> Retriever:
        """The retriever over this version; IndexMissingError when there is none."""
        if self.searcher is None:
            raise IndexMissingError(self.missing)
        return self.searcher


def failure_reason(exc: Exception) -> str:
    """A load failure in one line, for the log and ``/readyz``."""
    if isinstance(exc, IndexMissingError) and exc.detail:
        return exc.detail
    return exc.message_en if isinstance(exc, AdvisorError) else f"{type(exc).__name__}: {exc}"


def load_generation(settings: Settings, embedder: Embedder, version: str) -> Generation:
    """Load version ``version`` of the index with the knowledge it was built from.

    IndexMissingError (or the loader's KnowledgeError) when anything is missing or does not match.
    """
    if not version or "/" in version or version.startswith("."):
        raise IndexMissingError(f"{layout.POINTER} names an invalid version {version!r}")
    version_dir = layout.versions_dir(settings.index_dir) / version
    lease = layout.VersionLease(version_dir)
    try:
        manifest = layout.read_manifest(version_dir)
        if manifest.version != version:
            raise IndexMissingError(f"{version_dir}: its manifest names version {manifest.version}")
        if manifest.knowledge is None:
            layout.check_knowledge(manifest, {})  # raises: built before knowledge snapshots
        knowledge = load_knowledge(layout.knowledge_dir(version_dir))
        layout.check_knowledge(manifest, dict(knowledge.files))
        _check_documents(manifest, knowledge)
        retriever = open_version(settings, embedder, version_dir, manifest)
    except BaseException:
        lease.release()
        raise
    generation = Generation(version=version, knowledge=knowledge, searcher=retriever)
    weakref.finalize(generation, _retire, lease, retriever)
    return generation


def _check_documents(manifest: layout.Manifest, knowledge: KnowledgeBase) -> None:
    """The snapshot's documents are the ones the chunks were cut from (same content hashes)."""
    for source_id, digest in manifest.documents.items():
        doc = knowledge.sources.get(source_id)
        if doc is None or hash_document(doc) != digest:
            raise IndexMissingError(f"{manifest.version}: document {source_id} differs from the indexed one")


def _retire(lease: layout.VersionLease, retriever: Retriever) -> None:
    """A generation nobody uses any more: close Chroma's client and let pruning have the version."""
    try:
        if isinstance(retriever.dense, ChromaDense):
            retriever.dense.store.close()
    finally:
        lease.release()


class LiveKnowledge:
    """Holds the served :class:`Generation` and swaps in newly published ones (thread-safe)."""

    def __init__(self, settings: Settings, embedder: Embedder, fallback: Callable[[], KnowledgeBase]) -> None:
        self.settings = settings
        self.embedder = embedder
        self._fallback = fallback  # the knowledge directory, for before anything is published
        self._generation: Generation | None = None
        self._failed: str | None = None  # the version that last failed to load (not retried)
        self._error: str | None = None
        self._load_lock = threading.Lock()
        self._watch_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    # --- reading ----------------------------------------------------------------------

    def current(self) -> Generation:
        """The generation to use for one request: a reference taken once and kept to its end."""
        generation = self._generation
        if generation is not None:
            return generation
        self.refresh(wait=False)  # nothing published loaded yet: a cheap look at CURRENT
        generation = self._generation
        if generation is not None:
            return generation
        return Generation(version=None, knowledge=self._fallback(), searcher=None, missing=self._error or "")

    @property
    def served_version(self) -> str | None:
        generation = self._generation
        return generation.version if generation is not None else None

    @property
    def last_error(self) -> str | None:
        """Why the version ``CURRENT`` names is not served (None when it is)."""
        return self._error

    # --- loading ----------------------------------------------------------------------

    def refresh(self, *, wait: bool = True) -> bool:
        """Load and swap in the version ``CURRENT`` names when it is not the served one.

        True when a new generation was swapped in. A version that fails to load is logged once
        and not retried until ``CURRENT`` changes; the served generation stays. With
        ``wait=False`` it returns False at once when another thread is loading.
        """
        if not self._load_lock.acquire(blocking=wait):
            return False
        try:
            return self._refresh()
        finally:
            self._load_lock.release()

    def reload(self) -> Generation:
        """Load the version ``CURRENT`` names now (if not served yet); raise when it fails."""
        with self._load_lock:
            name = layout.read_current(self.settings.index_dir)
            if name is None:
                raise IndexMissingError()
            generation = self._generation
            if generation is None or generation.version != name:
                generation = load_generation(self.settings, self.embedder, name)
                self._swap(generation)
            return generation

    def _refresh(self) -> bool:
        served = self.served_version
        try:
            name = layout.read_current(self.settings.index_dir)
        except (OSError, ValueError) as exc:
            self._fail(f"{layout.POINTER}?", f"{layout.POINTER} unreadable ({type(exc).__name__})", served)
            return False
        if name is None or name == served:
            if name is not None:
                self._failed, self._error = None, None  # rolled back to the served version
            return False
        if name == self._failed:
            return False
        try:
            generation = load_generation(self.settings, self.embedder, name)
        except Exception as exc:
            self._fail(name, failure_reason(exc), served)
            return served is None and self._serve_kept_version(name)
        self._swap(generation)
        log.info(
            "serving index version %s (%d documents, %d programmes; was %s)",
            name,
            len(generation.knowledge.sources),
            len(generation.knowledge.programmes),
            served or "none",
        )
        return True

    def _serve_kept_version(self, broken: str) -> bool:
        """Nothing served yet (start-up) and the published version is broken: serve the newest
        kept version that loads, rather than no index (or the knowledge directory, which may be
        half-edited). The error stays reported until ``CURRENT`` changes."""
        for name in reversed(layout.list_versions(self.settings.index_dir)):
            if name == broken:
                continue
            try:
                generation = load_generation(self.settings, self.embedder, name)
            except Exception:
                continue
            self._generation = generation
            log.warning("serving the kept index version %s until %s is replaced or rolled back", name, broken)
            return True
        return False

    def _swap(self, generation: Generation) -> None:
        self._generation = generation  # one reference assignment: atomic for the readers
        self._failed, self._error = None, None

    def _fail(self, name: str, reason: str, served: str | None) -> None:
        if name != self._failed:
            log.warning(
                "index version %s not loaded, still serving %s: %s", name, served or "no index", reason
            )
        self._failed = name
        self._error = f"{name}: {reason}"

    # --- watching ---------------------------------------------------------------------

    def start_watching(self) -> bool:
        """Check ``CURRENT`` every ``reload_interval_s`` in a background thread (0: never)."""
        interval = self.settings.reload_interval_s
        if interval <= 0:
            return False
        with self._watch_lock:
            if self._watcher is None or not self._watcher.is_alive():
                self._stop.clear()
                self._watcher = threading.Thread(
                    target=self._watch, args=(interval,), name="advisor-index-watcher", daemon=True
                )
                self._watcher.start()
        return True

    def stop_watching(self, timeout: float = 30.0) -> None:
        """Stop the watcher (waits for a load in progress to finish)."""
        with self._watch_lock:
            watcher, self._watcher = self._watcher, None
            self._stop.set()
        if watcher is not None:
            watcher.join(timeout)

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh()
            except Exception:  # a bug, not a bad build (refresh handles those): keep watching
                log.exception("index watcher failed")

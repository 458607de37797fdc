"""On-disk layout of the index: versioned directories and an atomically swapped pointer.

::

    <index_dir>/
      CURRENT                 name of the live version (replaced atomically with os.replace)
      .lock                   held (flock) while a build runs
      versions/<version>/
        manifest.json         embedder(s), chunking, document hashes, chunk ids, build time
        chunks.json           the chunks (citation fields, text, BM25 context)
        vectors/<collection>.npy   exact matrix, rows in chunk order
        chroma/               Chroma PersistentClient (one collection per embedding model)
        knowledge/            the knowledge files the build was made from (sources/*.md,
                              programmes/*.yaml), as it read them; their SHA-256 in the manifest

A build writes a fresh version directory and only then replaces ``CURRENT``: a build that
fails half-way leaves the previous version serving. Old versions are pruned afterwards,
except those a running server still holds: a server takes a shared ``flock`` on the
``manifest.json`` of every version it has loaded (:class:`VersionLease`) and pruning skips a
version whose manifest it cannot lock exclusively (a later build removes it).

A version is immutable once ``CURRENT`` has pointed at it. ``knowledge/`` lets a server load
the programme facts that match the index exactly (``bot/retrieval/live.py``); a version built
before snapshots existed (``knowledge`` absent from its manifest) still searches
(``advisor search``) but a server will not serve it: run ``advisor index`` (nothing is
re-embedded).

``MANIFEST_FORMAT`` is bumped whenever what a version holds changes meaning (2: chunks carry
``context``). Opening an index of another format raises ``IndexMissingError`` (run
``advisor index``); ``advisor index`` treats it as absent and builds from scratch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import IndexMissingError
from bot.retrieval.models import Chunk

MANIFEST_FORMAT = 2  # 2: chunks carry `context` (BM25 document context)
POINTER = "CURRENT"


class CollectionEntry(BaseModel):
    """Vectors of one embedding model: which documents (by hash) and chunks they cover."""

    model_config = ConfigDict(extra="forbid")

    embedder: str
    dim: int
    documents: dict[str, str]
    chunk_ids: list[str]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = MANIFEST_FORMAT
    version: str
    built_at: str
    chunking: dict[str, int]
    documents: dict[str, str]  # source_id -> content hash
    chunk_ids: list[str]
    active_collection: str
    collections: dict[str, CollectionEntry]
    knowledge: dict[str, str] | None = None  # knowledge file (relative path) -> SHA-256; None: no snapshot


def new_version_name() -> str:
    """``v<UTC time to the microsecond>-<random>``: names sort in build order."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"v{stamp}-{uuid.uuid4().hex[:8]}"


def versions_dir(index_dir: Path) -> Path:
    return index_dir / "versions"


def read_current(index_dir: Path) -> str | None:
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_version_dir(index_dir: Path) -> Path:
    """The live version directory; IndexMissingError when there is none."""
    name = read_current(index_dir)
    if name is None:
        raise IndexMissingError()
    path = versions_dir(index_dir) / name
    if not path.is_dir() or "/" in name:
        raise IndexMissingError(f"{index_dir / POINTER} → {name}: version directory missing")
    return path


def fsync_tree(root: Path) -> None:
    """Flush a finished version directory to disk before it is made live."""
    for path in sorted(root.rglob("*"), reverse=True):
        flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
        descriptor = os.open(path, flags)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def swap_current(index_dir: Path, version: str) -> None:
    """Point ``CURRENT`` at ``version`` atomically (write a temp file, fsync, rename)."""
    tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}.tmp"
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)


def write_pointer(index_dir: Path, version: str) -> None:
    """Point ``CURRENT`` at an existing version (a roll-back), under the build lock."""
    if not (versions_dir(index_dir) / version).is_dir() or "/" in version:
        raise IndexMissingError(f"version {version} does not exist")
    swap_current(index_dir, version)


def list_versions(index_dir: Path) -> list[str]:
    """The version directories on disk, oldest first (names start with their UTC build time)."""
    root = versions_dir(index_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def prune_versions(index_dir: Path, keep: set[str]) -> list[str]:
    """Delete version directories (and stray temp files) not in ``keep`` and not leased by a
    running server (:class:`VersionLease`); return the removed names."""
    removed: list[str] = []
    root = versions_dir(index_dir)
    if root.is_dir():
        for path in root.iterdir():
            if path.name not in keep and _remove_unless_leased(path):
                removed.append(path.name)
    for stray in index_dir.glob(f".{POINTER}.*.tmp"):
        stray.unlink(missing_ok=True)
    return removed


def _remove_unless_leased(path: Path) -> bool:
    """Delete ``path`` while holding the exclusive lock on its manifest; False when leased."""
    try:
        descriptor = os.open(path / "manifest.json", os.O_RDONLY)
    except OSError:  # no manifest: a half-written or broken version nobody can serve
        shutil.rmtree(path, ignore_errors=True)
        return True
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(path, ignore_errors=True)  # still holding the lock: no lease can start meanwhile
        return True
    finally:
        os.close(descriptor)


class VersionLease:
    """A shared ``flock`` on a version's ``manifest.json``: pruning leaves the version alone
    until :meth:`release` (or until the process exits: the kernel drops the lock).

    Taken before anything of the version is read, so a concurrent ``advisor index`` cannot
    delete it half-way through loading, nor while it is served (Chroma reads its files on
    every query). Raises IndexMissingError when the version is gone or being deleted.
    """

    def __init__(self, version_dir: Path) -> None:
        manifest = version_dir / "manifest.json"
        try:
            self._descriptor: int | None = os.open(manifest, os.O_RDONLY)
        except OSError as exc:
            raise IndexMissingError(f"{manifest}: missing ({type(exc).__name__})") from None
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
            if os.fstat(self._descriptor).st_nlink == 0:  # locked after a prune unlinked it
                raise IndexMissingError(f"{version_dir.name}: deleted by a concurrent build")
        except BlockingIOError:
            self.release()
            raise IndexMissingError(f"{version_dir.name}: being deleted by a concurrent build") from None
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Serialise builds of one index directory (blocks until the other build finishes)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_manifest(version_dir: Path) -> Manifest:
    try:
        data = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
        manifest = Manifest.model_validate(data)
    except FileNotFoundError:
        raise IndexMissingError(f"{version_dir / 'manifest.json'}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as exc:
        raise IndexMissingError(f"{version_dir / 'manifest.json'}: corrupt ({type(exc).__name__})") from None
    if manifest.format != MANIFEST_FORMAT:
        raise IndexMissingError(
            f"index format {manifest.format}, this version reads format {MANIFEST_FORMAT}: rebuild it"
        )
    return manifest


def read_chunks(version_dir: Path, expected_ids: list[str]) -> list[Chunk]:
    path = version_dir / "chunks.json"
    try:
        chunks = [Chunk.from_dict(item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except FileNotFoundError:
        raise IndexMissingError(f"{path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        raise IndexMissingError(f"{path}: corrupt ({type(exc).__name__})") from None
    if [c.chunk_id for c in chunks] != expected_ids:
        raise IndexMissingError(f"{path}: does not match the manifest")
    return chunks


def write_chunks(version_dir: Path, chunks: list[Chunk]) -> None:
    write_json(version_dir / "chunks.json", [c.to_dict() for c in chunks])


def vectors_path(version_dir: Path, collection: str) -> Path:
    return version_dir / "vectors" / f"{collection}.npy"


KNOWLEDGE_DIR = "knowledge"


def knowledge_dir(version_dir: Path) -> Path:
    """Where a version keeps the knowledge files it was built from."""
    return version_dir / KNOWLEDGE_DIR


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_knowledge(version_dir: Path, files: dict[str, str]) -> dict[str, str]:
    """Copy the knowledge files (relative path → text) into the version; return their digests."""
    root = knowledge_dir(version_dir)
    digests: dict[str, str] = {}
    for relative, text in sorted(files.items()):
        target = root / relative
        if not target.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"knowledge file outside the knowledge directory: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        digests[relative] = text_digest(text)
    root.mkdir(parents=True, exist_ok=True)  # an empty knowledge base still has a snapshot
    return digests


def check_knowledge(manifest: Manifest, files: dict[str, str]) -> None:
    """The loaded snapshot (relative path → text) is exactly what the build recorded."""
    if manifest.knowledge is None:
        raise IndexMissingError(
            f"version {manifest.version} has no knowledge snapshot (built by an older advisor)"
        )
    actual = {relative: text_digest(text) for relative, text in files.items()}
    if actual != manifest.knowledge:
        changed = sorted(set(actual) ^ set(manifest.knowledge)) or sorted(
            relative for relative in actual if actual[relative] != manifest.knowledge.get(relative)
        )
        raise IndexMissingError(
            f"knowledge snapshot of {manifest.version} does not match its manifest: {changed[:3]}"
        )

"""The index versions kept on disk, and rolling back to one (``advisor index --list / --rollback``).

A build keeps the version it replaced (``ADVISOR_INDEX_KEEP_VERSIONS``, default 2: the live
one and the one before). Rolling back points ``CURRENT`` at a kept version, after checking
that a server can load it (the same check a server makes, knowledge snapshot included); a
running server then switches to it like to a new build. The next ``advisor index`` builds
on top of the version ``CURRENT`` names.
"""

from __future__ import annotations

from pydantic import BaseModel

from bot.config import Settings
from bot.errors import AdvisorError, IndexMissingError
from bot.retrieval import layout
from bot.retrieval.embeddings import Embedder, build_embedder
from bot.retrieval.live import failure_reason, load_generation


class VersionInfo(BaseModel):
    """One version directory: when it was built, what it holds, whether it is the live one."""

    version: str
    current: bool
    built_at: str | None = None
    documents: int = 0
    programmes: int = 0
    problem: str | None = None  # why a server could not serve it (no manifest, no snapshot…)


def list_index_versions(settings: Settings) -> list[VersionInfo]:
    """The versions on disk, oldest first (names start with their UTC build time)."""
    index_dir = settings.index_dir
    current = layout.read_current(index_dir)
    infos: list[VersionInfo] = []
    for name in layout.list_versions(index_dir):
        info = VersionInfo(version=name, current=name == current)
        try:
            manifest = layout.read_manifest(layout.versions_dir(index_dir) / name)
        except IndexMissingError as exc:
            info.problem = exc.message_en
        else:
            info.built_at = manifest.built_at
            info.documents = len(manifest.documents)
            snapshot = manifest.knowledge
            info.programmes = sum(1 for path in snapshot or {} if path.startswith("programmes/"))
            if snapshot is None:
                info.problem = "no knowledge snapshot (built by an older advisor): rebuild"
        infos.append(info)
    return infos


def roll_back(settings: Settings, version: str | None = None, embedder: Embedder | None = None) -> str:
    """Make ``version`` (default: the newest kept version that is not live) the live one."""
    index_dir = settings.index_dir
    with layout.build_lock(index_dir):
        current = layout.read_current(index_dir)
        if version is None:
            others = [name for name in layout.list_versions(index_dir) if name != current]
            if not others:
                raise RollbackError("no other version is kept")
            version = others[-1]
        if version == current:
            raise RollbackError(f"{version} is already the live version")
        try:
            load_generation(settings, embedder or build_embedder(settings), version)
        except Exception as exc:
            raise RollbackError(f"{version} cannot be served: {failure_reason(exc)}") from None
        layout.write_pointer(index_dir, version)
    return version


class RollbackError(AdvisorError):
    """Rolling back is not possible; ``CURRENT`` is unchanged."""

    code = "rollback_failed"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"以前の版に戻せませんでした。公開中のインデックスはそのままです（{detail}）",
            f"Rolling back failed; the live index is unchanged ({detail})",
        )

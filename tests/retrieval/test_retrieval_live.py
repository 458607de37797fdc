"""The served knowledge generation: swapped on a new build, pinned by requests, never half-loaded."""

from __future__ import annotations

import gc
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from retrieval_fakes import FailingEmbedder, HashEmbedder

from bot.config import Settings
from bot.deps import Deps
from bot.errors import IndexMissingError
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval import layout
from bot.retrieval.index import IndexBuildError, build_index
from bot.retrieval.live import Generation, LiveKnowledge, load_generation

ZERO = "tokyo-zero-emission-energy-saving"
CAP_QUERY = "助成上限額 申請区分"


def set_cap(knowledge_dir: Path, old: str, new: str) -> None:
    """Edit the cap in the zero-emission document's rate table (what an operator does)."""
    path = knowledge_dir / "sources" / f"{ZERO}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def publish(settings: Settings) -> str:
    """``advisor index`` over the knowledge directory as it is now; the new version's name."""
    return build_index(settings, load_knowledge(settings.knowledge_dir), embedder=HashEmbedder()).version


def cap_text(generation: Generation) -> str:
    """The rate-table passage the generation's index finds, and its knowledge's document body."""
    hit = generation.retriever.search(CAP_QUERY, k=1, mode="bm25").hits[0]
    assert hit.section == "事業概要 > 助成額等"
    return hit.text + generation.knowledge.sources[ZERO].body


def content(knowledge: KnowledgeBase) -> object:
    return {sid: (doc.meta, doc.body) for sid, doc in knowledge.sources.items()}, knowledge.programmes


@pytest.fixture
def make_live(fixture_settings: Settings) -> Callable[..., LiveKnowledge]:
    def make(**overrides: object) -> LiveKnowledge:
        settings = fixture_settings.model_copy(update=overrides)
        return LiveKnowledge(
            settings, HashEmbedder(), fallback=lambda: load_knowledge(settings.knowledge_dir)
        )

    return make


def test_a_build_keeps_the_exact_knowledge_files_it_was_built_from(
    fixture_settings: Settings, fixture_knowledge: KnowledgeBase
) -> None:
    report = build_index(fixture_settings, fixture_knowledge, embedder=HashEmbedder())
    version_dir = layout.versions_dir(fixture_settings.index_dir) / report.version
    snapshot = layout.knowledge_dir(version_dir)
    originals = sorted(
        p.relative_to(fixture_settings.knowledge_dir) for p in fixture_settings.knowledge_dir.rglob("*.md")
    )
    assert sorted(p.relative_to(snapshot) for p in snapshot.rglob("*.md")) == originals
    for relative in originals:
        assert (snapshot / relative).read_bytes() == (fixture_settings.knowledge_dir / relative).read_bytes()
    manifest = layout.read_manifest(version_dir)
    assert manifest.knowledge is not None and set(manifest.knowledge) == {p.as_posix() for p in originals}

    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")  # edited after the build
    generation = load_generation(fixture_settings, HashEmbedder(), report.version)
    assert content(generation.knowledge) == content(fixture_knowledge)  # the snapshot, not the edited dir
    assert "4,500万円" in cap_text(generation) and "4,000万円" not in cap_text(generation)


def test_a_new_build_is_swapped_in_and_requests_in_flight_keep_their_generation(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    first_version = publish(fixture_settings)
    live = make_live(index_keep_versions=1)  # pruning would delete the old version at once
    in_flight = live.current()
    assert in_flight.version == first_version

    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
    second_version = publish(fixture_settings)
    assert live.current() is in_flight  # not swapped until the holder looks at CURRENT
    assert live.refresh() is True
    new = live.current()
    assert new.version == second_version
    assert "4,000万円" in cap_text(new) and "4,500万円" not in cap_text(new)

    # The request that started before the swap finishes on the old build, files and all.
    assert "4,500万円" in cap_text(in_flight) and "4,000万円" not in cap_text(in_flight)
    versions = layout.versions_dir(fixture_settings.index_dir)
    assert (versions / first_version).is_dir()  # leased: pruning left it alone

    del in_flight
    gc.collect()  # the last request let go: the lease is released
    third_version = publish(fixture_settings)
    assert sorted(layout.list_versions(fixture_settings.index_dir)) == sorted({second_version, third_version})


def test_a_pinned_deps_view_keeps_one_generation_for_the_whole_request(fixture_settings: Settings) -> None:
    publish(fixture_settings)
    deps = Deps(fixture_settings, embedder=HashEmbedder())
    request = deps.pinned()
    knowledge, retriever = request.knowledge, request.retriever

    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
    publish(fixture_settings)
    assert deps.live.refresh() is True

    assert request.knowledge is knowledge and request.retriever is retriever  # still the old build
    assert request.pinned() is request
    assert "4,000万円" in deps.knowledge.sources[ZERO].body  # new requests get the new build
    assert deps.retriever is not retriever
    assert "4,500万円" in request.knowledge.sources[ZERO].body
    assert request.store is deps.store  # services are shared
    deps.close()


def corrupt_snapshot(version_dir: Path) -> None:
    path = layout.knowledge_dir(version_dir) / "sources" / f"{ZERO}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n上限額は9,999万円です。\n", encoding="utf-8")


def truncate_vectors(version_dir: Path) -> None:
    for path in (version_dir / "vectors").glob("*.npy"):
        path.write_bytes(path.read_bytes()[:100])


def drop_chunks(version_dir: Path) -> None:
    (version_dir / "chunks.json").unlink()


def garble_manifest(version_dir: Path) -> None:
    (version_dir / "manifest.json").write_text("{not json", encoding="utf-8")


def drop_snapshot_record(version_dir: Path) -> None:
    data = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    data.pop("knowledge")
    (version_dir / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (corrupt_snapshot, "knowledge snapshot"),
        (truncate_vectors, "unreadable"),
        (drop_chunks, "chunks.json: missing"),
        (garble_manifest, "corrupt"),
        (drop_snapshot_record, "no knowledge snapshot"),
    ],
)
def test_a_published_version_that_fails_to_load_changes_nothing_and_is_logged_once(
    fixture_settings: Settings,
    make_live: Callable[..., LiveKnowledge],
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    good = publish(fixture_settings)
    live = make_live()
    served = live.current()
    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
    bad = publish(fixture_settings)
    damage(layout.versions_dir(fixture_settings.index_dir) / bad)

    with caplog.at_level(logging.WARNING, logger="bot.retrieval.live"):
        assert live.refresh() is False
        assert live.refresh() is False  # not retried, not logged again
    assert live.current() is served and served.version == good
    assert "4,500万円" in cap_text(live.current())
    [warning] = [r for r in caplog.records if r.name == "bot.retrieval.live"]
    assert bad in warning.getMessage() and reason in warning.getMessage()
    assert live.last_error is not None and reason in live.last_error

    fixed = publish(fixture_settings)  # the operator rebuilds: the next build is picked up
    assert live.refresh() is True and live.current().version == fixed and live.last_error is None
    assert "4,000万円" in cap_text(live.current())


def test_a_failed_build_changes_nothing(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    good = publish(fixture_settings)
    live = make_live()
    served = live.current()
    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
    with pytest.raises(IndexBuildError):
        build_index(
            fixture_settings,
            load_knowledge(fixture_settings.knowledge_dir),
            rebuild=True,
            embedder=FailingEmbedder(HashEmbedder(), fail_on_call=2),
        )
    assert live.refresh() is False
    assert live.current() is served and served.version == good and live.last_error is None


def test_the_watcher_switches_within_its_interval(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    publish(fixture_settings)
    live = make_live(reload_interval_s=0.1)
    live.current()
    assert live.start_watching() is True
    try:
        set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
        published = publish(fixture_settings)
        deadline = time.monotonic() + 10
        while live.current().version != published:
            assert time.monotonic() < deadline, "the watcher did not pick up the build"
            time.sleep(0.05)
        assert "4,000万円" in cap_text(live.current())
    finally:
        live.stop_watching()


def test_a_zero_interval_means_no_watcher(make_live: Callable[..., LiveKnowledge]) -> None:
    assert make_live(reload_interval_s=0).start_watching() is False


def test_before_anything_is_published_the_knowledge_directory_answers_without_search(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    live = make_live()
    generation = live.current()
    assert generation.version is None and ZERO in generation.knowledge.sources
    with pytest.raises(IndexMissingError, match="advisor index"):
        _ = generation.retriever
    published = publish(fixture_settings)
    assert live.current().version == published  # the first build is picked up on first use


def test_a_rolled_back_pointer_is_served_again(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    first = publish(fixture_settings)
    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")
    second = publish(fixture_settings)
    live = make_live()
    assert live.current().version == second
    with layout.build_lock(fixture_settings.index_dir):
        layout.write_pointer(fixture_settings.index_dir, first)
    assert live.refresh() is True
    assert live.current().version == first and "4,500万円" in cap_text(live.current())


def test_a_version_being_pruned_cannot_be_leased(fixture_settings: Settings) -> None:
    version = publish(fixture_settings)
    version_dir = layout.versions_dir(fixture_settings.index_dir) / version
    lease = layout.VersionLease(version_dir)
    assert layout.prune_versions(fixture_settings.index_dir, keep=set()) == []  # leased: kept
    lease.release()
    copy = version_dir.with_name(version + "-copy")
    shutil.copytree(version_dir, copy)
    assert sorted(layout.prune_versions(fixture_settings.index_dir, keep=set())) == sorted(
        [version, copy.name]
    )
    with pytest.raises(IndexMissingError, match="missing"):
        layout.VersionLease(version_dir)


def test_at_start_up_a_broken_published_version_gives_way_to_the_newest_kept_one(
    fixture_settings: Settings, make_live: Callable[..., LiveKnowledge]
) -> None:
    kept = publish(fixture_settings)
    set_cap(fixture_settings.knowledge_dir, "4,500万円", "4,000万円")  # the folder is being edited
    broken = publish(fixture_settings)
    truncate_vectors(layout.versions_dir(fixture_settings.index_dir) / broken)

    live = make_live()  # a server (re)starting now
    generation = live.current()
    assert generation.version == kept and "4,500万円" in cap_text(generation)  # never the edited folder
    assert live.last_error is not None and broken in live.last_error
    assert live.refresh() is False and live.current() is generation  # the broken one is not retried

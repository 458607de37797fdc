"""Where the store lives: SQLite in WAL mode in the data dir, or PostgreSQL from ADVISOR_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.store import SqlStore, StoreUnavailableError, open_store
from bot.store.engine import resolve_url


def test_default_store_is_sqlite_in_data_dir(sqlite_store: SqlStore, tmp_path: Path) -> None:
    assert sqlite_store.backend == "sqlite"
    assert sqlite_store.engine.url.database == str((tmp_path / "data" / "advisor.sqlite3").resolve())
    assert (tmp_path / "data" / "advisor.sqlite3").is_file()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_store: SqlStore) -> None:
    with sqlite_store.engine.connect() as connection:
        pragmas = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }

    assert pragmas["journal_mode"] == "wal"
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] >= 1000


def test_store_backend_matches_settings(store: SqlStore, backend: str) -> None:
    assert store.backend == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]


def test_open_store_twice_on_existing_schema(settings: Settings) -> None:
    first = open_store(settings)
    second = open_store(settings)
    try:
        session = first.create_session()
        assert second.get_session(session.session_id) == session
    finally:
        first.close()
        second.close()


def test_database_url_comes_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADVISOR_DATABASE_URL", "postgresql://advisor:secret@db.example/advisor")

    settings = load_settings(data_dir=tmp_path)
    url = resolve_url(settings)

    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.database, url.password) == ("db.example", "advisor", "secret")
    assert "secret" not in repr(settings)


def test_non_postgres_url_is_refused(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url="mysql://user:secret@db.example/advisor")

    with pytest.raises(StoreUnavailableError) as caught:
        resolve_url(settings)

    assert "secret" not in caught.value.message_en


def test_malformed_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError):
        resolve_url(load_settings(data_dir=tmp_path, database_url="not a url"))


def test_unreachable_postgres_is_a_typed_error(tmp_path: Path) -> None:
    nowhere = f"postgresql+psycopg://advisor@/advisor?host={tmp_path}&port=5999&connect_timeout=2"

    with pytest.raises(StoreUnavailableError) as caught:
        open_store(load_settings(data_dir=tmp_path, database_url=nowhere))

    assert "会話データベース" in caught.value.message_ja

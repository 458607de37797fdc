"""Building the store's engine: SQLite in WAL mode by default, PostgreSQL (psycopg 3) when configured."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from bot.config import Settings
from bot.store.errors import StoreUnavailableError

SQLITE_BUSY_TIMEOUT_MS = 10_000
BEGIN_OPTION = "advisor_sqlite_begin"
_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg"}


def dumps_json(value: Any) -> str:
    """JSON as stored: readable Japanese, and never NaN (PostgreSQL would refuse it)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def resolve_url(settings: Settings) -> URL:
    """``ADVISOR_DATABASE_URL`` (PostgreSQL, normalised to psycopg 3) or the SQLite file in the data dir."""
    if settings.database_url is None:
        path = settings.database_path.resolve()
        return URL.create("sqlite+pysqlite", database=str(path))
    try:
        url = make_url(settings.database_url.get_secret_value())
    except ArgumentError as exc:
        raise StoreUnavailableError("ADVISOR_DATABASE_URL is not a valid SQLAlchemy URL") from exc
    if url.drivername not in _POSTGRES_DRIVERS:
        shown = url.render_as_string(hide_password=True)
        raise StoreUnavailableError(f"ADVISOR_DATABASE_URL must be postgresql+psycopg://…, not {shown}")
    return url.set(drivername="postgresql+psycopg")


def build_engine(url: URL) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    if url.get_backend_name() == "sqlite":
        return _build_sqlite_engine(url)
    return create_engine(url, json_serializer=dumps_json, pool_pre_ping=True)


def _build_sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, json_serializer=dumps_json)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # SQLAlchemy emits BEGIN itself (see _begin_sqlite_transaction), so sqlite3's own
    # implicit transaction handling is switched off; every connection gets the pragmas.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE): a read-then-write unit of work
    # can then never fail to upgrade its lock; readers use a plain deferred BEGIN.
    mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")

"""Store fixtures: every store test runs on a real SQLite file and on a throwaway PostgreSQL server.

The PostgreSQL server is started once per test run from the local binaries (``pg_ctl`` on PATH or
``/usr/lib/postgresql/*/bin``): a fresh cluster in a temporary directory, listening only on a Unix
socket there, trust authentication, no TCP. As root it runs as ``nobody`` (``initdb`` refuses root).
Each test gets its own database. Missing binaries fail the run: these tests are never skipped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL

from bot.config import Settings, load_settings
from bot.store import SqlStore, open_store

PG_USER = "advisor"
PG_PORT = 5432
BACKENDS = ["sqlite", "postgres"]


@dataclass(frozen=True)
class PgServer:
    bindir: Path
    socket_dir: Path

    def url(self, database: str) -> URL:
        query = {"host": str(self.socket_dir), "port": str(PG_PORT)}
        return URL.create("postgresql+psycopg", username=PG_USER, database=database, query=query)

    def connect_admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
        )


def find_pg_bindir() -> Path:
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    pytest.fail("PostgreSQL binaries (initdb, pg_ctl) not found: install postgresql to run tests/store")


def run_as_owner(command: list[str]) -> None:
    prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    done = subprocess.run(prefix + command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def start_pg_server(bindir: Path, base: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(base, user="nobody")
    data = base / "data"
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust"]
    run_as_owner([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"])
    options = f"-c listen_addresses='' -k {base} -p {PG_PORT} -c fsync=off -c full_page_writes=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log")]
    run_as_owner([*pg_ctl, "-w", "-t", "60", "start"])


def stop_pg_server(bindir: Path, base: Path) -> None:
    run_as_owner([str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "-w", "stop"])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = find_pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="advpg-", dir="/tmp"))  # short: Unix socket paths are limited
    try:
        start_pg_server(bindir, base)
        yield PgServer(bindir, base)
        stop_pg_server(bindir, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[URL]:
    name = f"store_test_{secrets.token_hex(6)}"
    with pg_server.connect_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url(name)
    with pg_server.connect_admin() as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings of a fresh store on ``backend`` (data dir in tmp_path either way)."""
    database_url = None
    if backend == "postgres":
        url: URL = request.getfixturevalue("pg_database")
        database_url = url.render_as_string(hide_password=False)
    return load_settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def open_stores(settings: Settings) -> Iterator[Callable[[], SqlStore]]:
    """Opens stores on ``settings`` (e.g. to reopen after a restart); all are closed afterwards."""
    opened: list[SqlStore] = []

    def open_one() -> SqlStore:
        opened.append(open_store(settings))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_stores: Callable[[], SqlStore]) -> SqlStore:
    return open_stores()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    store = open_store(load_settings(data_dir=tmp_path / "data"))
    yield store
    store.close()

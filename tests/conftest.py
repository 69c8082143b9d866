"""Shared fixtures: a fresh album home per test on a real database and a real media folder.

By default the database is a SQLite file in the test's home. With ``ALBUM_TEST_DATABASE_URL``
pointing at a PostgreSQL server (any database on it; it is used for maintenance only), every
test marked ``db`` gets a database of its own, created before and dropped after, and every test
module gets one more for its module-scoped apps and homes. ``ALBUM_DATABASE_URL`` is pointed at
it, so in-process homes, web apps and ``album`` subprocesses all use it.

Tests that touch the database carry the ``db`` marker (added here from the fixtures they use, from
their module using ``make_env``, for every test under tests/web, or by hand); CI reruns
``-m "db and not browser"`` on PostgreSQL.

Test modules import shared paths from ``locations`` (not from here: tests/web has a conftest.py
too, so ``import conftest`` would be ambiguous).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from album.config import Settings, load_settings
from album.db import make_engine, normalise_url, session_factory
from album.migrations import upgrade
from album.store import LocalMediaStore
from locations import CORPUS, ROOT  # noqa: F401  (ROOT: for anyone who still imports it from here)

# The S3 fixtures (s3_endpoint, s3_media: moto's server on loopback) for every test that asks.
pytest_plugins = ("s3_support",)

SERVER_URL = os.environ.get("ALBUM_TEST_DATABASE_URL") or None
DB_FIXTURES = {"settings", "engine", "db", "database_url", "make_database_url",
               "web_env", "anonymous", "contributor", "other_contributor", "editor", "admin"}
# Every web test reaches the database through its app (make_env or the fixtures above).
WEB_TESTS = Path(__file__).resolve().parent / "web"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db: touches the database (rerun on PostgreSQL in CI)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if (DB_FIXTURES & set(getattr(item, "fixturenames", ())) or hasattr(module, "make_env")
                or item.path.is_relative_to(WEB_TESTS)):
            item.add_marker(pytest.mark.db)


def pytest_report_header(config: pytest.Config) -> str:
    if SERVER_URL:
        return f"database: {make_url(normalise_url(SERVER_URL)).render_as_string(hide_password=True)} (one database per test)"
    return "database: SQLite file per test home"


class ServerDatabases:
    """Creates and drops uniquely named databases on the PostgreSQL server under test."""

    def __init__(self, server_url: str) -> None:
        self.url = make_url(normalise_url(server_url))
        self.admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)

    def create(self) -> str:
        name = f"huace_test_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def server_databases() -> Iterator[ServerDatabases | None]:
    if SERVER_URL is None:
        yield None
        return
    servers = ServerDatabases(SERVER_URL)
    yield servers
    servers.admin.dispose()


@pytest.fixture(scope="module", autouse=True)
def _module_database(server_databases: ServerDatabases | None) -> Iterator[None]:
    """Module-scoped apps and homes (made before any per-test fixture) get a database too."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ALBUM_DATABASE_URL", raising=False)
        if server_databases is None:
            yield
            return
        url = server_databases.create()
        mp.setenv("ALBUM_DATABASE_URL", url)
        try:
            yield
        finally:
            server_databases.drop(url)


@pytest.fixture
def make_database_url(server_databases: ServerDatabases | None, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty databases (a second home in the same test needs its own)."""
    made: list[str] = []

    def make() -> str:
        if server_databases is None:
            url = f"sqlite:///{tmp_path / f'extra-{len(made)}.db'}"
        else:
            url = server_databases.create()
        made.append(url)
        return url

    yield make
    if server_databases is not None:
        for url in made:
            server_databases.drop(url)


@pytest.fixture
def database_url(make_database_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The test's own server database (exported as ALBUM_DATABASE_URL); None means SQLite in the home."""
    if SERVER_URL is None:
        return None
    url = make_database_url()
    monkeypatch.setenv("ALBUM_DATABASE_URL", url)
    return url


@pytest.fixture(autouse=True)
def _test_database(request: pytest.FixtureRequest) -> None:
    """On a server, every test marked ``db`` gets a fresh database of its own."""
    if SERVER_URL is not None and request.node.get_closest_marker("db") is not None:
        request.getfixturevalue("database_url")


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"test corpus missing at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def large_photo(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 18 MP (5640 × 3172) JPEG of about 2 MB, made once per run from a corpus photo."""
    from corpus_derived import large_photo as make

    return make(corpus, tmp_path_factory.mktemp("derived"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return load_settings(tmp_path / "home", database_url=database_url)


@pytest.fixture
def engine(settings: Settings):
    settings.home.mkdir(parents=True, exist_ok=True)
    eng = make_engine(settings.database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):
    """A session factory bound to the test database."""
    return session_factory(engine)


@pytest.fixture
def store(settings: Settings) -> LocalMediaStore:
    return LocalMediaStore(settings.media_root)

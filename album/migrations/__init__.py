"""Schema migrations (Alembic), run programmatically: every open of a home upgrades to head.

The scripts live here, inside the package, so an installed ``huace`` carries them and no
alembic.ini is needed. Databases made by ``create_all`` before migrations existed hold every
table of the first revision but no ``alembic_version``: they are stamped with that revision and
upgraded from there. Concurrent openers are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
an advisory lock held for the migration transaction) so two processes never migrate at once.

To add a migration after changing album/models.py::

    .venv/bin/python -m album.migrations revision --autogenerate -m "photos: add rating"

(without ``--home`` it diffs the models against a throwaway SQLite database at head).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from album.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASE_REVISION = "0001"
# The newest revision. Every open of a home compares the database with it in one query, so
# Alembic (a tenth of a second to import) loads only when there is work to do; a test fails when
# a new migration is added without moving this.
HEAD_REVISION = "0007"
# The tables revision 0001 creates: a database holding all of them but no alembic_version was
# made by create_all before migrations existed.
BASE_TABLES = frozenset({"users", "albums", "chapters", "photos", "pins", "proofs", "comments"})
PG_LOCK_KEY = 0x68756163  # "huac": one advisory lock id for all huace migrations


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the packaged scripts, for ``url`` or an open connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def is_at_head(engine: Engine) -> bool:
    """True when the database already carries ``HEAD_REVISION`` (one query, no Alembic)."""
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == {HEAD_REVISION}
    except DBAPIError:  # no alembic_version table yet: a new or pre-migration database
        return False


def upgrade(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the newest schema (a no-op when it is there)."""
    if is_at_head(engine):
        return
    from alembic import command

    heads = head_revisions()
    with engine.connect() as conn:
        if current_revisions(conn) == heads:
            return
    with _migration_connection(engine) as conn:
        cfg = alembic_config(connection=conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and tables & BASE_TABLES:
            missing = BASE_TABLES - tables
            if missing:
                raise ConfigError(
                    f"数据库结构不完整（缺少表 {', '.join(sorted(missing))}）且没有版本记录，无法自动升级"
                )
            command.stamp(cfg, BASE_REVISION)
        command.upgrade(cfg, "head")


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the database's write lock while migrations run."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # pysqlite does not put DDL in a transaction by default; drive BEGIN ourselves so a crash
        # mid-migration rolls back, and IMMEDIATE so a second process waits for the first.
        mig = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})

        @event.listens_for(mig, "connect")
        def _autocommit_driver(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None

        @event.listens_for(mig, "begin")
        def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        try:
            with mig.begin() as conn:
                yield conn
        finally:
            mig.dispose()
        return
    with engine.begin() as conn:
        if url.get_backend_name() == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        yield conn

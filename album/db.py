"""Engine and session factory. SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL
(psycopg 3, the ``postgres`` extra) is the server choice; the schema comes from album/migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, String, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from album.errors import TooLongError

# Raised by SQLAlchemy when a versioned row changed under an update (optimistic locking); callers
# show it as ConflictError. Named here so that no caller imports SQLAlchemy for it.
CONCURRENT_EDIT_ERRORS: tuple[type[Exception], ...] = (StaleDataError,)

# Names a person knows for the text columns they can type into.
FIELD_LABELS = {
    "title": "标题", "subtitle": "副标题", "publisher": "出版单位", "username": "用户名",
    "display_name": "姓名", "unit": "单位", "original_name": "文件名", "photographer": "摄影",
    "place": "地点", "date_text": "日期", "camera_make": "相机品牌", "camera_model": "相机型号",
    "template": "版式", "icc_profile_path": "ICC 文件路径",
}



def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (psycopg2 is not a dependency)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite turn on WAL so readers never block the one writer."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def text_overflows(obj: object) -> list[tuple[str, int]]:
    """(column, length) for each String column of ``obj`` holding a longer value.

    SQLite stores any length, PostgreSQL refuses the whole row; checking here makes both behave
    the same and lets the caller say which field is too long.
    """
    out = []
    for column in inspect(type(obj)).columns:
        length = getattr(column.type, "length", None)
        value = getattr(obj, column.key, None)
        if isinstance(column.type, String) and length and isinstance(value, str) and len(value) > length:
            out.append((column.key, length))
    return out


def too_long_message(column: str, length: int) -> str:
    return f"“{FIELD_LABELS.get(column, column)}”过长：最多 {length} 个字"


def _refuse_overlong(session: Session, _context: object, _instances: object) -> None:
    for obj in list(session.new) + list(session.dirty):
        overflows = text_overflows(obj)
        if overflows:
            raise TooLongError(too_long_message(*overflows[0]))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that refuse over-long text before the database does (same on every database)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_overlong)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

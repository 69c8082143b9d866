"""An opened album home: settings, database engine, session factory and media store together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from album.config import Settings
from album.db import make_engine, session_factory
from album.errors import ConfigError, NotFoundError
from album.migrations import upgrade
from album.store import LocalMediaStore, MediaStore


@dataclass
class Home:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    store: MediaStore

    def close(self) -> None:
        self.engine.dispose()


def open_home(settings: Settings, *, create: bool = False) -> Home:
    """Open (or with ``create`` make) the home's folders; migrate its database to the newest schema."""
    if create:
        settings.home.mkdir(parents=True, exist_ok=True)
        settings.media_root.mkdir(parents=True, exist_ok=True)
    elif not settings.home.is_dir():
        raise NotFoundError(f"{settings.home} 里还没有画册：请先运行 album init --title 标题")
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise ConfigError(f"无法打开数据库 {engine.url.render_as_string(hide_password=True)}：{reason}") from exc
    try:
        store = open_store(settings)
    except ConfigError:
        engine.dispose()
        raise
    return Home(settings, engine, session_factory(engine), store)


def open_store(settings: Settings) -> MediaStore:
    """The home's folder, or the S3 bucket of ``media_url`` (checked reachable, with its local
    read-through copy in HOME/s3-cache)."""
    if not settings.media.is_s3:
        return LocalMediaStore(settings.media_root)
    from album.s3store import S3MediaStore  # boto3 is loaded only by homes that use it

    store = S3MediaStore(settings.media, settings.home / "s3-cache")
    store.check_bucket()
    return store

"""Migrations: empty → head matches the models exactly, old create_all databases are adopted,
concurrent openers do not trip over each other, and the packaged CLI finds the scripts."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, select, text

from album.catalog import create_album
from album.db import make_engine, transaction
from album.errors import ConfigError
from album.home import open_home
from album.migrations import (
    BASE_REVISION, BASE_TABLES, HEAD_REVISION, alembic_config, current_revisions, head_revisions, upgrade)
from album.models import Album, Base

pytestmark = pytest.mark.db


def test_empty_database_upgrades_to_head_without_drift(settings) -> None:
    home = open_home(settings, create=True)
    try:
        with home.engine.connect() as conn:
            assert current_revisions(conn) == head_revisions()
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
            assert diffs == [], f"models and migrations differ; write a migration: {diffs}"
            # The comparison does see a model change that no migration made:
            changed = MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(changed)
            changed.tables["photos"].append_column(Column("rating", Integer, nullable=True))
            assert [d[0] for d in compare_metadata(context, changed)] == ["add_column"]
        tables = set(inspect(home.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    finally:
        home.close()


def test_upgrade_is_a_no_op_at_head_and_keeps_data(settings) -> None:
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        create_album(s, "迁移前")
    home.close()
    again = open_home(settings)
    try:
        upgrade(again.engine)
        with transaction(again.factory) as s:
            assert s.scalars(select(Album.title)).all() == ["迁移前"]
    finally:
        again.close()


def _legacy_database(url: str) -> None:
    """A database as create_all made it before migrations: the base tables, no alembic_version."""
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), BASE_REVISION)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO albums (title, subtitle, publisher, trim_width_mm, trim_height_mm, "
                          "bleed_mm, page_multiple, paper_caliper_mm, preface, afterword, copyright_text, "
                          "icc_profile_path, rendering_intent, version, created_at) VALUES "
                          "('旧画册', '', '', 210, 285, 3, 4, 0.1, '', '', '', '', 'relative', 1, "
                          "'2024-01-01 00:00:00')"))
    engine.dispose()


def test_create_all_era_database_is_stamped_and_upgraded(settings) -> None:
    settings.home.mkdir(parents=True)
    _legacy_database(settings.database_url)
    home = open_home(settings)
    try:
        with home.engine.connect() as conn:
            assert current_revisions(conn) == head_revisions()
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        with transaction(home.factory) as s:
            assert s.scalars(select(Album.title)).all() == ["旧画册"]
    finally:
        home.close()


def test_half_made_database_without_version_is_refused_clearly(settings) -> None:
    settings.home.mkdir(parents=True)
    engine = make_engine(settings.database_url)
    Base.metadata.tables["units"].create(engine)  # users.unit_id points at it (PostgreSQL checks)
    Base.metadata.tables["users"].create(engine)
    engine.dispose()
    with pytest.raises(ConfigError, match="缺少表 albums"):
        open_home(settings)


def test_downgrade_to_base_and_back(settings) -> None:
    settings.home.mkdir(parents=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "base")
        assert not BASE_TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert BASE_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_concurrent_openers_migrate_once(settings) -> None:
    """Four processes' worth of engines open a fresh database at the same moment."""
    settings.home.mkdir(parents=True)
    engines = [make_engine(settings.database_url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def open_one(engine) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait(timeout=10)
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        with engines[0].connect() as conn:
            assert current_revisions(conn) == head_revisions()
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        for e in engines:
            e.dispose()


def test_packaged_cli_reports_head(settings) -> None:
    open_home(settings, create=True).close()
    out = subprocess.run([sys.executable, "-m", "album.migrations", "--home", str(settings.home), "current"],
                         capture_output=True, text=True, timeout=60, check=True)
    (head,) = head_revisions()
    assert f"{head} (head)" in out.stdout


def test_over_long_text_is_refused_alike_on_every_database(settings, corpus) -> None:  # type: ignore[no-untyped-def]
    """SQLite would store it and PostgreSQL would fail the row: both refuse it by name, up front."""
    from album.ingest.captions import PhotoMeta
    from album.errors import TooLongError
    from album.ingest.importer import import_paths

    home = open_home(settings, create=True)
    try:
        with transaction(home.factory) as s:
            album_id = create_album(s, "长度").id
        photo = corpus / "photos" / "kde-kite.jpg"
        report = import_paths(home.factory, home.store, settings.limits, album_id, [photo],
                              captions={photo.name: PhotoMeta(photographer="摄" * 201)})
        assert [(o.status, o.code, o.reason) for o in report.outcomes] == [
            ("refused", "too-long", "“摄影”过长：最多 200 个字")]
        assert list(home.store.iter_originals()) == []
        with pytest.raises(TooLongError, match="标题"):
            with transaction(home.factory) as s:
                s.get(Album, album_id).title = "题" * 201
        with transaction(home.factory) as s:
            assert s.get(Album, album_id).title == "长度"
    finally:
        home.close()


def test_head_revision_constant_names_the_newest_migration() -> None:
    """Opening a home skips Alembic when the database carries HEAD_REVISION; a new migration
    must move that constant, or homes would never be upgraded to it."""
    assert head_revisions() == {HEAD_REVISION}

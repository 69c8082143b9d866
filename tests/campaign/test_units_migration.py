"""Migration 0005 on a home that already has photos: free-text 供稿单位 become unit rows."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from album.db import make_engine, transaction
from album.home import open_home
from album.migrations import alembic_config
from album.models import Photo, Unit, UnitLevel, User

pytestmark = pytest.mark.db

PHOTO_SQL = ("INSERT INTO photos (album_id, position, sha256, original_name, format, width_px, height_px, "
             "orientation, byte_size, dhash, caption, photographer, unit, place, date_text, camera_make, "
             "camera_model, focal_x, focal_y, has_map, map_basis, map_reference, status, reject_reason, "
             "created_at, version) VALUES (1, :pos, :sha, 'a.jpg', 'JPEG', 100, 80, 1, 1, '', '', '', :unit, "
             "'', '', '', '', 0.5, 0.5, false, '', '', 'submitted', '', '2026-01-01 00:00:00', 1)")


def test_free_text_units_of_an_existing_home_become_unit_rows(settings) -> None:
    settings.home.mkdir(parents=True)
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), "0004")
        conn.execute(text("INSERT INTO albums (title, subtitle, publisher, trim_width_mm, trim_height_mm, "
                          "bleed_mm, page_multiple, paper_caliper_mm, preface, afterword, copyright_text, "
                          "colophon, glossary, icc_profile_path, rendering_intent, version, created_at) VALUES "
                          "('旧画册', '', '', 210, 285, 3, 4, 0.1, '', '', '', '{}', '[]', '', 'relative', 1, "
                          "'2024-01-01 00:00:00')"))
        for pos, unit in enumerate(["凉山州", "西昌市", "昭觉县", " 昭觉县 ", "省林业厅", "", "凉山州"]):
            conn.execute(text(PHOTO_SQL), {"pos": pos, "sha": f"{pos:064d}", "unit": unit})
        conn.execute(text("INSERT INTO users (username, display_name, unit, password_hash, role, active, "
                          "session_epoch, created_at) VALUES ('li', '李', '喜德县', 'x', 'contributor', "
                          "true, 0, '2026-01-01 00:00:00')"))
    engine.dispose()
    home = open_home(settings)  # upgrades to head
    try:
        with transaction(home.factory) as s:
            units = {u.name: u for u in s.scalars(select(Unit))}
            assert {n: u.level for n, u in units.items()} == {
                "凉山州": UnitLevel.city, "西昌市": UnitLevel.city, "昭觉县": UnitLevel.county,
                "省林业厅": UnitLevel.province, "喜德县": UnitLevel.county}
            mapped = [(p.unit, p.unit_id and s.get(Unit, p.unit_id).name)
                      for p in s.scalars(select(Photo).order_by(Photo.position))]
            assert mapped == [("凉山州", "凉山州"), ("西昌市", "西昌市"), ("昭觉县", "昭觉县"),
                              (" 昭觉县 ", "昭觉县"), ("省林业厅", "省林业厅"), ("", None), ("凉山州", "凉山州")]
            user = s.scalars(select(User)).one()
            assert s.get(Unit, user.unit_id).name == "喜德县"
    finally:
        home.close()

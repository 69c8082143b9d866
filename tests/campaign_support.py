"""A synthetic collection campaign made by bulk inserts (no image files), in seconds.

Used by the campaign tests and by bench/dashboard_bench.py. ``build_campaign`` returns the rows
it inserted as plain dicts, so a test can count what the dashboard should show on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from album.campaign.rounds import add_round, set_target
from album.catalog import create_album
from album.models import Chapter, Photo, Role, Unit, UnitLevel, User

ROUNDS = ((date(2026, 9, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 12, 31)))
REASONS = ("画面模糊", "与主题无关", "")
CHAPTERS = ("旗帜引领", "时代先锋", "基础建设", "产业就业", "乡村新貌")
COUNTY_TARGET, CITY_TARGET = 15, 40  # per round, as the office's defaults


@dataclass
class Campaign:
    album_id: int
    units: dict[int, dict] = field(default_factory=dict)  # id → {name, level, parent_id}
    chapters: dict[int, str] = field(default_factory=dict)
    photos: list[dict] = field(default_factory=list)
    overrides: dict[int, int] = field(default_factory=dict)  # unit id → its own per-round target


def build_campaign(session: Session, *, cities: int = 21, counties: int = 60, departments: int = 0,
                   contributors: int = 300, photos: int = 3000, seed: int = 12) -> Campaign:
    rnd = random.Random(seed)
    album = create_album(session, "合成征集画册")
    session.flush()
    camp = Campaign(album_id=album.id)
    for pos, title in enumerate(CHAPTERS):
        chapter = Chapter(album_id=album.id, title=title, position=pos)
        session.add(chapter)
        session.flush()
        camp.chapters[chapter.id] = title
    now = datetime(2026, 9, 1)
    session.execute(insert(Unit), [{"name": f"第{i:02d}市州", "level": UnitLevel.city, "aliases": [f"{i:02d}州"],
                                    "created_at": now} for i in range(cities)])
    city_ids = list(session.scalars(select(Unit.id).order_by(Unit.id)))
    rows = [{"name": f"第{i:03d}县", "level": UnitLevel.county, "parent_id": city_ids[i % cities], "aliases": [],
             "created_at": now} for i in range(counties)]
    rows += [{"name": f"省直第{i:02d}厅", "level": UnitLevel.province, "aliases": [], "created_at": now}
             for i in range(departments)]
    if rows:
        session.execute(insert(Unit), rows)
    for unit_id, name, level, parent_id in session.execute(select(Unit.id, Unit.name, Unit.level, Unit.parent_id)):
        camp.units[unit_id] = {"name": name, "level": level, "parent_id": parent_id}
    unit_ids = sorted(camp.units)
    session.execute(insert(User), [{"username": f"c{i:04d}", "display_name": f"供稿人{i}", "unit": "",
                                    "unit_id": unit_ids[i % len(unit_ids)], "password_hash": "!",
                                    "role": Role.contributor, "active": True, "session_epoch": 0,
                                    "created_at": now} for i in range(contributors)])
    user_units = dict(session.execute(select(User.id, User.unit_id)).all())
    user_ids = sorted(user_units)
    chapter_ids = [*camp.chapters, None]
    dhashes = [f"{rnd.getrandbits(64):016x}" for _ in range(photos)]
    for i in range(photos):
        submitter = user_ids[rnd.randrange(len(user_ids))]
        unit_id = None if i % 97 == 0 else user_units[submitter]  # a few still unmapped
        start, end = ROUNDS[rnd.randrange(len(ROUNDS))]
        created = datetime.combine(start, datetime.min.time()) + timedelta(
            seconds=rnd.randrange(int((end - start).days * 86400 + 86399)))
        status = rnd.choice(["submitted", "accepted", "accepted", "rejected"])
        long_side = rnd.choice([1800, 2600, 4000])
        camp.photos.append({
            "album_id": album.id, "chapter_id": rnd.choice(chapter_ids), "position": i, "sha256": f"{i:064x}",
            "original_name": f"p{i}.jpg", "format": "JPEG", "width_px": long_side, "height_px": long_side * 3 // 4,
            "orientation": 1, "byte_size": 1000,
            "dhash": dhashes[i - 1] if i % 50 == 1 else dhashes[i],  # every 50th pair is a likely duplicate
            "caption": "" if i % 7 == 0 else f"说明{i}", "photographer": "" if i % 11 == 0 else "摄影者",
            "unit": "某未登记单位" if unit_id is None else camp.units[unit_id]["name"], "unit_id": unit_id,
            "place": "" if i % 5 == 0 else "某地", "date_text": "" if i % 13 == 0 else "2026-01-01",
            "camera_make": "", "camera_model": "", "focal_x": 0.5, "focal_y": 0.5, "has_map": False,
            "map_basis": "", "map_reference": "", "status": status,
            "reject_reason": rnd.choice(REASONS) if status == "rejected" else "",
            "submitter_id": submitter, "created_at": created, "version": 1})
    session.execute(insert(Photo), camp.photos)
    camp.overrides = {unit_id: 5 for unit_id in unit_ids[cities:cities + 3]}  # counties with their own target
    for start, end in ROUNDS:
        found = add_round(session, album, start, end)
        set_target(session, found, COUNTY_TARGET, level=UnitLevel.county)
        set_target(session, found, CITY_TARGET, level=UnitLevel.city)
        set_target(session, found, 30, level=UnitLevel.province)
        for unit_id, count in camp.overrides.items():
            set_target(session, found, count, unit=session.get(Unit, unit_id))
    session.flush()
    return camp

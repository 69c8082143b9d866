"""Collection rounds (征集批次) and the targets set for them.

A round covers the photos uploaded from its start date to its deadline, both days included
(UTC days). A target asks a unit, or every unit of a level that has none of its own, for a number
of photos in a round, in total or for one chapter (篇目). A 市州's target counts its counties'
photos as well as its own.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from album.campaign.units import LEVEL_NAMES
from album.errors import AlbumError, NotFoundError
from album.models import Album, Chapter, CollectionRound, Target, Unit, UnitLevel


def list_rounds(session: Session, album: Album) -> list[CollectionRound]:
    return list(session.scalars(
        select(CollectionRound).where(CollectionRound.album_id == album.id).order_by(CollectionRound.number)))


def get_round(session: Session, album: Album, number: int) -> CollectionRound:
    found = session.scalar(select(CollectionRound).where(
        CollectionRound.album_id == album.id, CollectionRound.number == number))
    if found is None:
        raise NotFoundError(f"没有第 {number} 批征集")
    return found


def add_round(session: Session, album: Album, starts_on: date, deadline: date, name: str = "") -> CollectionRound:
    """The next round; its dates may not overlap another round's."""
    if deadline < starts_on:
        raise AlbumError("截止日期早于开始日期")
    for other in list_rounds(session, album):
        if starts_on <= other.deadline and other.starts_on <= deadline:
            raise AlbumError(f"与第 {other.number} 批征集（{other.starts_on}—{other.deadline}）时间重叠")
    number = (session.scalar(select(func.max(CollectionRound.number))
                             .where(CollectionRound.album_id == album.id)) or 0) + 1
    found = CollectionRound(album_id=album.id, number=number, name=name.strip() or f"第{number}批",
                            starts_on=starts_on, deadline=deadline)
    session.add(found)
    session.flush()
    return found


def round_window(found: CollectionRound) -> tuple[datetime, datetime]:
    """[start, end) of the upload times a round covers."""
    return (datetime.combine(found.starts_on, time()),
            datetime.combine(found.deadline + timedelta(days=1), time()))


def set_target(session: Session, found: CollectionRound, count: int, *, unit: Unit | None = None,
               level: UnitLevel | None = None, chapter: Chapter | None = None) -> Target | None:
    """Set (or with ``count`` 0, remove) the target of a unit or of a level's default."""
    if (unit is None) == (level is None):
        raise AlbumError("目标须指定一个单位或一个级别")
    if count < 0:
        raise AlbumError("目标数不能为负数")
    query = select(Target).where(
        Target.round_id == found.id,
        Target.unit_id == unit.id if unit else Target.unit_id.is_(None),
        Target.level == (level.value if level else ""),
        Target.chapter_id == chapter.id if chapter else Target.chapter_id.is_(None))
    target = session.scalar(query)
    if count == 0:
        if target is not None:
            session.delete(target)
        return None
    if target is None:
        target = Target(round_id=found.id, unit_id=unit.id if unit else None,
                        level=level.value if level else "", chapter_id=chapter.id if chapter else None, count=count)
        session.add(target)
    target.count = count
    session.flush()
    return target


def list_targets(session: Session, album: Album) -> list[tuple[CollectionRound, Target, str, str]]:
    """Every target of the album's rounds with whom it asks (a unit, or 每个 + level) and its
    chapter title, round by round."""
    rows = session.execute(
        select(CollectionRound, Target, Unit.name, Chapter.title)
        .join(Target, Target.round_id == CollectionRound.id)
        .outerjoin(Unit, Unit.id == Target.unit_id).outerjoin(Chapter, Chapter.id == Target.chapter_id)
        .where(CollectionRound.album_id == album.id)
        .order_by(CollectionRound.number, Target.unit_id.is_not(None), Unit.name, Target.level))
    return [(found, target, name or f"每个{LEVEL_NAMES[UnitLevel(target.level)]}", title or "")
            for found, target, name, title in rows]

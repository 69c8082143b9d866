"""Contributing units (供稿单位): editing, mapping captions' free text to units, merging.

Each function takes a Session and plain values; the caller owns the transaction, so a refused
action changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from album.errors import AlbumError, NotFoundError
from album.models import Album, LetterSent, Photo, Target, Unit, UnitLevel, User
from album.unit_names import normalise_unit_name, unit_name_index

LEVEL_NAMES = {UnitLevel.province: "省直部门", UnitLevel.city: "市州", UnitLevel.county: "县（市、区）"}
LEVEL_BY_NAME = {**{v: k for k, v in LEVEL_NAMES.items()}, "县": UnitLevel.county, "县市区": UnitLevel.county,
                 "省直": UnitLevel.province, **{k.value: k for k in UnitLevel}}
# Without a stated level: 县、区、旗 are counties; 州、盟、地区、市 are 市州; anything else is 省直.
COUNTY_ENDINGS = ("县", "区", "旗")
CITY_ENDINGS = ("州", "盟", "地区", "市")


def guess_level(name: str) -> UnitLevel:
    if name.endswith(COUNTY_ENDINGS):
        return UnitLevel.county
    if name.endswith(CITY_ENDINGS):
        return UnitLevel.city
    return UnitLevel.province


def split_aliases(text: str) -> list[str]:
    """别名 as people type them: separated by 、，,；; or /."""
    for sep in "，,；;/":
        text = text.replace(sep, "、")
    return [a.strip() for a in text.split("、") if a.strip()]


def list_units(session: Session) -> list[Unit]:
    """All units, 市州 each followed by its counties, then the 省直 departments."""
    units = list(session.scalars(select(Unit).order_by(Unit.name)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[Unit] = []
    for level in (UnitLevel.city, UnitLevel.county, UnitLevel.province):
        for unit in children.get(None, []):
            if unit.level == level:
                ordered.append(unit)
                ordered.extend(children.get(unit.id, []))
    seen = {u.id for u in ordered}
    return ordered + [u for u in units if u.id not in seen]


def has_units(session: Session) -> bool:
    """Whether a unit list was set up at all (before that, no text is "unmatched")."""
    return session.scalar(select(Unit.id).limit(1)) is not None


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError(f"没有编号为 {unit_id} 的单位")
    return unit


def find_unit(session: Session, name: str) -> Unit:
    """The unit with this name or alias."""
    unit_id = unit_name_index(session).get(normalise_unit_name(name))
    if unit_id is None:
        raise NotFoundError(f"没有名为“{name}”的单位")
    return session.get(Unit, unit_id)  # type: ignore[return-value]


def _names_free(session: Session, names: list[str], unit_id: int | None) -> None:
    index = unit_name_index(session)
    for name in names:
        owner = index.get(normalise_unit_name(name))
        if owner is not None and owner != unit_id:
            raise AlbumError(f"名称“{name}”已是单位“{session.get(Unit, owner).name}”的名称或别名")  # type: ignore[union-attr]


def save_unit(session: Session, unit: Unit | None, *, name: str, level: UnitLevel, parent_id: int | None = None,
              contact: str = "", phone: str = "", email: str = "", aliases: list[str] | None = None) -> Unit:
    """Create (``unit`` None) or change a unit; names and aliases stay unique across units."""
    name = name.strip()
    if not name:
        raise AlbumError("请填写单位名称")
    aliases = [a for a in dict.fromkeys(aliases or []) if a != name]
    _names_free(session, [name, *aliases], unit.id if unit else None)
    if parent_id is not None:
        parent = get_unit(session, parent_id)
        if level != UnitLevel.county or parent.level != UnitLevel.city:
            raise AlbumError("只有县（市、区）有上级单位，且上级单位须是市州")
    if unit is not None and level != UnitLevel.city and session.scalar(
            select(Unit.id).where(Unit.parent_id == unit.id).limit(1)) is not None:
        raise AlbumError(f"{unit.name}下还有县（市、区），不能改为其他级别")
    if unit is None:
        unit = Unit(name=name, level=level)
        session.add(unit)
    unit.name, unit.level, unit.parent_id = name, level, parent_id
    unit.contact, unit.phone, unit.email = contact.strip(), phone.strip(), email.strip()
    unit.aliases = aliases
    session.flush()
    return unit


def map_unmatched_photos(session: Session, album: Album) -> int:
    """Point photos without a unit at the unit their 供稿单位 text names; return how many."""
    index = unit_name_index(session)
    moved = 0
    for text in unmatched_names(session, album):
        unit_id = index.get(normalise_unit_name(text.name))
        if unit_id is not None:
            moved += _point_photos(session, album, text.name, unit_id)
    return moved


@dataclass(frozen=True)
class UnmatchedName:
    name: str
    photos: int


def unmatched_names(session: Session, album: Album) -> list[UnmatchedName]:
    """供稿单位 texts that no unit stands for yet, most photos first."""
    rows = session.execute(
        select(Photo.unit, func.count(Photo.id)).where(
            Photo.album_id == album.id, Photo.unit_id.is_(None), Photo.unit != "")
        .group_by(Photo.unit).order_by(func.count(Photo.id).desc(), Photo.unit))
    return [UnmatchedName(name, count) for name, count in rows]


def map_names(session: Session, album: Album, mapping: Mapping[str, int]) -> int:
    """Map each unmatched text to a unit in one step: its photos move there and the text
    becomes an alias, so the next sheet with that text matches by itself. Return photos moved."""
    moved = 0
    for text, unit_id in mapping.items():
        unit = get_unit(session, unit_id)
        text = text.strip()
        if not text:
            continue
        if normalise_unit_name(text) not in {normalise_unit_name(n) for n in (unit.name, *unit.aliases)}:
            _names_free(session, [text], unit.id)
            unit.aliases = [*unit.aliases, text]
        moved += _point_photos(session, album, text, unit.id)
    session.flush()
    return moved


def _point_photos(session: Session, album: Album, text: str, unit_id: int) -> int:
    result = session.execute(
        update(Photo).where(Photo.album_id == album.id, Photo.unit == text, Photo.unit_id.is_(None))
        .values(unit_id=unit_id, version=Photo.version + 1).execution_options(synchronize_session=False))
    return result.rowcount or 0


def merge_units(session: Session, keep: Unit, absorbed: Unit) -> int:
    """Merge ``absorbed`` into ``keep``: its name and aliases become aliases of ``keep``, its
    photos, people, targets, letters and counties move over, and it is deleted. Return photos moved."""
    if keep.id == absorbed.id:
        raise AlbumError("不能把单位合并到它自己")
    moved = session.execute(
        update(Photo).where(Photo.unit_id == absorbed.id)
        .values(unit_id=keep.id, version=Photo.version + 1).execution_options(synchronize_session=False)
    ).rowcount or 0
    for model in (User, Target, LetterSent):
        session.execute(update(model).where(model.unit_id == absorbed.id).values(unit_id=keep.id)
                        .execution_options(synchronize_session=False))
    session.execute(update(Unit).where(Unit.parent_id == absorbed.id).values(parent_id=keep.id)
                    .execution_options(synchronize_session=False))
    keep.aliases = [a for a in dict.fromkeys([*keep.aliases, absorbed.name, *absorbed.aliases]) if a != keep.name]
    session.delete(absorbed)
    session.flush()
    session.expire_all()
    return moved

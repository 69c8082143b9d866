"""Importing the list of contributing units (CSV or XLSX) that the office keeps.

Columns: 单位名称 (required), 上级单位, 联系人, 电话, 邮箱, 别名, and optionally 级别
(省直部门 / 市州 / 县（市、区）). Every row is checked before anything is written, so a bad list
imports nothing. A unit already known by that name is updated, not duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.campaign.units import LEVEL_BY_NAME, guess_level, save_unit, split_aliases
from album.errors import AlbumError, IngestError
from album.ingest.tables import cell_text, read_rows
from album.models import Unit, UnitLevel
from album.unit_names import normalise_unit_name

COLUMNS = {"单位名称": "name", "名称": "name", "上级单位": "parent", "联系人": "contact", "电话": "phone",
           "联系电话": "phone", "邮箱": "email", "电子邮箱": "email", "别名": "aliases", "级别": "level"}


@dataclass
class UnitRow:
    line: int
    name: str
    parent: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    aliases: list[str] = field(default_factory=list)
    level: UnitLevel | None = None


@dataclass(frozen=True)
class UnitImport:
    created: int
    updated: int


def read_unit_list(path: Path) -> list[UnitRow]:
    """The rows of a unit list; IngestError names the first problem (column, line, name)."""
    label = f"单位名单 {path.name}"
    rows = read_rows(path, label)
    if not rows:
        raise IngestError(f"{label} 是空的")
    header = [COLUMNS.get(cell_text(h)) for h in rows[0]]
    if "name" not in header:
        raise IngestError(f"{label} 缺少“单位名称”列")
    result: list[UnitRow] = []
    for line, row in enumerate(rows[1:], start=2):
        values = {key: cell_text(v) for key, v in zip(header, row) if key}
        if not values.get("name"):
            raise IngestError(f"{label} 第 {line} 行：缺少单位名称")
        level_text = values.pop("level", "")
        level = LEVEL_BY_NAME.get(level_text) if level_text else None
        if level_text and level is None:
            raise IngestError(f"{label} 第 {line} 行：级别“{level_text}”应为 省直部门、市州 或 县（市、区）")
        result.append(UnitRow(line=line, aliases=split_aliases(values.pop("aliases", "")), level=level, **values))
    return result


def import_unit_list(session: Session, path: Path) -> UnitImport:
    """Check the whole list against itself and the units already known, then write it."""
    label = f"单位名单 {path.name}"
    rows = read_unit_list(path)
    known = {u.name: u for u in session.scalars(select(Unit))}
    first_line: dict[str, tuple[int, str]] = {}
    for row in rows:
        for name in (row.name, *row.aliases):
            key = normalise_unit_name(name)
            if key in first_line:
                line, owner = first_line[key]
                raise IngestError(f"{label} 第 {row.line} 行：名称“{name}”重复（第 {line} 行的“{owner}”已用）")
            first_line[key] = (row.line, row.name)
    listed = {r.name for r in rows}
    parents = {r.parent for r in rows if r.parent}
    for row in rows:
        if row.parent and row.parent not in listed and row.parent not in known:
            raise IngestError(f"{label} 第 {row.line} 行：上级单位“{row.parent}”不在名单中，也不是已有单位")
        if row.parent == row.name:
            raise IngestError(f"{label} 第 {row.line} 行：单位不能是自己的上级单位")
    levels = {r.name: _level(r, parents) for r in rows}
    for row in rows:
        if row.parent:
            parent_level = levels.get(row.parent) or known[row.parent].level
            if parent_level != UnitLevel.city:
                raise IngestError(f"{label} 第 {row.line} 行：上级单位“{row.parent}”不是市州")
    created = 0
    try:
        for row in sorted(rows, key=lambda r: bool(r.parent)):  # 市州 before their counties
            unit = known.get(row.name)
            parent = known.get(row.parent) if row.parent else None
            unit = save_unit(session, unit, name=row.name, level=levels[row.name],
                             parent_id=parent.id if parent else None, contact=row.contact, phone=row.phone,
                             email=row.email, aliases=row.aliases or (unit.aliases if unit else []))
            created += row.name not in known
            known[row.name] = unit
    except AlbumError as exc:  # the caller's transaction rolls back whatever was written
        raise IngestError(f"{label} 第 {row.line} 行：{exc}") from exc
    return UnitImport(created=created, updated=len(rows) - created)


def _level(row: UnitRow, parents: set[str]) -> UnitLevel:
    if row.level is not None:
        return row.level
    if row.parent:
        return UnitLevel.county
    if row.name in parents:
        return UnitLevel.city
    return guess_level(row.name)

"""Units as data: the office's list imported whole or not at all, captions' 供稿单位 matched by
name or alias, unmatched texts mapped in one step, two units merged."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from album.campaign.unit_list import import_unit_list
from album.campaign.units import find_unit, map_names, merge_units, unmatched_names
from album.catalog import create_album
from album.db import transaction
from album.errors import IngestError
from album.ingest.captions import PhotoMeta
from album.ingest.importer import import_paths
from album.models import Album, Photo, Unit, UnitLevel

LIST = [["单位名称", "上级单位", "联系人", "电话", "邮箱", "别名"],
        ["凉山彝族自治州", "", "阿依", "0834-1234567", "ls@example.cn", "凉山州"],
        ["昭觉县", "凉山彝族自治州", "吉克", "0834-7654321", "zj@example.cn", "昭觉、昭觉县委宣传部"],
        ["西昌市", "凉山彝族自治州", "", "", "", ""],
        ["省林业和草原局", "", "王", "028-1", "", "省林草局"]]


def _csv(tmp_path, rows, encoding="utf-8", name="单位.csv"):
    path = tmp_path / name
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding))
    return path


@pytest.mark.parametrize("kind", ["utf-8", "gb18030", "xlsx"])
def test_unit_list_is_imported_with_levels_contacts_and_aliases(db, tmp_path, kind) -> None:
    if kind == "xlsx":
        book = Workbook()
        for row in LIST:
            book.active.append(row)
        path = tmp_path / "单位.xlsx"
        book.save(path)
    else:
        path = _csv(tmp_path, LIST, kind)
    with transaction(db) as s:
        result = import_unit_list(s, path)
    assert (result.created, result.updated) == (4, 0)
    with transaction(db) as s:
        zj = find_unit(s, "昭觉县委宣传部")
        assert (zj.name, zj.level, zj.contact, zj.phone, zj.email) == (
            "昭觉县", UnitLevel.county, "吉克", "0834-7654321", "zj@example.cn")
        assert s.get(Unit, zj.parent_id).name == "凉山彝族自治州"
        assert find_unit(s, "凉山州").level == UnitLevel.city
        assert find_unit(s, "西昌市").level == UnitLevel.county  # it has a parent
        assert find_unit(s, "省林草局").level == UnitLevel.province
    with transaction(db) as s:  # importing again updates, never duplicates
        assert import_unit_list(s, path).updated == 4
        assert s.scalar(select(func.count(Unit.id))) == 4


@pytest.mark.parametrize("rows, message", [
    ([["名单"], ["x"]], "缺少“单位名称”列"),
    ([LIST[0], LIST[1], ["昭觉县", "攀枝花市", "", "", "", ""]], "第 3 行：上级单位“攀枝花市”不在名单中"),
    ([LIST[0], LIST[1], ["凉山彝族自治州", "", "", "", "", ""]], "第 3 行：名称“凉山彝族自治州”重复（第 2 行"),
    ([LIST[0], LIST[1], ["甘洛县", "", "", "", "", "凉山州"]], "第 3 行：名称“凉山州”重复"),
    ([[*LIST[0], "级别"], [*LIST[4], "省直部门"], ["某县", "省林业和草原局", "", "", "", "", ""]],
     "第 3 行：上级单位“省林业和草原局”不是市州"),
    ([[*LIST[0], "级别"], [*LIST[1], "地级"]], "第 2 行：级别“地级”应为"),
    # refused while writing, after the 市州 was written: the transaction takes it back
    ([[*LIST[0], "级别"], [*LIST[1], "市州"], ["某市", "凉山彝族自治州", "", "", "", "", "市州"]],
     "第 3 行：只有县"),
    ([LIST[0], ["", "凉山州", "", "", "", ""]], "第 2 行：缺少单位名称"),
])
def test_a_bad_unit_list_names_the_problem_and_imports_nothing(db, tmp_path, rows, message) -> None:
    path = _csv(tmp_path, rows)
    with pytest.raises(IngestError, match=message):
        with transaction(db) as s:
            import_unit_list(s, path)
    with transaction(db) as s:
        assert s.scalar(select(func.count(Unit.id))) == 0


def test_captions_text_matches_by_alias_unmatched_are_mapped_in_one_step_and_merge_moves_photos(
        db, store, settings, corpus, tmp_path) -> None:
    with transaction(db) as s:
        album_id = create_album(s, "单位").id
        import_unit_list(s, _csv(tmp_path, LIST))
    photos = sorted((corpus / "photos").glob("*.jpg"))[:4]
    units = ["凉山州", "昭觉 县", "昭觉县文广旅局", "昭觉县文广旅局"]
    report = import_paths(db, store, settings.limits, album_id, photos,
                          captions={p.name: PhotoMeta(unit=u) for p, u in zip(photos, units)})
    assert [o.status for o in report.outcomes] == ["added"] * 4
    with transaction(db) as s:
        album = s.get(Album, album_id)
        by_text = {p.unit: p.unit_id and s.get(Unit, p.unit_id).name for p in s.scalars(select(Photo))}
        assert by_text == {"凉山州": "凉山彝族自治州", "昭觉 县": "昭觉县", "昭觉县文广旅局": None}
        assert [(u.name, u.photos) for u in unmatched_names(s, album)] == [("昭觉县文广旅局", 2)]
        assert map_names(s, album, {"昭觉县文广旅局": find_unit(s, "西昌市").id}) == 2
        assert unmatched_names(s, album) == []
        assert "昭觉县文广旅局" in find_unit(s, "西昌市").aliases
    with transaction(db) as s:
        keep, gone = find_unit(s, "昭觉县"), find_unit(s, "西昌市")
        assert merge_units(s, keep, gone) == 2
    with transaction(db) as s:
        zj = find_unit(s, "西昌市")  # the merged unit's name is now an alias
        assert zj.name == "昭觉县" and {"西昌市", "昭觉县文广旅局", "昭觉"} <= set(zj.aliases)
        assert s.scalar(select(func.count(Photo.id)).where(Photo.unit_id == zj.id)) == 3
        assert s.scalar(select(func.count(Unit.id))) == 3


def test_an_accounts_unit_text_links_it_to_the_unit_it_names(db, tmp_path) -> None:
    from album.accounts import create_user, update_profile

    with transaction(db) as s:
        import_unit_list(s, _csv(tmp_path, LIST))
        person = create_user(s, "li", "password-123", unit="凉山州")
        assert person.unit_id == find_unit(s, "凉山彝族自治州").id
        update_profile(s, person, display_name="李", unit="昭觉县委宣传部")
        assert person.unit_id == find_unit(s, "昭觉县").id
        update_profile(s, person, display_name="李", unit="不在名单的单位")
        assert person.unit_id is None


def test_a_city_with_counties_keeps_its_level(db, tmp_path) -> None:
    from album.campaign.units import save_unit
    from album.errors import AlbumError

    with transaction(db) as s:
        import_unit_list(s, _csv(tmp_path, LIST))
        city = find_unit(s, "凉山州")
        with pytest.raises(AlbumError, match="凉山彝族自治州下还有县（市、区），不能改为其他级别"):
            save_unit(s, city, name=city.name, level=UnitLevel.province)

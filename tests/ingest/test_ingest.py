"""Importing real files: sniffing, limits, duplicates, captions sheets, zips, nothing half-written."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from album.ingest.captions import read_captions
from album.catalog import chapter_summaries, create_album
from album.config import Limits
from album.db import transaction
from album.ingest.importer import import_paths
from album.ingest.intake import check_name
from album.models import Chapter, Photo


@pytest.fixture
def album_id(db):
    with transaction(db) as s:
        return create_album(s, "测试画册").id


def stored_files(store) -> list[str]:
    return list(store.iter_originals())


def photo_count(db) -> int:
    with transaction(db) as s:
        return s.scalar(select(func.count(Photo.id)))


def test_folder_imported_twice_has_no_duplicate_rows_or_files(db, store, settings, album_id, corpus):
    folder = corpus / "photos"
    n = len(list(folder.glob("*.jpg")))
    first = import_paths(db, store, settings.limits, album_id, [folder], chapter="旗帜引领")
    assert first.count("added") == n and not first.refused
    second = import_paths(db, store, settings.limits, album_id, [folder], chapter="旗帜引领")
    assert second.count("duplicate") == n and second.count("added") == 0
    assert photo_count(db) == n
    assert len(stored_files(store)) == n
    with transaction(db) as s:
        assert s.scalar(select(func.count(Chapter.id))) == 1


def test_orientation_6_and_8_stored_upright(db, store, settings, album_id, corpus):
    paths = [corpus / f"exif/jpg/orientation/landscape_{n}.jpg" for n in (1, 6, 8)]
    import_paths(db, store, settings.limits, album_id, paths)
    with transaction(db) as s:
        photos = s.scalars(select(Photo).order_by(Photo.id)).all()
        assert [(p.orientation, p.width_px, p.height_px) for p in photos] == [
            (1, 600, 450), (6, 600, 450), (8, 600, 450)]


def test_exif_fills_date_camera_and_gps(db, store, settings, album_id, corpus):
    import_paths(db, store, settings.limits, album_id, [corpus / "exif/jpg/gps/DSCN0010.jpg"])
    with transaction(db) as s:
        p = s.scalars(select(Photo)).one()
        assert p.date_text == "2008-10-22" and p.camera_make == "NIKON"
        assert p.gps_lat == pytest.approx(43.4674, abs=1e-3)


BAD = {
    "pillow/truncated_jpeg.jpg": "corrupt",
    "pillow/truncated_image.png": "corrupt",
    "pillow/broken.png": "corrupt",
    "pillow/crash-2020-10-test.tif": "corrupt",
    "pillow/decompression_bomb.gif": "unsupported",
    "pillow/hopper.heif": "unsupported",
    "pillow/negative_size.ppm": "not-image",
}


def test_bad_files_refused_by_name_with_reason_and_rest_goes_on(db, store, settings, album_id, corpus, tmp_path):
    disguised = tmp_path / "photo.jpg"
    disguised.write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    good = corpus / "photos/kde-kite.jpg"
    paths = [corpus / name for name in BAD] + [disguised, empty, good]
    report = import_paths(db, store, settings.limits, album_id, paths)
    codes = {o.name: o.code for o in report.refused}
    for name, code in BAD.items():
        assert codes[Path(name).name] == code, name
    assert codes["photo.jpg"] == "not-image"
    assert codes["empty.jpg"] == "empty"
    assert all(o.reason for o in report.refused)
    assert report.count("added") == 1
    assert photo_count(db) == 1 and len(stored_files(store)) == 1


def test_limits_checked_before_decoding(db, store, settings, album_id, corpus):
    tight = Limits(max_upload_bytes=100_000, max_pixels=1_000_000)
    report = import_paths(db, store, tight, album_id, [
        corpus / "photos/kde-kite.jpg",  # 487 KB
        corpus / "exif/jpg/Reconyx_HC500_Hyperfire.jpg",  # 426 KB, 3.1 MP
        corpus / "exif/jpg/orientation/landscape_1.jpg",  # 139 KB, 0.27 MP
    ])
    assert [o.code for o in report.outcomes] == ["too-large", "too-large", "too-large"]
    pixels = Limits(max_upload_bytes=10_000_000, max_pixels=1_000_000)
    report = import_paths(db, store, pixels, album_id, [corpus / "photos/kde-kite.jpg"])
    assert report.outcomes[0].code == "too-many-pixels"
    assert photo_count(db) == 0 and stored_files(store) == []


def test_captions_sheet_csv_fills_metadata_and_chapters(db, store, settings, album_id, corpus, tmp_path):
    sheet = tmp_path / "说明.csv"
    sheet.write_text(
        "文件名,图片说明,摄影,供稿单位,地点,日期,篇目\n"
        "kde-kite.jpg,村民在新建的广场上放风筝。,张三,某县融媒体中心,某县,2020-05-01,时代先锋\n"
        "mate-dune.jpg,沙丘治理后的景象,李四,某市扶贫办,,,基础建设扶贫\n",
        encoding="gbk",
    )
    captions = read_captions(sheet)
    report = import_paths(db, store, settings.limits, album_id,
                          [corpus / "photos/kde-kite.jpg", corpus / "photos/mate-dune.jpg"], captions=captions)
    assert report.count("added") == 2
    with transaction(db) as s:
        kite = s.scalars(select(Photo).where(Photo.original_name == "kde-kite.jpg")).one()
        assert (kite.caption, kite.photographer, kite.unit, kite.place, kite.date_text) == (
            "村民在新建的广场上放风筝。", "张三", "某县融媒体中心", "某县", "2020-05-01")
        assert kite.chapter.title == "时代先锋"
        titles = [c.title for c in chapter_summaries(s, kite.chapter.album)]
        assert titles == ["时代先锋", "基础建设扶贫"]


def test_captions_sheet_xlsx_with_english_headers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["file", "caption", "photographer", "unit", "place", "date", "chapter"])
    wb.active.append(["a/b/x.jpg", "说明", "王五", "单位", "地点", "2021-01-02", "旗帜引领"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    meta = read_captions(path)["x.jpg"]
    assert (meta.caption, meta.photographer, meta.chapter) == ("说明", "王五", "旗帜引领")


def test_captions_sheet_without_file_column_is_a_clear_error(tmp_path):
    from album.errors import IngestError

    sheet = tmp_path / "bad.csv"
    sheet.write_text("说明,摄影\nx,y\n", encoding="utf-8")
    with pytest.raises(IngestError, match="文件名"):
        read_captions(sheet)


@pytest.mark.parametrize("content, reason", [
    (b"not a zip at all", "不是有效的 zip 压缩包"),
    (None, "压缩包里缺少应有的部分，不是完整的 Excel 工作簿"),
])
def test_unreadable_xlsx_captions_sheet_is_explained_in_chinese(tmp_path, content, reason):
    """An unreadable workbook is named with the reason in Chinese, not a library's class name."""
    from album.errors import IngestError

    sheet = tmp_path / "说明.xlsx"
    if content is None:  # a zip, but no workbook inside
        with zipfile.ZipFile(sheet, "w") as zf:
            zf.writestr("readme.txt", "x")
    else:
        sheet.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read_captions(sheet)
    assert str(caught.value) == f"说明表 说明.xlsx：无法读取 Excel 文件（{reason}）"
    assert type(caught.value.__cause__).__name__ not in str(caught.value)


def test_zip_with_gbk_names_traversal_and_bomb(db, store, settings, album_id, corpus, tmp_path):
    archive = tmp_path / "上传.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(corpus / "photos/kde-kite.jpg", "照片/风筝.jpg")
        zf.write(corpus / "photos/mate-dune.jpg", "../../evil.jpg")
        zf.writestr("bomb.jpg", b"\0" * (4 << 20), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("notes.txt", b"hello")
    report = import_paths(db, store, settings.limits, album_id, [archive])
    by_name = {o.name: o for o in report.outcomes}
    assert by_name["照片/风筝.jpg"].status == "added"
    assert by_name["../../evil.jpg"].code == "unsafe-path"
    assert by_name["bomb.jpg"].code == "zip-bomb"
    assert by_name["notes.txt"].code == "not-image"
    assert photo_count(db) == 1 and len(stored_files(store)) == 1
    assert not (tmp_path.parent / "evil.jpg").exists()


@pytest.mark.parametrize("name", ["/etc/passwd.jpg", "C:\\evil.jpg", "照片/../../evil.jpg", "a\u202egpj.exe"])
def test_zip_member_unsafe_name_refused(name):
    from album.errors import IngestError

    with pytest.raises(IngestError) as err:
        check_name(name)
    assert err.value.code == "unsafe-path"
    assert check_name("照片/风筝.jpg") == "风筝.jpg"


def test_store_writes_each_original_once_atomically(store, corpus, tmp_path):
    copy = tmp_path / "copy.jpg"
    shutil.copy(corpus / "photos/kde-kite.jpg", copy)
    a = store.put_original(corpus / "photos/kde-kite.jpg")
    b = store.put_original(copy)
    assert a == b and list(store.iter_originals()) == [a]
    assert not list(store.original_path(a).parent.glob(".tmp-*"))

"""Editor operations in the core (no web): order, moves, captions, focal points, pins, review, thumbnails."""

from __future__ import annotations

import pytest
from PIL import Image
from sqlalchemy.orm.exc import StaleDataError

from album import arrange
from album.catalog import create_album
from album.snapshots import snapshot_album
from album.config import DEFAULT_LAYOUTS
from album.db import transaction
from album.errors import AlbumError, ConflictError, NotFoundError
from album.ingest.importer import ingest_file
from album.models import Album, Chapter, Photo, ReviewState, Role, User
from album.thumbs import page_thumbnail, photo_thumbnail


def make_photo(session, album: Album, n: int, chapter: Chapter | None = None,  # type: ignore[no-untyped-def]
               status: ReviewState = ReviewState.accepted) -> Photo:
    photo = Photo(album_id=album.id, sha256=f"{n:064x}", original_name=f"{n}.jpg", format="JPEG",
                  width_px=300, height_px=200, caption=f"说明{n}", status=status,
                  chapter_id=chapter.id if chapter else None, position=n)
    session.add(photo)
    session.flush()
    return photo


@pytest.fixture
def album_id(db) -> int:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        return create_album(session, "测试画册").id


def test_chapters_order_and_titles(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = session.get(Album, album_id)
        a, b, c = (arrange.create_chapter(session, album, t) for t in ("一", "二", "三"))
        assert [a.position, b.position, c.position] == [1, 2, 3]
        with pytest.raises(AlbumError, match="已有名为"):
            arrange.create_chapter(session, album, "二")
        arrange.reorder_chapters(session, album, [c.id, a.id, b.id])
        with pytest.raises(ConflictError):
            arrange.reorder_chapters(session, album, [c.id, a.id])
        with pytest.raises(ConflictError):
            arrange.reorder_chapters(session, album, [c.id, a.id, a.id])
        arrange.edit_chapter(session, a, title="一（改）", opener_text="开篇", expected_version=a.version)
        with pytest.raises(ConflictError, match="已被他人修改，请刷新后重试"):
            arrange.edit_chapter(session, a, title="x", opener_text="", expected_version=a.version - 1)
    with transaction(db) as session:
        snap = snapshot_album(session, session.get(Album, album_id))
        assert [ch.title for ch in snap.chapters] == ["三", "一（改）", "二"]
        assert snap.chapters[1].opener_text == "开篇"


def test_photos_reorder_move_and_delete_chapter(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = session.get(Album, album_id)
        a, b = arrange.create_chapter(session, album, "甲"), arrange.create_chapter(session, album, "乙")
        p1, p2, p3 = (make_photo(session, album, n, a) for n in (1, 2, 3))
        arrange.reorder_photos(session, a, [p3.id, p1.id, p2.id])
        arrange.move_photo(session, p1, b)
        assert (p1.chapter_id, p1.position) == (b.id, 1)
        with pytest.raises(ConflictError):
            arrange.reorder_photos(session, a, [p3.id, p1.id, p2.id])  # p1 is no longer there
    with transaction(db) as session:
        snap = snapshot_album(session, session.get(Album, album_id))
        assert [[p.caption for p in ch.photos] for ch in snap.chapters] == [["说明3", "说明2"], ["说明1"]]
        arrange.delete_chapter(session, session.get(Chapter, a.id))
    with transaction(db) as session:
        assert session.get(Photo, p3.id).chapter_id is None
        assert session.get(Photo, p3.id) is not None


def test_captions_focal_points_and_submissions(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = session.get(Album, album_id)
        owner = User(username="owner", password_hash="-", role=Role.contributor)
        stranger = User(username="stranger", password_hash="-", role=Role.contributor)
        session.add_all([owner, stranger])
        session.flush()
        photo = make_photo(session, album, 1, status=ReviewState.rejected)
        photo.submitter_id = owner.id
        photo.reject_reason = "太暗"
        with pytest.raises(AlbumError, match="请填写图片说明"):
            arrange.edit_photo(session, photo, caption=" ", expected_version=None)
        with pytest.raises(NotFoundError):
            arrange.edit_submission(session, photo, stranger.id, caption="别人", expected_version=None)
        arrange.edit_submission(session, photo, owner.id, caption="重拍后", expected_version=None)
        assert (photo.status, photo.reject_reason) == (ReviewState.submitted, "")  # back in the queue
        photo.status = ReviewState.accepted
        with pytest.raises(AlbumError, match="已被采用"):
            arrange.edit_submission(session, photo, owner.id, caption="再改", expected_version=None)
        arrange.set_focal_point(session, photo, 0.1, 0.9)
        assert (photo.focal_x, photo.focal_y) == (0.1, 0.9)
        for bad in ((-0.1, 0.5), (0.5, 1.01), (float("nan"), 0.5)):
            with pytest.raises(AlbumError):
                arrange.set_focal_point(session, photo, *bad)


def test_concurrent_edit_raises_stale_data(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        photo_id = make_photo(session, session.get(Album, album_id), 1).id
    first, second = db(), db()
    try:
        mine, theirs = first.get(Photo, photo_id), second.get(Photo, photo_id)
        theirs.caption = "他们先改"
        second.commit()
        mine.caption = "我后改"
        with pytest.raises(StaleDataError):
            first.commit()
    finally:
        first.close()
        second.close()


def test_pins_templates_and_bulk_review(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    names = arrange.list_templates(DEFAULT_LAYOUTS)
    assert names[:2] == ["alone", "spread"] and "two-wide" in names
    assert "toc" not in names and "opener" not in names  # no photo slots: nothing to pin
    with transaction(db) as session:
        album = session.get(Album, album_id)
        p1, p2, p3 = (make_photo(session, album, n, status=ReviewState.submitted) for n in (1, 2, 3))
        arrange.pin_photos(session, album, "two-wide", [p1.id, p2.id], names)
        arrange.pin_photos(session, album, "alone", [p2.id], names)
        assert {pid: pin.template for pid, pin in arrange.pins_by_photo(session, album).items()} == {p2.id: "alone"}
        with pytest.raises(AlbumError, match="一次只能选一张"):
            arrange.pin_photos(session, album, "alone", [p1.id, p3.id], names)
        with pytest.raises(AlbumError, match="没有名为"):
            arrange.pin_photos(session, album, "nope", [p1.id], names)
        p3.caption = ""
        with pytest.raises(AlbumError, match="还没有图片说明"):
            arrange.bulk_review(session, album, [p1.id, p3.id], True)
        assert arrange.bulk_review(session, album, [p1.id, p2.id], True) == 2
        assert arrange.bulk_review(session, album, [p3.id], False, "重复") == 1
        assert (p3.status, p3.reject_reason) == (ReviewState.rejected, "重复")
        page = arrange.find_photos(session, album, status=ReviewState.accepted, per_page=1)
        assert (page.total, page.pages, len(page.photos)) == (2, 2, 1)


def test_photo_thumbnails_are_upright_and_cached(db, store, settings, corpus) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        album = create_album(session, "缩略图")
        photo, _ = ingest_file(session, store, settings.limits, album,
                               corpus / "exif/jpg/orientation/portrait_6.jpg")
        sha = photo.sha256
    with Image.open(corpus / "exif/jpg/orientation/portrait_6.jpg") as raw:
        stored = raw.size
    path = photo_thumbnail(store, sha, 320)
    with Image.open(path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320
        assert (thumb.width > thumb.height) == (stored[1] > stored[0])  # axes swapped: upright
    mtime = path.stat().st_mtime_ns
    assert photo_thumbnail(store, sha, 320) == path and path.stat().st_mtime_ns == mtime
    with pytest.raises(AlbumError):
        photo_thumbnail(store, sha, 77)
    with pytest.raises(NotFoundError):
        photo_thumbnail(store, "0" * 64, 320)


def test_page_thumbnails_of_a_pdf(tmp_path, store) -> None:  # type: ignore[no-untyped-def]
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "landscape.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(800, 400))
    c.showPage()
    c.showPage()
    c.save()
    path = page_thumbnail(store, pdf, 2, 240)
    with Image.open(path) as img:
        assert img.size == (240, 120)
    with pytest.raises(NotFoundError):
        page_thumbnail(store, pdf, 3, 240)


def test_page_multiple_is_one_the_paginator_accepts(db, album_id: int) -> None:  # type: ignore[no-untyped-def]
    from album.layout.templates import load_templates
    from album.layout.paginate import paginate
    from album.layout.snapshot import PAGE_MULTIPLES

    for refused in (1, 2, 5, 32):
        with transaction(db) as s, pytest.raises(AlbumError, match="页数倍数"):
            arrange.update_album(s, s.get(Album, album_id), expected_version=None, title="T",
                                 page_multiple=refused)
    assert PAGE_MULTIPLES
    for multiple in PAGE_MULTIPLES:
        with transaction(db) as s:
            album = s.get(Album, album_id)
            arrange.update_album(s, album, expected_version=None, title="T", page_multiple=multiple)
            book = paginate(snapshot_album(s, album), load_templates(DEFAULT_LAYOUTS))
        assert book.page_count % multiple == 0

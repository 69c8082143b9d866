"""Optimistic locking: two editors load the same record, both save; the later save is refused
(StaleDataError, which the web layer turns into ConflictError) and the earlier edit survives."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from album.catalog import create_album, get_or_create_chapter
from album.db import transaction
from album.models import Chapter, Photo

pytestmark = pytest.mark.db


@pytest.fixture
def photo_id(db) -> int:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        album = create_album(s, "并发")
        chapter = get_or_create_chapter(s, album, "第一篇")
        photo = Photo(album_id=album.id, chapter_id=chapter.id, sha256="ab" * 32, original_name="a.jpg",
                      format="JPEG", width_px=3000, height_px=2000, caption="原说明")
        s.add(photo)
        s.flush()
        return photo.id


def test_second_caption_save_is_refused_and_first_survives(db, photo_id: int) -> None:  # type: ignore[no-untyped-def]
    first, second = db(), db()
    try:
        mine, theirs = first.get(Photo, photo_id), second.get(Photo, photo_id)
        assert mine.version == theirs.version == 1
        mine.caption = "编辑甲的说明"
        theirs.caption = "编辑乙的说明"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    with transaction(db) as s:
        photo = s.get(Photo, photo_id)
        assert (photo.caption, photo.version) == ("编辑甲的说明", 2)


def test_after_reloading_the_loser_sees_the_winner_and_can_save(db, photo_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        s.get(Photo, photo_id).caption = "先保存的"
    with transaction(db) as s:
        photo = s.get(Photo, photo_id)
        assert photo.caption == "先保存的"
        photo.caption = "重新载入后修改"
    with transaction(db) as s:
        assert (s.get(Photo, photo_id).caption, s.get(Photo, photo_id).version) == ("重新载入后修改", 3)


def test_concurrent_chapter_reorder_is_refused_too(db, photo_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        chapter_id = s.scalars(select(Chapter.id)).one()
    first, second = db(), db()
    try:
        first.get(Chapter, chapter_id).position = 5
        second.get(Chapter, chapter_id).position = 9
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    with transaction(db) as s:
        assert s.get(Chapter, chapter_id).position == 5

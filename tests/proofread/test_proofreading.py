"""Name groups, the glossary's preview and apply, and one-click caption fixes on a real SQLite home."""

from __future__ import annotations

import pytest

from album import proofreading
from album.catalog import create_album, get_or_create_chapter
from album.db import transaction
from album.errors import AlbumError, ConflictError
from album.models import Album, Photo, ReviewState
from album.proofread.names import group_names, name_key, tidy


def test_name_groups_join_spellings_of_one_name() -> None:
    groups = {g.key: g for g in group_names([
        "凉山州扶贫开发局", "凉山彝族自治州扶贫开发局", "凉山州扶贫开发局",
        "吉克 阿呷", "吉克阿呷", "吉克阿呷", "峨边彝族自治县", "峨边县", "ＣＣＴＶ记者", "CCTV记者",
        "阿坝藏族羌族自治州", "阿坝州", "昭觉县", "布拖县", "", "  "])}
    assert set(groups) == {"凉山州扶贫开发局", "吉克阿呷", "峨边县", "cctv记者", "阿坝州"}
    assert groups["凉山州扶贫开发局"].suggestion == "凉山彝族自治州扶贫开发局"  # the official long form
    assert groups["凉山州扶贫开发局"].variants == (("凉山州扶贫开发局", 2), ("凉山彝族自治州扶贫开发局", 1))
    assert groups["吉克阿呷"].suggestion == "吉克阿呷"  # tidy and most frequent
    assert groups["峨边县"].suggestion == "峨边彝族自治县"
    assert groups["cctv记者"].suggestion == "CCTV记者"
    assert groups["阿坝州"].suggestion == "阿坝藏族羌族自治州"
    assert name_key("凉山 州") == name_key("凉山彝族自治州")
    assert name_key("昭觉县") != name_key("布拖县")
    # no tidy spelling among the variants: the tidied most frequent one
    only_untidy = group_names(["王 芳 ", "王 芳 ", " 王芳"])
    assert [g.suggestion for g in only_untidy] == ["王芳"]
    assert tidy("John  Smith ") == "John Smith"


def _photo(session, album: Album, n: int, **fields) -> Photo:  # type: ignore[no-untyped-def]
    photo = Photo(album_id=album.id, sha256=f"{n:064x}", original_name=f"{n}.jpg", format="JPEG",
                  width_px=600, height_px=400, status=fields.pop("status", ReviewState.accepted), **fields)
    session.add(photo)
    session.flush()
    return photo


@pytest.fixture
def album_rows(db):  # type: ignore[no-untyped-def]
    """An album of four photos: three with glossary variants (one rejected), one already right."""
    with transaction(db) as session:
        album = create_album(session, "凉山脱贫攻坚纪实")
        chapter = get_or_create_chapter(session, album, "搬迁")
        ids = [
            _photo(session, album, 1, chapter_id=chapter.id, position=1,
                   caption="凉山州昭觉县的安置点。", unit="凉山州扶贫开发局", photographer="吉克 阿呷").id,
            _photo(session, album, 2, chapter_id=chapter.id, position=2,
                   caption="凉山彝族自治州布拖县的花椒园。", unit="凉山彝族自治州扶贫开发局").id,
            _photo(session, album, 3, caption="悬崖村的钢梯。", place="凉山州昭觉县").id,
            _photo(session, album, 4, caption="凉山州的旧房。", status=ReviewState.rejected).id,
        ]
    return ids


def test_glossary_preview_then_apply(db, album_rows) -> None:  # type: ignore[no-untyped-def]
    first, _second, third, rejected = album_rows
    with transaction(db) as session:
        album = session.get(Album, 1)
        proofreading.add_glossary_entry(session, album, "凉山彝族自治州", "凉山州、凉山 州",
                                        expected_version=album.version)
        with pytest.raises(AlbumError, match="不能同时"):
            proofreading.add_glossary_entry(session, album, "布拖县", ["布拖县"], expected_version=None)
    with transaction(db) as session:
        album = session.get(Album, 1)
        assert album.glossary == [{"correct": "凉山彝族自治州", "variants": ["凉山州", "凉山 州"]}]
        preview = proofreading.preview_glossary(session, album)
    assert [(c.photo_id, c.field, c.before, c.after) for c in preview] == [
        (first, "caption", "凉山州昭觉县的安置点。", "凉山彝族自治州昭觉县的安置点。"),
        (first, "unit", "凉山州扶贫开发局", "凉山彝族自治州扶贫开发局"),
        (third, "place", "凉山州昭觉县", "凉山彝族自治州昭觉县"),
    ]  # photo 2 already right, the rejected photo 4 left alone
    seen = {c.photo_id: c.version for c in preview}

    with transaction(db) as session:
        changes = proofreading.apply_glossary_changes(session, session.get(Album, 1), seen)
        assert len(changes) == 3
    with transaction(db) as session:
        assert session.get(Photo, first).caption == "凉山彝族自治州昭觉县的安置点。"
        assert session.get(Photo, third).place == "凉山彝族自治州昭觉县"
        assert session.get(Photo, rejected).caption == "凉山州的旧房。"
        assert proofreading.preview_glossary(session, session.get(Album, 1)) == []
        with pytest.raises(AlbumError, match="没有可替换"):
            proofreading.apply_glossary_changes(session, session.get(Album, 1), seen)


def test_glossary_apply_refuses_a_photo_edited_after_the_preview(db, album_rows) -> None:  # type: ignore[no-untyped-def]
    first, _second, third, _rejected = album_rows
    with transaction(db) as session:
        album = session.get(Album, 1)
        proofreading.add_glossary_entry(session, album, "凉山彝族自治州", ["凉山州"], expected_version=None)
        preview = proofreading.preview_glossary(session, album)
    seen = {c.photo_id: c.version for c in preview}
    with transaction(db) as session:  # someone else edits photo 3 after the preview
        session.get(Photo, third).caption = "悬崖村的新钢梯。"
    with pytest.raises(ConflictError), transaction(db) as session:
        proofreading.apply_glossary_changes(session, session.get(Album, 1), seen)
    with transaction(db) as session:  # nothing half-written
        assert session.get(Photo, first).caption == "凉山州昭觉县的安置点。"
        assert session.get(Photo, third).caption == "悬崖村的新钢梯。"


def test_caption_finding_applied_once_with_version_check(db, album_rows) -> None:  # type: ignore[no-untyped-def]
    first = album_rows[0]
    with transaction(db) as session:
        photo = session.get(Photo, first)
        photo.caption = "19年,凉山州昭觉县的安置点..."
    with transaction(db) as session:
        photo = session.get(Photo, first)
        findings = [f for pf in proofreading.album_findings(session, session.get(Album, 1))
                    if pf.photo_id == first for f in [pf.finding]]
        comma = next(f for f in findings if f.rule == "punct.halfwidth")
        version = photo.version
        proofreading.apply_caption_finding(session, photo, expected_version=version,
                                           rule=comma.rule, start=comma.start, end=comma.end)
    with transaction(db) as session:
        photo = session.get(Photo, first)
        assert photo.caption == "19年，凉山州昭觉县的安置点..."
        with pytest.raises(ConflictError):  # the page was loaded before that edit
            proofreading.apply_caption_finding(session, photo, expected_version=version,
                                               rule=comma.rule, start=comma.start, end=comma.end)
        with pytest.raises(AlbumError, match="不适用"):
            proofreading.apply_caption_finding(session, photo, expected_version=photo.version,
                                               rule=comma.rule, start=comma.start, end=comma.end)
        assert proofreading.apply_all_caption_findings(session, photo, expected_version=photo.version) == 2
        assert photo.caption == "2019年，凉山州昭觉县的安置点……"


def test_name_groups_of_an_album(db, album_rows) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as session:
        groups = proofreading.name_groups(session, session.get(Album, 1))
    assert [g.suggestion for g in groups["unit"]] == ["凉山彝族自治州扶贫开发局"]
    assert groups["photographer"] == [] and groups["place"] == []

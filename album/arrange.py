"""Editor operations on an album: chapters, photo order, captions, focal points, pins, review.

Each function takes a Session and plain values and changes rows; the caller owns the
transaction. Edits made from a form carry the version the person saw, so a change made by
someone else in between is refused with ConflictError instead of being silently overwritten.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from album.catalog import next_photo_position, parse_trim, review
from album.colophon import clean_colophon
from album.errors import AlbumError, ConflictError, NotFoundError
from album.icc import read_icc
from album.layout.snapshot import PAGE_MULTIPLES
from album.map_approval import clean_map_flag
from album.models import Album, Chapter, Photo, Pin, ReviewState, Unit, User
from album.unit_names import unit_id_for

SPECIAL_PINS = ("alone", "spread")
CAPTION_MAX = 2000
PHOTO_TEXT_FIELDS = ("caption", "photographer", "unit", "place", "date_text")


def check_version(obj: Album | Chapter | Photo, expected: int | None) -> None:
    """Refuse an edit based on an older version of ``obj`` than the one stored."""
    if expected is not None and obj.version != expected:
        raise ConflictError()


def _clean(text: str, limit: int, label: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise AlbumError(f"{label}太长（最多 {limit} 字）")
    return text


# --- chapters -------------------------------------------------------------------------------


def get_chapter(session: Session, album: Album, chapter_id: int) -> Chapter:
    chapter = session.get(Chapter, chapter_id)
    if chapter is None or chapter.album_id != album.id:
        raise NotFoundError(f"没有编号为 {chapter_id} 的篇目")
    return chapter


def create_chapter(session: Session, album: Album, title: str, opener_text: str = "") -> Chapter:
    """A new chapter at the end; titles are unique within an album."""
    title = _clean(title, 200, "篇目名称")
    if not title:
        raise AlbumError("请填写篇目名称")
    _title_free(session, album, title)
    last = session.scalar(select(func.max(Chapter.position)).where(Chapter.album_id == album.id))
    chapter = Chapter(
        album_id=album.id, title=title, opener_text=_clean(opener_text, 5000, "篇首语"),
        position=(last or 0) + 1,
    )
    session.add(chapter)
    session.flush()
    return chapter


def _title_free(session: Session, album: Album, title: str, keep: Chapter | None = None) -> None:
    clash = session.scalars(
        select(Chapter).where(Chapter.album_id == album.id, Chapter.title == title)
    ).first()
    if clash is not None and clash is not keep:
        raise AlbumError(f"已有名为“{title}”的篇目")


def edit_chapter(
    session: Session, chapter: Chapter, *, title: str, opener_text: str, expected_version: int | None
) -> None:
    """Rename a chapter and set its opener text."""
    check_version(chapter, expected_version)
    title = _clean(title, 200, "篇目名称")
    if not title:
        raise AlbumError("请填写篇目名称")
    _title_free(session, chapter.album, title, keep=chapter)
    chapter.title = title
    chapter.opener_text = _clean(opener_text, 5000, "篇首语")


def set_opener_photo(session: Session, chapter: Chapter, photo_id: int | None) -> None:
    """Pick the photo the chapter opens on (None: the layout engine chooses); only an accepted
    photo of this chapter can be picked, since only those are laid out."""
    if photo_id is not None:
        photo = session.get(Photo, photo_id)
        if photo is None or photo.chapter_id != chapter.id:
            raise AlbumError(f"照片 #{photo_id} 不在篇目“{chapter.title}”中")
        if photo.status != ReviewState.accepted:
            raise AlbumError(f"照片 #{photo_id} 尚未采用，不能作篇章页照片")
    chapter.opener_photo_id = photo_id


def delete_chapter(session: Session, chapter: Chapter) -> None:
    """Remove a chapter; its photos stay in the album, outside any chapter."""
    for photo in list(chapter.photos):
        photo.chapter_id = None
        photo.position = 0
    session.delete(chapter)
    session.flush()


def _same_set(given: Sequence[int], existing: Iterable[int], what: str) -> None:
    if len(given) != len(set(given)) or set(given) != set(existing):
        raise ConflictError(f"{what}已被他人修改，请刷新后重试")


def reorder_chapters(session: Session, album: Album, chapter_ids: Sequence[int]) -> None:
    """Put the album's chapters in the given order; the list must name each chapter once."""
    chapters = {c.id: c for c in session.scalars(select(Chapter).where(Chapter.album_id == album.id))}
    _same_set(chapter_ids, chapters, "篇目列表")
    for position, chapter_id in enumerate(chapter_ids, 1):
        if chapters[chapter_id].position != position:
            chapters[chapter_id].position = position


# --- photos in chapters ---------------------------------------------------------------------


def get_album_photo(session: Session, album: Album, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None or photo.album_id != album.id:
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def reorder_photos(session: Session, chapter: Chapter, photo_ids: Sequence[int]) -> None:
    """Order a chapter's photos as given; the list must name each of its photos once."""
    photos = {p.id: p for p in session.scalars(select(Photo).where(Photo.chapter_id == chapter.id))}
    _same_set(photo_ids, photos, "本篇照片")
    for position, photo_id in enumerate(photo_ids, 1):
        if photos[photo_id].position != position:
            photos[photo_id].position = position


def move_photo(session: Session, photo: Photo, chapter: Chapter | None) -> None:
    """Move a photo to the end of another chapter (or out of every chapter with None)."""
    if chapter is not None and chapter.album_id != photo.album_id:
        raise AlbumError("不能移到其他画册的篇目")
    new_id = chapter.id if chapter is not None else None
    if photo.chapter_id == new_id:
        return
    position = next_photo_position(session, new_id)  # before the move, or autoflush counts it
    photo.chapter_id = new_id
    photo.position = position


def edit_photo(
    session: Session,
    photo: Photo,
    *,
    expected_version: int | None,
    caption: str,
    photographer: str = "",
    unit: str = "",
    place: str = "",
    date_text: str = "",
    has_map: bool | None = None,
    map_basis: str = "",
    map_reference: str = "",
) -> None:
    """Set caption and credits; a caption is required because every printed photo carries one.
    ``has_map`` None leaves the map flag as it is (forms that do not show it)."""
    check_version(photo, expected_version)
    caption = _clean(caption, CAPTION_MAX, "图片说明")
    if not caption:
        raise AlbumError("请填写图片说明")
    photo.caption = caption
    photo.photographer = _clean(photographer, 200, "摄影")
    photo.unit = _clean(unit, 200, "供稿单位")
    photo.unit_id = unit_id_for(session, photo.unit, photo.submitter_id)
    photo.place = _clean(place, 300, "地点")
    photo.date_text = _clean(date_text, 60, "日期")
    if has_map is not None:
        set_photo_map(photo, has_map, map_basis, map_reference)


def edit_submission(
    session: Session, photo: Photo, user_id: int, *, chapter_title: str = "", **fields: object
) -> None:
    """A contributor's edit of their own photo, allowed only while it is not yet accepted."""
    if photo.submitter_id != user_id:
        raise NotFoundError(f"没有编号为 {photo.id} 的照片")
    if photo.status == ReviewState.accepted:
        raise AlbumError("照片已被采用，不能再修改；如需更正请联系编辑")
    edit_photo(session, photo, **fields)  # type: ignore[arg-type]
    title = _clean(chapter_title, 200, "篇目")
    if title:
        chapter = session.scalars(
            select(Chapter).where(Chapter.album_id == photo.album_id, Chapter.title == title)
        ).first()
        if chapter is None:
            raise AlbumError(f"没有名为“{title}”的篇目")
        move_photo(session, photo, chapter)
    if photo.status == ReviewState.rejected:
        # A corrected submission goes back to the queue rather than staying refused.
        photo.status = ReviewState.submitted
        photo.reject_reason = ""


def set_focal_point(session: Session, photo: Photo, x: float, y: float) -> None:
    """The point (fractions of the upright width and height) that cropping keeps in view."""
    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= 1 and 0 <= y <= 1):
        raise AlbumError("焦点坐标应在 0 到 1 之间")
    photo.focal_x = round(x, 4)
    photo.focal_y = round(y, 4)


# --- pins -----------------------------------------------------------------------------------


def list_templates(layouts_dir: Path) -> list[str]:
    """Names of the photo-page templates an editor can pin, after the two special pins."""
    from album.layout.templates import load_templates

    try:
        loaded = load_templates(layouts_dir)
        names = sorted(t.name for t in loaded.templates.values() if t.photos)
    except AlbumError:
        # A broken layouts folder must not take the arrangement page down with it.
        names = sorted(p.stem for p in layouts_dir.glob("*.toml")) if layouts_dir.is_dir() else []
    return [*SPECIAL_PINS, *[n for n in names if n not in SPECIAL_PINS]]


def pin_photos(
    session: Session, album: Album, template: str, photo_ids: Sequence[int], known: Sequence[str]
) -> Pin:
    """Pin photos to a template (or ``alone`` / ``spread``); a photo has at most one pin."""
    if template not in known:
        raise AlbumError(f"没有名为 {template} 的版式")
    ids = list(dict.fromkeys(int(i) for i in photo_ids))
    if not ids:
        raise AlbumError("请选择要固定版式的照片")
    if template == "alone" and len(ids) != 1:
        raise AlbumError("“单独成页”一次只能选一张照片")
    unpin_photos(session, album, ids)
    pin = Pin(album_id=album.id, template=template, photo_ids=ids)
    session.add(pin)
    session.flush()
    return pin


def unpin_photos(session: Session, album: Album, photo_ids: Sequence[int]) -> None:
    """Remove every pin holding any of these photos (each must belong to the album)."""
    ids = {int(i) for i in photo_ids}
    for photo_id in ids:
        get_album_photo(session, album, photo_id)
    for pin in session.scalars(select(Pin).where(Pin.album_id == album.id)):
        if ids & set(pin.photo_ids):
            session.delete(pin)


def unpin(session: Session, album: Album, pin_id: int) -> None:
    pin = session.get(Pin, pin_id)
    if pin is None or pin.album_id != album.id:
        raise NotFoundError(f"没有编号为 {pin_id} 的版式固定")
    session.delete(pin)


def pins_by_photo(session: Session, album: Album) -> dict[int, Pin]:
    return {
        photo_id: pin
        for pin in session.scalars(select(Pin).where(Pin.album_id == album.id))
        for photo_id in pin.photo_ids
    }


# --- review ---------------------------------------------------------------------------------


def bulk_review(
    session: Session, album: Album, photo_ids: Sequence[int], accept: bool, reason: str = ""
) -> int:
    """Accept or reject many photos at once; returns how many changed."""
    if not photo_ids:
        raise AlbumError("请先选择照片")
    if not accept and not reason.strip():
        raise AlbumError("不采用时请填写原因")
    count = 0
    for photo_id in dict.fromkeys(photo_ids):
        photo = get_album_photo(session, album, int(photo_id))
        if accept and not photo.caption.strip():
            raise AlbumError(f"照片 {photo.original_name} 还没有图片说明，不能采用")
        review(session, photo, accept, reason)
        count += 1
    return count


@dataclass(frozen=True)
class PhotoPage:
    photos: list[Photo]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class PhotoScope:
    """The campaign's filters of a review queue: one unit, one 市州 with its counties, and the
    upload window of one collection round."""

    unit_id: int | None = None
    city_id: int | None = None
    uploaded_from: datetime | None = None
    uploaded_before: datetime | None = None

    def conditions(self) -> list[object]:
        found: list[object] = []
        if self.unit_id is not None:
            found.append(Photo.unit_id == self.unit_id)
        if self.city_id is not None:
            found.append(Photo.unit_id.in_(select(Unit.id).where(
                or_(Unit.id == self.city_id, Unit.parent_id == self.city_id))))
        if self.uploaded_from is not None:
            found.append(Photo.created_at >= self.uploaded_from)
        if self.uploaded_before is not None:
            found.append(Photo.created_at < self.uploaded_before)
        return found


def find_photos(
    session: Session,
    album: Album,
    *,
    status: ReviewState | None = None,
    chapter_id: int | None = None,
    unassigned: bool = False,
    submitter_id: int | None = None,
    unit: str = "",
    scope: PhotoScope | None = None,
    oldest_first: bool = False,
    page: int = 1,
    per_page: int = 60,
) -> PhotoPage:
    """One page of an album's photos, newest first (or oldest, as a review queue works through
    them), filtered as a review queue needs."""
    query = select(Photo).where(Photo.album_id == album.id)
    if scope is not None:
        query = query.where(*scope.conditions())
    if status is not None:
        query = query.where(Photo.status == status)
    if unassigned:
        query = query.where(Photo.chapter_id.is_(None))
    elif chapter_id is not None:
        query = query.where(Photo.chapter_id == chapter_id)
    if submitter_id is not None:
        query = query.where(Photo.submitter_id == submitter_id)
    if unit:
        query = query.where(Photo.unit == unit)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    photos = list(
        session.scalars(query.options(selectinload(Photo.submitter), selectinload(Photo.chapter))
                        .order_by(*((Photo.created_at, Photo.id) if oldest_first
                                    else (Photo.created_at.desc(), Photo.id.desc())))
                        .offset((page - 1) * per_page).limit(per_page))
    )
    return PhotoPage(photos, total, page, per_page)


def chapter_photos(session: Session, chapter: Chapter) -> list[Photo]:
    """Every photo in the chapter (any review state), in the chapter's order."""
    return list(session.scalars(
        select(Photo).where(Photo.chapter_id == chapter.id).order_by(Photo.position, Photo.id)))


def submitters(session: Session, album: Album) -> list[User]:
    """People who have submitted photos to the album, by user name (the review queue's filter)."""
    ids = select(Photo.submitter_id).where(Photo.album_id == album.id).distinct()
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))


def units_in_album(session: Session, album: Album) -> list[str]:
    return [u for u in session.scalars(
        select(Photo.unit).where(Photo.album_id == album.id, Photo.unit != "").distinct().order_by(Photo.unit)
    )]


# --- album settings -------------------------------------------------------------------------


def update_album(
    session: Session,
    album: Album,
    *,
    expected_version: int | None,
    title: str,
    subtitle: str = "",
    publisher: str = "",
    trim: str = "",
    preface: str = "",
    afterword: str = "",
    copyright_text: str = "",
    page_multiple: int = 4,
    paper_caliper_mm: float = 0.1,
    icc_profile_path: str = "",
) -> None:
    """Album title, trim size, front matter texts and print settings from the settings form."""
    check_version(album, expected_version)
    title = _clean(title, 200, "画册标题")
    if not title:
        raise AlbumError("请填写画册标题")
    if page_multiple not in PAGE_MULTIPLES:
        raise AlbumError(f"页数倍数应为 {'、'.join(map(str, PAGE_MULTIPLES))} 之一")
    if not (0.03 <= paper_caliper_mm <= 1.0):
        raise AlbumError("纸张厚度应在 0.03–1 毫米之间")
    icc = (icc_profile_path or "").strip()
    if icc:
        read_icc(Path(icc))  # a printer's profile that cannot be embedded is refused now, not at render
    if trim:
        album.trim_width_mm, album.trim_height_mm = parse_trim(trim.strip())
    album.title = title
    album.subtitle = _clean(subtitle, 300, "副标题")
    album.publisher = _clean(publisher, 200, "出版单位")
    album.preface = _clean(preface, 20000, "前言")
    album.afterword = _clean(afterword, 20000, "后记")
    album.copyright_text = _clean(copyright_text, 5000, "版权页文字")
    album.page_multiple = page_multiple
    album.paper_caliper_mm = paper_caliper_mm
    album.icc_profile_path = icc


# --- 版权页 and maps --------------------------------------------------------------------------


def update_colophon(session: Session, album: Album, values: Mapping[str, str], *,
                    expected_version: int | None) -> dict[str, str]:
    """Replace the album's 版权页 fields with ``values`` (checked and normalised by
    ``album.colophon``); nothing is stored when one field is refused."""
    check_version(album, expected_version)
    album.colophon = clean_colophon(values)
    return album.colophon


def set_photo_map(photo: Photo, has_map: bool, basis: str = "", reference: str = "") -> None:
    """Flag (or unflag) a photo as showing a map, with its 审图号, 标准地图 source or exemption."""
    photo.has_map, photo.map_basis, photo.map_reference = clean_map_flag(has_map, basis, reference)

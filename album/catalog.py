"""Album, chapter and review operations on a SQLAlchemy session; callers own the transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from album.errors import AlbumError, NotFoundError
from album.models import Album, Chapter, Photo, ReviewState

TRIM_PRESETS = {
    "大16开": (210.0, 285.0),
    "A4": (210.0, 297.0),
    "横16开": (285.0, 210.0),
    "方形": (250.0, 250.0),
}


def parse_trim(text: str) -> tuple[float, float]:
    """``210x285`` (mm) or a preset name such as ``A4`` → (width, height) in mm."""
    if text in TRIM_PRESETS:
        return TRIM_PRESETS[text]
    try:
        w, h = (float(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise AlbumError(f"成品尺寸格式应为 宽x高（毫米），例如 210x285，而不是 {text!r}") from None
    if not (50 <= w <= 600 and 50 <= h <= 600):
        raise AlbumError(f"成品尺寸 {w:g}×{h:g} mm 超出可印范围（50–600 mm）")
    return w, h


def create_album(session: Session, title: str, trim: tuple[float, float] = (210.0, 285.0)) -> Album:
    album = Album(title=title, trim_width_mm=trim[0], trim_height_mm=trim[1])
    session.add(album)
    session.flush()
    return album


def find_album(session: Session) -> Album | None:
    """The album of this home (one per home in the CLI), the oldest if there are several; or None."""
    return session.scalars(select(Album).order_by(Album.id).limit(1)).first()


def ensure_album(session: Session) -> Album:
    """The album of this home, made empty (未命名画册) when there is none, so a fresh web app works
    before ``album init`` was run."""
    return find_album(session) or create_album(session, "未命名画册")


def current_album(session: Session) -> Album:
    """The album of this home; a clear error when there is none yet."""
    album = find_album(session)
    if album is None:
        raise NotFoundError("这里还没有画册：请先运行 album init --title 标题")
    return album


def get_or_create_chapter(session: Session, album: Album, title: str) -> Chapter:
    title = title.strip()
    chapter = session.scalars(
        select(Chapter).where(Chapter.album_id == album.id, Chapter.title == title)
    ).first()
    if chapter is None:
        last = session.scalar(
            select(func.max(Chapter.position)).where(Chapter.album_id == album.id)
        )
        chapter = Chapter(album_id=album.id, title=title, position=(last or 0) + 1)
        session.add(chapter)
        session.flush()
    return chapter


def next_photo_position(session: Session, chapter_id: int | None) -> int:
    if chapter_id is None:
        return 0
    last = session.scalar(select(func.max(Photo.position)).where(Photo.chapter_id == chapter_id))
    return (last or 0) + 1


@dataclass(frozen=True)
class ChapterSummary:
    id: int
    position: int
    title: str
    photos: int
    accepted: int
    opener_photo_id: int | None = None


def chapter_summaries(session: Session, album: Album) -> list[ChapterSummary]:
    rows = session.execute(
        select(
            Chapter.id,
            Chapter.position,
            Chapter.title,
            func.count(Photo.id),
            func.count(Photo.id).filter(Photo.status == ReviewState.accepted),
            Chapter.opener_photo_id,
        )
        .outerjoin(Photo, Photo.chapter_id == Chapter.id)
        .where(Chapter.album_id == album.id)
        .group_by(Chapter.id, Chapter.position, Chapter.title, Chapter.opener_photo_id)
        .order_by(Chapter.position, Chapter.id)
    ).all()
    return [ChapterSummary(*row) for row in rows]


def get_photo(session: Session, photo_id: int) -> Photo:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def review(session: Session, photo: Photo, accept: bool, reason: str = "") -> None:
    """Accept, or reject with a reason a contributor can act on."""
    if not accept and not reason.strip():
        raise AlbumError("不采用时请填写原因")
    photo.status = ReviewState.accepted if accept else ReviewState.rejected
    photo.reject_reason = "" if accept else reason.strip()

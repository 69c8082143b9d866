"""Freeze an album's rows into the plain snapshot the layout engine reads (one transaction, no
lazy loads after it), so pagination never touches the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.layout.snapshot import (
    AlbumSnapshot,
    ChapterSnapshot,
    PhotoSnapshot,
    PinSnapshot,
)
from album.models import Album, Chapter, Photo, Pin, ReviewState


def snapshot_album(session: Session, album: Album) -> AlbumSnapshot:
    """Freeze the album for layout: chapters in order, their accepted photos in order, pins."""
    chapters = []
    for chapter in session.scalars(
        select(Chapter).where(Chapter.album_id == album.id).order_by(Chapter.position, Chapter.id)
    ):
        photos = session.scalars(
            select(Photo)
            .where(Photo.chapter_id == chapter.id, Photo.status == ReviewState.accepted)
            .order_by(Photo.position, Photo.id)
        )
        chapters.append(
            ChapterSnapshot(
                id=chapter.id,
                title=chapter.title,
                opener_text=chapter.opener_text,
                photos=tuple(photo_snapshot(p) for p in photos),
                opener_photo_id=chapter.opener_photo_id,
            )
        )
    pins = session.scalars(select(Pin).where(Pin.album_id == album.id).order_by(Pin.id))
    return AlbumSnapshot(
        title=album.title,
        subtitle=album.subtitle,
        publisher=album.publisher,
        trim_width_mm=album.trim_width_mm,
        trim_height_mm=album.trim_height_mm,
        bleed_mm=album.bleed_mm,
        page_multiple=album.page_multiple,
        preface=album.preface,
        afterword=album.afterword,
        copyright_text=album.copyright_text,
        colophon=tuple((k, str(v)) for k, v in sorted((album.colophon or {}).items()) if v),
        chapters=tuple(chapters),
        pins=tuple(PinSnapshot(p.template, tuple(p.photo_ids)) for p in pins),
    )


def photo_snapshot(photo: Photo) -> PhotoSnapshot:
    return PhotoSnapshot(
        id=photo.id,
        sha256=photo.sha256,
        width_px=photo.width_px,
        height_px=photo.height_px,
        orientation=photo.orientation,
        caption=photo.caption,
        photographer=photo.photographer,
        unit=photo.unit,
        place=photo.place,
        date_text=photo.date_text,
        focal_x=photo.focal_x,
        focal_y=photo.focal_y,
        has_map=photo.has_map,
        map_basis=photo.map_basis,
        map_reference=photo.map_reference,
    )

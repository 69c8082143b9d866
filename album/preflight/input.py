"""Build preflight's database-free input from the album's rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.models import Album, Chapter, Photo
from album.preflight.checks import PreflightInput, PreflightPhoto
from album.store import MediaStore


def build_preflight_input(session: Session, album: Album, store: MediaStore) -> PreflightInput:
    """Every photo placed in a chapter, whatever its review state (so unaccepted ones are named)."""
    photos = session.scalars(
        select(Photo).join(Chapter, Photo.chapter_id == Chapter.id).where(Photo.album_id == album.id)
    )
    return PreflightInput.of([
        PreflightPhoto(
            id=p.id, width_px=p.width_px, height_px=p.height_px, sha256=p.sha256,
            status=p.status.value, caption=p.caption, photographer=p.photographer, unit=p.unit,
            focal_x=p.focal_x, focal_y=p.focal_y,
            path=None if p.dhash else store.original_path(p.sha256),
            dhash=int(p.dhash, 16) if p.dhash else None,
            has_map=p.has_map, map_basis=p.map_basis, map_reference=p.map_reference,
        )
        for p in photos
    ], isbn=(album.colophon or {}).get("isbn", ""))

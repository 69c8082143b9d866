"""A contributor's own photos: who may see, change or withdraw which submission.

A contributor sees only their own photos, and may change or withdraw one until it is accepted;
any other photo id is answered exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from album.errors import AlbumError, NotFoundError
from album.models import Photo, ReviewState


def visible_photo(session: Session, photo_id: int, *, viewer_id: int, is_editor: bool) -> Photo:
    """The photo if the viewer may see it (editors: any; contributors: their own)."""
    photo = session.get(Photo, photo_id)
    if photo is None or (not is_editor and photo.submitter_id != viewer_id):
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def own_photo(session: Session, photo_id: int, owner_id: int) -> Photo:
    """The photo if ``owner_id`` submitted it: only the submitter may change or withdraw it."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.submitter_id != owner_id:
        raise NotFoundError(f"没有编号为 {photo_id} 的照片")
    return photo


def withdraw(session: Session, photo: Photo) -> None:
    """Take back a submission not yet accepted; an accepted photo is the editors' to remove."""
    if photo.status == ReviewState.accepted:
        raise AlbumError("照片已被采用，不能撤回；如需撤下请联系编辑")
    session.delete(photo)

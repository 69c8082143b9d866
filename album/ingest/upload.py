"""One browser upload, from the request's file stream to a stored photo.

This is the only place the upload path checks the file's name and size and makes its bounded
temporary copy; the rest (type, pixels, decoding, EXIF, storing) is ``ingest_file``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from album.config import Limits
from album.ingest.captions import PhotoMeta
from album.ingest.importer import ingest_file
from album.ingest.intake import check_name, copy_limited, refuse
from album.models import Album, Photo, ReviewState
from album.store import MediaStore


def ingest_upload(session: Session, store: MediaStore, limits: Limits, album: Album, stream: BinaryIO,
                  filename: str, *, tmp_dir: Path, submitter_id: int, unit: str = "") -> tuple[Photo, bool]:
    """Check the name, copy at most ``max_upload_bytes`` into ``tmp_dir`` and ingest the copy as a
    submission of ``submitter_id``; return (photo, created). The caller commits.

    The temporary copy lives in ``tmp_dir`` (inside the album home, where a leftover would be
    seen) and is removed whatever happens. Someone else's photo with the same content is refused.
    """
    name = check_name(filename)
    with tempfile.TemporaryDirectory(prefix="upload-", dir=tmp_dir) as tmp:
        local = Path(tmp) / "upload"
        copy_limited(stream, local, limits)
        photo, created = ingest_file(session, store, limits, album, local, name=name,
                                     meta=PhotoMeta(unit=unit), submitter_id=submitter_id,
                                     status=ReviewState.submitted)
        session.flush()
    if not created and photo.submitter_id != submitter_id:
        raise refuse("duplicate", "这张照片已经有人提交过了")
    return photo, created

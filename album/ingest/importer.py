"""Import photos: one file, a folder or a zip, with an optional captions sheet.

Each file is its own unit of work: it is checked completely (type from content, size and
pixel limits, full decode) before anything is stored, the original goes into the media store
atomically, and its row is committed in one transaction. A refused file is reported by name
with its reason and leaves neither a row nor a file; the rest of the import goes on.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from album.catalog import get_or_create_chapter, next_photo_position
from album.config import Limits
from album.db import text_overflows, too_long_message, transaction
from album.errors import IngestError
from album.ingest.captions import PhotoMeta
from album.ingest.exif import read_exif
from album.ingest.intake import check_name, check_size, copy_limited, refuse
from album.ingest.sniff import inspect_image
from album.map_approval import map_from_sheet
from album.messages import explain_error
from album.models import Album, Photo, ReviewState
from album.store import MediaStore, sha256_file
from album.unit_names import unit_id_for
from album.units import exif_orientation, upright_size

SKIPPED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
SHEET_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
MAX_ZIP_RATIO = 200  # a JPEG barely compresses; a 200:1 member is a bomb, not a photo


@dataclass(frozen=True)
class Outcome:
    """What happened to one file: added, duplicate (already stored) or refused with a reason."""

    name: str
    status: str
    photo_id: int | None = None
    reason: str = ""
    code: str = ""


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "refused"]


def ingest_file(
    session: Session,
    store: MediaStore,
    limits: Limits,
    album: Album,
    path: Path,
    *,
    name: str | None = None,
    meta: PhotoMeta = PhotoMeta(),
    submitter_id: int | None = None,
    status: ReviewState = ReviewState.submitted,
) -> tuple[Photo, bool]:
    """Check and store one file; return (photo, created). Raise IngestError when refused.

    ``name`` is the label already passed through ``intake.check_name`` and ``path`` a local file
    whose size ``intake`` checked. The caller commits. If the row cannot be written, a newly
    stored original is removed again.
    """
    name = name or path.name
    info = inspect_image(path, limits)
    facts = read_exif(path)
    orientation = exif_orientation(facts.orientation if facts.orientation != 1 else info.exif_orientation)
    upright_w, upright_h = upright_size(info.width_px, info.height_px, orientation)
    sha = sha256_file(path)
    existing = _photo_by_sha(session, album, sha)
    if existing is not None:
        return existing, False
    chapter_id = get_or_create_chapter(session, album, meta.chapter).id if meta.chapter else None
    photo = Photo(
        album_id=album.id,
        chapter_id=chapter_id,
        position=next_photo_position(session, chapter_id),
        sha256=sha,
        original_name=name,
        format=info.format,
        width_px=upright_w,
        height_px=upright_h,
        orientation=orientation,
        byte_size=path.stat().st_size,
        dhash=f"{info.dhash:016x}",
        caption=meta.caption,
        photographer=meta.photographer,
        unit=meta.unit,
        unit_id=unit_id_for(session, meta.unit, submitter_id),
        place=meta.place,
        taken_at=facts.taken_at,
        date_text=meta.date or (facts.taken_at.strftime("%Y-%m-%d") if facts.taken_at else ""),
        camera_make=facts.camera_make,
        camera_model=facts.camera_model,
        gps_lat=facts.gps_lat,
        gps_lon=facts.gps_lon,
        status=status,
        submitter_id=submitter_id,
    )
    photo.has_map, photo.map_basis, photo.map_reference = map_from_sheet(meta.map)
    # Refuse over-long text before anything is stored (PostgreSQL would refuse the row later);
    # camera names come from EXIF, not from a person, so they are shortened instead.
    for column, length in text_overflows(photo):
        if column in ("camera_make", "camera_model"):
            setattr(photo, column, getattr(photo, column)[:length])
        else:
            raise refuse("too-long", too_long_message(column, length))
    newly_stored = not store.has_original(sha)
    store.put_original(path, sha)
    try:
        with session.begin_nested():
            session.add(photo)
    except IntegrityError:
        # Another upload of the same file won the race: it is a duplicate, not an error.
        existing = _photo_by_sha(session, album, sha)
        if existing is None:
            if newly_stored:
                store.remove_original(sha)
            raise
        return existing, False
    return photo, True


def _photo_by_sha(session: Session, album: Album, sha: str) -> Photo | None:
    return session.scalars(
        select(Photo).where(Photo.album_id == album.id, Photo.sha256 == sha)
    ).first()


def import_paths(
    factory: sessionmaker[Session],
    store: MediaStore,
    limits: Limits,
    album_id: int,
    paths: Iterable[Path],
    *,
    chapter: str = "",
    captions: dict[str, PhotoMeta] | None = None,
    submitter_id: int | None = None,
    status: ReviewState = ReviewState.submitted,
    progress: Callable[[Outcome], None] | None = None,
) -> ImportReport:
    """Import files, folders and zips; each file in its own transaction."""
    report = ImportReport()
    captions = captions or {}
    for name, opener in _expand(list(paths), limits, report, progress):
        meta = PhotoMeta(chapter=chapter).merged(captions.get(PurePosixPath(name).name, PhotoMeta()))
        try:
            label = check_name(name)
            with opener() as local, transaction(factory) as session:
                album = session.get(Album, album_id)
                if album is None:
                    raise IngestError("画册不存在")
                photo, created = ingest_file(
                    session, store, limits, album, local, name=label, meta=meta,
                    submitter_id=submitter_id, status=status,
                )
                session.flush()
                outcome = Outcome(name, "added" if created else "duplicate", photo.id)
        except IngestError as exc:
            outcome = Outcome(name, "refused", reason=str(exc), code=getattr(exc, "code", "refused"))
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    return report


def _expand(
    paths: list[Path], limits: Limits, report: ImportReport, progress: Callable[[Outcome], None] | None
) -> Iterator[tuple[str, Callable]]:
    """Yield (display name, opener of a local file) for every candidate photo under ``paths``;
    zip archives are opened wherever they are, also inside a folder."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() == ".zip":
                    yield from _zip_members(child, limits, report, progress)
                elif _is_candidate(child.name):
                    yield str(child.relative_to(path)), _local(child, limits)
        elif path.is_file() and path.suffix.lower() == ".zip":
            yield from _zip_members(path, limits, report, progress)
        elif path.is_file():
            yield path.name, _local(path, limits)
        else:
            outcome = Outcome(str(path), "refused", reason="文件不存在", code="missing")
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)


def _is_candidate(name: str) -> bool:
    return not (name.startswith(".") or name in SKIPPED_NAMES or Path(name).suffix.lower() in SHEET_SUFFIXES)


def _local(path: Path, limits: Limits) -> Callable:
    @contextmanager
    def opener() -> Iterator[Path]:
        check_size(path.stat().st_size, limits)
        yield path

    return opener


def _zip_members(
    path: Path, limits: Limits, report: ImportReport, progress: Callable[[Outcome], None] | None
) -> Iterator[tuple[str, Callable]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        outcome = Outcome(path.name, "refused", reason=f"压缩包已损坏：{explain_error(exc)}", code="bad-zip")
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = _zip_name(info)
            if not _is_candidate(PurePosixPath(name).name):
                continue
            yield name, _zip_opener(archive, info, name, limits)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Zips made on Chinese Windows store GBK names without the UTF-8 flag; decode them as such."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits) -> Callable:
    @contextmanager
    def opener() -> Iterator[Path]:
        check_zip_member(info, limits)
        with tempfile.TemporaryDirectory(prefix="huace-zip-") as tmp:
            local = Path(tmp) / "member"
            with archive.open(info) as src:
                copy_limited(src, local, limits)  # the declared size may lie
            yield local

    return opener


def check_zip_member(info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse a member whose declared size is over the limit, or a bomb, before extracting a byte
    (its name was checked with every other file's in ``import_paths``)."""
    check_size(info.file_size, limits)
    if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO and info.file_size > 1 << 20:
        raise refuse("zip-bomb", "压缩比异常（疑似压缩炸弹）")

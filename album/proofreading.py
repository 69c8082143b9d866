"""Proofreading on the album's rows: caption findings and their one-click fixes, name groups, and
the glossary applied in bulk after a preview.

The rules themselves are pure (``album.proofread``); this module reads and changes photos. The
caller owns the transaction. Every change carries the version the person saw, so an edit made
by someone else in between is refused (ConflictError) instead of being overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.arrange import CAPTION_MAX, check_version
from album.db import CONCURRENT_EDIT_ERRORS
from album.errors import AlbumError, ConflictError
from album.models import Album, Chapter, Photo, ReviewState
from album.proofread.glossary import (
    GlossaryEntry,
    apply_glossary,
    changed_parts,
    check_glossary,
    make_entry,
    parse_glossary,
)
from album.proofread.names import NameGroup, group_names
from album.proofread.rules import Finding, apply_all, apply_finding, proofread

# The photo fields a glossary may change, with their Chinese names and column limits.
FIELDS = {"caption": ("图片说明", CAPTION_MAX), "photographer": ("摄影", 200), "unit": ("供稿单位", 200),
          "place": ("地点", 300)}
NAME_FIELDS = ("photographer", "unit", "place")


@dataclass(frozen=True)
class PhotoFinding:
    photo_id: int
    chapter: str  # the chapter's title, "" outside chapters
    caption: str
    finding: Finding


@dataclass(frozen=True)
class GlossaryChange:
    """One field of one photo as the glossary would change it; ``version`` is the photo's now."""

    photo_id: int
    field: str
    before: str
    after: str
    version: int

    @property
    def field_name(self) -> str:
        return FIELDS[self.field][0]

    @property
    def parts(self) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
        """Before and after as (changed?, text) runs, for a preview that marks only the change."""
        return changed_parts(self.before, self.after)


def album_photos(session: Session, album: Album) -> list[Photo]:
    """The photos still in the running (not rejected), in book order, those outside chapters last."""
    return list(session.scalars(
        select(Photo).outerjoin(Chapter, Photo.chapter_id == Chapter.id)
        .where(Photo.album_id == album.id, Photo.status != ReviewState.rejected)
        .order_by(Chapter.position.is_(None), Chapter.position, Photo.position, Photo.id)))


def album_findings(session: Session, album: Album) -> list[PhotoFinding]:
    return [PhotoFinding(photo.id, photo.chapter.title if photo.chapter else "", photo.caption, finding)
            for photo in album_photos(session, album) for finding in proofread(photo.caption)]


def _set_field(photo: Photo, field: str, value: str) -> None:
    name, limit = FIELDS[field]
    if len(value) > limit:
        raise AlbumError(f"照片 #{photo.id} 的{name}修改后超过 {limit} 字")
    setattr(photo, field, value)


def apply_caption_finding(session: Session, photo: Photo, *, expected_version: int | None,
                          rule: str, start: int, end: int) -> Finding:
    """Apply the finding the page showed (named by rule and span) to the caption as it is now."""
    check_version(photo, expected_version)
    for finding in proofread(photo.caption):
        if (finding.rule, finding.start, finding.end) == (rule, start, end) and finding.fixable:
            _set_field(photo, "caption", apply_finding(photo.caption, finding))
            return finding
    raise AlbumError("这条校对建议已不适用，请刷新页面后再看")


def apply_all_caption_findings(session: Session, photo: Photo, *, expected_version: int | None) -> int:
    """Apply every suggestion to the caption; the number of findings it removed."""
    check_version(photo, expected_version)
    before = len(proofread(photo.caption))
    fixed = apply_all(photo.caption)
    if fixed == photo.caption:
        raise AlbumError("没有可以自动修改的校对建议")
    _set_field(photo, "caption", fixed)
    return before - len(proofread(fixed))


def name_groups(session: Session, album: Album) -> dict[str, list[NameGroup]]:
    """For 摄影, 供稿单位 and 地点: the names spelled several ways across the album."""
    photos = album_photos(session, album)
    return {field: group_names(getattr(p, field) for p in photos) for field in NAME_FIELDS}


# --- glossary -------------------------------------------------------------------------------


def glossary(album: Album) -> list[GlossaryEntry]:
    return parse_glossary(album.glossary or [])


def add_glossary_entry(session: Session, album: Album, correct: str, variants: list[str] | str, *,
                       expected_version: int | None) -> GlossaryEntry:
    """Add an entry, or replace the entry with the same correct spelling."""
    check_version(album, expected_version)
    entry = make_entry(correct, variants)
    entries = [e for e in glossary(album) if e.correct != entry.correct] + [entry]
    check_glossary(entries)
    album.glossary = [e.to_json() for e in entries]
    return entry


def remove_glossary_entry(session: Session, album: Album, correct: str, *,
                          expected_version: int | None) -> None:
    check_version(album, expected_version)
    entries = glossary(album)
    if correct not in {e.correct for e in entries}:
        raise AlbumError(f"词表中没有“{correct}”")
    album.glossary = [e.to_json() for e in entries if e.correct != correct]


def preview_glossary(session: Session, album: Album) -> list[GlossaryChange]:
    """What applying the glossary would change, photo by photo and field by field."""
    entries = glossary(album)
    if not entries:
        return []
    changes = []
    for photo in album_photos(session, album):
        for field in FIELDS:
            before = getattr(photo, field) or ""
            after = apply_glossary(before, entries)
            if after != before:
                changes.append(GlossaryChange(photo.id, field, before, after, photo.version))
    return changes


def apply_glossary_changes(session: Session, album: Album, seen: dict[int, int]) -> list[GlossaryChange]:
    """Apply the glossary to the photos the preview showed, each at the version it showed.

    ``seen`` maps photo id → version from the preview. A previewed photo changed since, or a
    photo the glossary would now change that the preview did not show, refuses the whole apply.
    """
    changes = preview_glossary(session, album)
    if not changes:
        raise AlbumError("词表没有可替换的内容")
    photos = {p.id: p for p in album_photos(session, album)}
    stale = [pid for pid, version in seen.items() if pid not in photos or photos[pid].version != version]
    unseen = {c.photo_id for c in changes} - set(seen)
    if stale or unseen:
        raise ConflictError("预览之后照片或词表已被修改，请重新预览后再应用")
    for change in changes:
        _set_field(photos[change.photo_id], change.field, change.after)
    try:
        session.flush()  # the versioned UPDATEs: a photo saved by someone else since is refused
    except CONCURRENT_EDIT_ERRORS:
        raise ConflictError("预览之后照片已被他人修改，请重新预览后再应用") from None
    return changes

"""付印: the gate a final print render passes, and the record it leaves.

A final render is allowed only when 终审 passed on the latest proof and the album has not
changed since that proof was drawn. "Not changed" compares content hashes: every proof records
the hash of the snapshot it was rendered from, and the final render computes the hash of its
own snapshot, in the same transaction that reads it, so nothing slips in between.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.errors import AlbumError
from album.layout.snapshot import AlbumSnapshot
from album.models import Album, Photo, Proof, Release, ReviewLevel, Role, User
from album.signoff import REVIEW_LEVELS, STAGE_NAMES, signed_on, stage_status


class ReleaseRefused(AlbumError):
    """The album may not go to print yet; the message says why and what to do."""


def content_hash(session: Session, album: Album, snapshot: AlbumSnapshot,
                 installation: Mapping[str, str]) -> str:
    """A hash of everything that decides the printed book: the snapshot the layout reads, the
    print settings and cover facts that live beside it, and the installation's print settings
    (``album.toml``: default CMYK profile, grey-photo separation)."""
    book_photo_ids = [p.id for chapter in snapshot.chapters for p in chapter.photos]
    maps = session.execute(
        select(Photo.id, Photo.has_map, Photo.map_basis, Photo.map_reference)
        .where(Photo.id.in_(book_photo_ids)).order_by(Photo.id)).all() if book_photo_ids else []
    facts = {
        "snapshot": asdict(snapshot),
        "colophon": album.colophon,
        "cover_photo_id": album.cover_photo_id,
        "paper_caliper_mm": album.paper_caliper_mm,
        "icc_profile_path": album.icc_profile_path,
        "rendering_intent": album.rendering_intent,
        "maps": [list(row) for row in maps],
        "installation": dict(installation),
    }
    text = json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def latest_proof(session: Session, album: Album) -> Proof | None:
    """The newest finished 校样 (kind proof) of the album."""
    return session.scalars(
        select(Proof).where(Proof.album_id == album.id, Proof.kind == "proof", Proof.status == "done")
        .order_by(Proof.number.desc()).limit(1)).first()


@dataclass(frozen=True)
class ReleaseBasis:
    """The signed proof a final render is released from, and who signed it."""

    proof_id: int
    proof_number: int
    content_hash: str
    signers: dict[str, str]  # stage name (初审…) → signer

    def describe(self) -> str:
        names = "；".join(f"{stage} {name}" for stage, name in self.signers.items())
        return f"付印 校样第{self.proof_number}版；{names}"


def release_basis(session: Session, album: Album, current_hash: str) -> ReleaseBasis:
    """What a final render stands on, or ReleaseRefused saying what is missing."""
    proof = latest_proof(session, album)
    if proof is None:
        raise ReleaseRefused("还没有校样，不能付印：请先出校样并完成三审")
    final_review = stage_status(session, proof, "review3")
    if final_review.record is None or final_review.record.proof_id != proof.id:
        raise ReleaseRefused(f"最新的校样第{proof.number}版尚未终审，不能付印")
    if not final_review.passed:
        raise ReleaseRefused(f"校样第{proof.number}版终审结论为退改，不能付印")
    if proof.content_hash != current_hash:
        raise ReleaseRefused(
            f"校样第{proof.number}版终审之后画册内容已有改动，不能付印：请重新出校样并签署终审")
    signers = {}
    for level in REVIEW_LEVELS:
        record = stage_status(session, proof, level).record
        if record is not None:
            signers[STAGE_NAMES[level]] = record.signer_name
    for record in signed_on(session, proof):
        if record.stage not in REVIEW_LEVELS:
            signers.setdefault(STAGE_NAMES[record.stage], record.signer_name)
    return ReleaseBasis(proof.id, proof.number, proof.content_hash, signers)


def may_release(session: Session, album: Album, user: User) -> bool:
    """付印 is signed last, by the 终审 holder or an administrator."""
    if user.role == Role.admin:
        return True
    holder = session.scalars(select(ReviewLevel).where(
        ReviewLevel.album_id == album.id, ReviewLevel.level == "review3")).first()
    return holder is not None and holder.user_id == user.id


def unreleased_slug(session: Session, album: Album) -> str:
    """The line a print render without 付印 carries outside the trim."""
    proof = latest_proof(session, album)
    return f"未付印 校样第{proof.number}版" if proof is not None else "未付印 尚无校样"


def record_release(session: Session, album: Album, basis: ReleaseBasis, print_proof: Proof,
                   user_id: int | None) -> Release:
    release = Release(album_id=album.id, signed_proof_id=basis.proof_id,
                      print_proof_id=print_proof.id, content_hash=basis.content_hash,
                      signers={"proof_number": basis.proof_number, **basis.signers},
                      created_by=user_id)
    session.add(release)
    return release


def releases(session: Session, album: Album) -> list[Release]:
    return list(session.scalars(
        select(Release).where(Release.album_id == album.id).order_by(Release.id.desc())))

"""Proofs as reviewers see them: the list of versions, one proof, and comments pinned to its pages.

Where a proof's files are: ``Proof.pdf_path`` is always the file the render wrote on the machine
that ran it (the preflight reports beside it: ``003-proof.preflight.json``/``.html``). With the
local store that file is what everyone reads. With a remote store (S3) the render also puts the
PDF and its reports into the store under ``proof_key`` (``proofs/<album id>/003-proof.pdf``), and
every reader goes through ``proof_file`` (a local copy fetched from the store) or is sent to a
short-lived presigned ``proof_download_url`` — so any web process on any machine can serve it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.errors import AlbumError, NotFoundError
from album.models import Album, Comment, Proof
from album.store import MediaStore

REPORT_SUFFIXES = (".preflight.json", ".preflight.html")

COMMENT_MAX = 2000


def list_proofs(session: Session, album: Album, limit: int = 200) -> list[Proof]:
    """The newest proofs first."""
    return list(session.scalars(
        select(Proof).where(Proof.album_id == album.id).order_by(Proof.number.desc()).limit(limit)))


def get_proof(session: Session, album: Album, proof_id: int) -> Proof:
    proof = session.get(Proof, proof_id)
    if proof is None or proof.album_id != album.id:
        raise NotFoundError(f"没有编号为 {proof_id} 的校样")
    return proof


def proof_comments(session: Session, proof: Proof) -> list[Comment]:
    """Open comments before resolved ones, each group in page order."""
    return list(session.scalars(
        select(Comment).where(Comment.proof_id == proof.id).order_by(Comment.resolved, Comment.page, Comment.id)))


def open_comments_by_page(comments: list[Comment]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for comment in comments:
        if not comment.resolved:
            counts[comment.page] = counts.get(comment.page, 0) + 1
    return counts


def add_comment(session: Session, proof: Proof, *, page: int, page_count: int, author_id: int,
                text: str) -> Comment:
    """A reviewer's remark on one page of ``proof`` (a proof of ``page_count`` pages)."""
    text = text.strip()
    if not 1 <= page <= max(1, page_count):
        raise AlbumError("页码超出范围")
    if not text or len(text) > COMMENT_MAX:
        raise AlbumError(f"请填写意见（最多 {COMMENT_MAX} 字）")
    comment = Comment(proof_id=proof.id, page=page, author_id=author_id, text=text)
    session.add(comment)
    return comment


def get_comment(session: Session, album: Album, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFoundError(f"没有编号为 {comment_id} 的意见")
    get_proof(session, album, comment.proof_id)  # another album's comment is not found either
    return comment


def proof_by_number(session: Session, album: Album, number: int) -> Proof:
    """The proof people call 校样第N版."""
    proof = session.scalars(select(Proof).where(Proof.album_id == album.id, Proof.number == number)).first()
    if proof is None:
        raise NotFoundError(f"没有第 {number} 版")
    return proof


def proof_key(album_id: int, number: int, kind: str, suffix: str = ".pdf") -> str:
    """The proof's object key in a remote store (``suffix`` ``.preflight.html`` for its report)."""
    return f"proofs/{album_id}/{number:03d}-{kind}{suffix}"


def share_proof_files(store: MediaStore, album_id: int, number: int, kind: str, pdf: Path) -> None:
    """Put a finished render's PDF and preflight reports into a remote store; the reports first,
    so a PDF that is there always has its reports. The local store leaves them where they are."""
    if not store.remote:
        return
    for suffix in (*REPORT_SUFFIXES, ".pdf"):
        path = pdf.with_suffix(suffix)
        if path.is_file():
            store.put_object(proof_key(album_id, number, kind, suffix), path)


def proof_file(store: MediaStore, proof: Proof, suffix: str = ".pdf") -> Path | None:
    """A local path to read the proof's PDF (or its report, by ``suffix``) from; None when gone."""
    local = Path(proof.pdf_path)
    if suffix != ".pdf":
        local = local.with_suffix(suffix)
    if not store.remote:
        return local if local.is_file() else None
    try:
        return store.fetch_object(proof_key(proof.album_id, proof.number, proof.kind, suffix))
    except FileNotFoundError:
        return None


def proof_download_url(store: MediaStore, proof: Proof, filename: str) -> str | None:
    """A short-lived link straight to the store for the PDF (call only after the access check);
    None when the web app streams the file itself (the local store)."""
    if not store.remote:
        return None
    return store.download_url(proof_key(proof.album_id, proof.number, proof.kind), filename)

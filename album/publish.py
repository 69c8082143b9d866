"""Render an album to PDF and record it as a numbered Proof with its preflight report.

This is the one path every render takes (CLI, web jobs, demo): snapshot the album in one
transaction, paginate (pure), draw, check, and write the report next to the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from album.db import transaction
from album.errors import NotFoundError, RenderCancelled
from album.heartbeat import CANCELLING, Heartbeat
from album.home import Home
from album.icc import read_icc
from album.layout.book import Book
from album.layout.paginate import paginate
from album.layout.snapshot import AlbumSnapshot, PhotoSnapshot
from album.layout.stats import BookStats, book_stats
from album.layout.templates import load_templates
from album.models import Album, Chapter, Photo, Proof, ReviewState
from album.preflight.checks import PreflightInput, PreflightReport, run_preflight, write_report
from album.preflight.input import build_preflight_input
from album.proofs import share_proof_files
from album.release import (
    ReleaseBasis,
    ReleaseRefused,
    content_hash,
    record_release,
    release_basis,
    unreleased_slug,
)
from album.render.options import RenderOptions, RenderReport
from album.snapshots import photo_snapshot, snapshot_album
from album.store import sha256_file
from album.workers import this_worker

KINDS = ("proof", "print", "cover")
T = TypeVar("T")


@dataclass
class RenderOutcome:
    proof_id: int
    number: int
    pdf_path: Path
    report: RenderReport
    preflight: object  # album.preflight.PreflightReport
    book: Book
    release_note: str | None = None  # a final render: what was released, from which proof


def plan_book(home: Home, album_id: int) -> Book:
    """Paginate the album as it is now: the page plan, without drawing anything."""
    return _planned(home, album_id)[0]


def book_quality(home: Home, album_id: int) -> BookStats:
    """The page-quality figures of the album as it would be laid out now."""
    book, snapshot = _planned(home, album_id)
    return book_stats(book, snapshot)


def _planned(home: Home, album_id: int) -> tuple[Book, AlbumSnapshot]:
    with transaction(home.factory) as session:
        album = session.get(Album, album_id)
        if album is None:
            raise NotFoundError("画册不存在")
        snapshot = snapshot_album(session, album)
    return paginate(snapshot, load_templates(home.settings.layouts_dir)), snapshot


def check_release(home: Home, album_id: int) -> ReleaseBasis:
    """The gate of a final render, asked before a number is reserved: ReleaseRefused says why
    not. The render asks again in the transaction that reads the album."""
    with transaction(home.factory) as session:
        album = session.get(Album, album_id)
        if album is None:
            raise NotFoundError("画册不存在")
        return release_basis(session, album, album_content_hash(home, session, album))


def album_content_hash(home: Home, session: Session, album: Album,
                       snapshot: AlbumSnapshot | None = None) -> str:
    """The 付印 content hash of the album as it is now, with the home's print settings (default
    CMYK profile, grey-photo separation) that change the printed file without touching the album."""
    installation = {"cmyk_profile": str(home.settings.cmyk_profile),
                    "grey_photos": home.settings.grey_photos}
    return content_hash(session, album, snapshot or snapshot_album(session, album), installation)


def create_proof(home: Home, album_id: int, kind: str, *, spreads: bool = False,
                 final: bool = False, user_id: int | None = None,
                 out_path: Path | None = None, worker: str | None = None) -> Proof:
    """Reserve the next proof number and the file it will be written to. ``final`` asks for
    the 付印 render of a print PDF: it passes the release gate or fails with the reason.
    ``worker`` names its owner: this process by default, nobody ("") while it waits in a queue."""
    if kind not in KINDS:
        raise ValueError(f"unknown render kind {kind!r}")
    if final and kind != "print":
        raise ValueError("only a print render can be final")
    with transaction(home.factory) as session:
        number = (session.scalar(select(func.max(Proof.number)).where(Proof.album_id == album_id)) or 0) + 1
        target = out_path or home.settings.proofs_dir / f"{number:03d}-{kind}.pdf"
        proof = Proof(album_id=album_id, number=number, kind=kind, status="queued",
                      settings={"spreads": spreads, "final": final}, pdf_path=str(Path(target).resolve()),
                      created_by=user_id, worker=this_worker() if worker is None else worker)
        session.add(proof)
    return proof


def run_proof(home: Home, proof_id: int,
              progress: Callable[[float], None] | None = None) -> RenderOutcome:
    """Render the reserved proof; its row ends ``done`` or ``failed`` with the reason, whatever
    goes wrong (a missing profile as much as a broken photo), so no job is left queued.

    A final (付印) render checks the release gate in the transaction that reads the album, and
    is recorded as a release only when its preflight finds no error; otherwise its PDF is
    removed, so nothing that looks released exists without the record.

    A heartbeat beats beside the render (album.heartbeat) so a dead render can be told from a
    live one on any machine; an editor's cancel stops it at a progress step (``cancelled``)."""
    def body(beat: Heartbeat) -> RenderOutcome:
        plan = prepare_render(home, proof_id)
        if plan.kind == "cover":
            report = _render_cover(home, plan.cover, plan.book, plan.out_path, plan.options)
            return complete_render(home, plan, report, beat, _cover_preflight(plan.out_path))
        report = _render(home, plan.book, plan.out_path, plan.options, beat.guard(progress))
        return complete_render(home, plan, report, beat)
    return run_guarded(home, proof_id, body)


def run_guarded(home: Home, proof_id: int, body: Callable[[Heartbeat], T]) -> T:
    """Run ``body`` with the job's heartbeat beating; a cancel ends the row ``cancelled``, any
    other error ``failed`` with the reason."""
    try:
        with Heartbeat(home.factory, proof_id, home.settings.heartbeat_seconds) as beat:
            return body(beat)
    except RenderCancelled:
        _discard(home, proof_id)
        raise
    except Exception as exc:
        _finish(home, proof_id, status="failed", error=str(exc) or type(exc).__name__)
        raise


@dataclass(frozen=True)
class RenderPlan:
    """Everything a render needs once the album has been read: the page plan, the options and
    the facts its preflight and release record check. It is plain data, so the parts of one
    render drawn on other machines draw exactly the same book."""

    proof_id: int
    album_id: int
    kind: str
    number: int
    out_path: Path
    options: RenderOptions
    book: Book
    preflight_input: PreflightInput
    basis: ReleaseBasis | None
    cover: CoverFacts


def prepare_render(home: Home, proof_id: int) -> RenderPlan:
    """Read the album in one transaction (the job's row becomes ``running`` here) and plan it."""
    basis: ReleaseBasis | None = None
    with transaction(home.factory) as session:
        proof = session.get(Proof, proof_id)
        if proof is None:
            raise NotFoundError(f"没有编号为 {proof_id} 的校样")
        if proof.status != CANCELLING:  # a cancel asked before the start still stops it
            proof.status = "running"
        proof.worker = this_worker()
        album = session.get(Album, proof.album_id)
        snapshot = snapshot_album(session, album)
        proof.content_hash = album_content_hash(home, session, album, snapshot)
        kind, number, spreads = proof.kind, proof.number, bool(proof.settings.get("spreads"))
        album_id = proof.album_id
        final = bool(proof.settings.get("final"))
        if final:
            basis = release_basis(session, album, proof.content_hash)
        preflight_input = replace(build_preflight_input(session, album, home.store), final=final)
        out_path = Path(proof.pdf_path)
        options = _options(home, album, kind, number, spreads)
        if kind == "print":
            options = replace(
                options, release_note=basis.describe() if basis else None,
                slug=f"付印 校样第{basis.proof_number}版" if basis else unreleased_slug(session, album))
        proof.settings = {"spreads": options.spreads, "final": final, "ppi": options.target_ppi,
                          "mode": options.mode, "profile": str(options.cmyk_profile),
                          "intent": options.rendering_intent, "watermark": options.watermark or "",
                          "grey_photos": options.grey_photos,
                          "trim_mm": [album.trim_width_mm, album.trim_height_mm],
                          "bleed_mm": album.bleed_mm}
        cover = _cover_facts(session, album)
    book = paginate(snapshot, load_templates(home.settings.layouts_dir))
    return RenderPlan(proof_id, album_id, kind, number, out_path, options, book, preflight_input, basis, cover)


def complete_render(home: Home, plan: RenderPlan, report: RenderReport, beat: Heartbeat,
                    result: PreflightReport | None = None) -> RenderOutcome:
    """Check the written PDF, write its report, and close the job ``done`` (with the release
    record of a final render) — or remove what was written if the render was cancelled."""
    out_path, basis = plan.out_path, plan.basis
    if result is None:
        result = run_preflight(plan.book, plan.preflight_input, pdf_path=out_path,
                               render_report=report, mode=plan.kind)
    json_path = out_path.with_suffix(".preflight.json")
    write_report(result, json_path, out_path.with_suffix(".preflight.html"))
    if basis is not None and result.has_errors:
        out_path.unlink(missing_ok=True)
        raise ReleaseRefused(
            f"预检发现 {result.summary()['errors']} 项错误，未付印；详见 {json_path.name}")
    if beat.cancelled.is_set():  # asked after the last step: what this render wrote goes too
        for path in (out_path, json_path, out_path.with_suffix(".preflight.html")):
            path.unlink(missing_ok=True)
        raise RenderCancelled()
    share_proof_files(home.store, plan.album_id, plan.number, plan.kind, out_path)
    _finish(home, plan.proof_id, status="done", progress=1.0, page_count=report.page_count,
            report_path=str(json_path), preflight=result.summary(),
            pdf_sha256=sha256_file(out_path), release=basis)
    return RenderOutcome(plan.proof_id, plan.number, out_path, report, result, plan.book,
                         basis.describe() if basis else None)


def _discard(home: Home, proof_id: int) -> None:
    """A cancelled render ends ``cancelled``; it left no PDF (stopped in its temporary folder,
    or its files removed when the cancel came after the last step)."""
    with transaction(home.factory) as session:
        proof = session.get(Proof, proof_id)
        if proof is None:
            return
        proof.status = "cancelled"
        proof.finished_at = datetime.now(timezone.utc)


def _finish(home: Home, proof_id: int, release: ReleaseBasis | None = None,
            **fields: object) -> None:
    """Close the proof row (and record the release of a final render) in one transaction."""
    with transaction(home.factory) as session:
        proof = session.get(Proof, proof_id)
        if proof is None:
            return
        for key, value in fields.items():
            setattr(proof, key, value)
        proof.finished_at = datetime.now(timezone.utc)
        if release is not None:
            record_release(session, session.get(Album, proof.album_id), release, proof,
                           proof.created_by)


def render_album(home: Home, album_id: int, kind: str, *, out_path: Path | None = None,
                 spreads: bool = False, final: bool = False, user_id: int | None = None,
                 progress: Callable[[float], None] | None = None) -> RenderOutcome:
    if final:
        check_release(home, album_id)
    proof = create_proof(home, album_id, kind, spreads=spreads, final=final, user_id=user_id,
                         out_path=out_path)
    return run_proof(home, proof.id, progress)


def _options(home: Home, album: Album, kind: str, number: int, spreads: bool) -> RenderOptions:
    profile = Path(album.icc_profile_path) if album.icc_profile_path else home.settings.cmyk_profile
    if kind in ("print", "cover"):
        read_icc(profile)  # missing, unreadable or not a CMYK output profile: stop before any work
    stamp = datetime.now().strftime("%Y-%m-%d")
    return RenderOptions(
        mode="proof" if kind == "proof" else "print",
        cmyk_profile=profile,
        rendering_intent=album.rendering_intent if album.rendering_intent in ("relative", "perceptual") else "relative",
        watermark=f"校样 第{number}版 {stamp}" if kind == "proof" else None,
        spreads=spreads and kind == "proof",
        workers=home.settings.workers,
        grey_photos=home.settings.grey_photos,
    )


def _render(home: Home, book: Book, out_path: Path, options: RenderOptions,
            progress: Callable[[float], None] | None) -> RenderReport:
    from album.render.pdf import render_book

    out_path.parent.mkdir(parents=True, exist_ok=True)
    return render_book(book, home.store, out_path, options, progress=progress)


@dataclass(frozen=True)
class CoverFacts:
    title: str
    subtitle: str
    publisher: str
    caliper_mm: float
    trim: tuple[float, float]
    bleed_mm: float
    front: PhotoSnapshot | None  # upright size, orientation and focal point, as on a page
    isbn: str = ""  # from the colophon: the back cover's barcode, ISBN line and price
    price: str = ""


def _cover_facts(session: Session, album: Album) -> CoverFacts:
    """The cover photo is the album's chosen one, else the first accepted photo of the book."""
    photo = session.get(Photo, album.cover_photo_id) if album.cover_photo_id else None
    if photo is None:
        photo = session.scalars(
            select(Photo).join(Chapter, Photo.chapter_id == Chapter.id)
            .where(Photo.album_id == album.id, Photo.status == ReviewState.accepted)
            .order_by(Chapter.position, Photo.position, Photo.id).limit(1)
        ).first()
    return CoverFacts(album.title, album.subtitle, album.publisher, album.paper_caliper_mm,
                      (album.trim_width_mm, album.trim_height_mm), album.bleed_mm,
                      None if photo is None else photo_snapshot(photo),
                      isbn=(album.colophon or {}).get("isbn", ""),
                      price=(album.colophon or {}).get("price", ""))


def _render_cover(home: Home, cover: CoverFacts, book: Book, out_path: Path,
                  options: RenderOptions) -> RenderReport:
    from album.render.cover import BackCover, FrontPhoto, cover_geometry, render_cover
    from album.render.fonts import load_fonts

    geometry = cover_geometry(cover.trim[0], cover.trim[1], book.page_count, cover.caliper_mm,
                              cover.bleed_mm)
    front = cover.front
    photo = None if front is None else FrontPhoto(home.store.original_path(front.sha256), front)
    render_cover(out_path, geometry=geometry, title=cover.title, subtitle=cover.subtitle,
                 publisher=cover.publisher, front_photo=photo, fonts=load_fonts(),
                 icc_path=options.cmyk_profile, store=home.store, grey_photos=options.grey_photos,
                 back=BackCover(cover.isbn, cover.price))
    return RenderReport(out_path=out_path, mode="print", page_count=1, sheet_count=1,
                        pdfx_applied=True)


def _cover_preflight(pdf_path: Path) -> PreflightReport:
    """The cover is one sheet with its own geometry: only the PDF/X rules apply to it."""
    from album.preflight.pdf import validate_pdfx

    report = PreflightReport(mode="cover", pdf_path=str(pdf_path), page_count=1)
    for problem in validate_pdfx(pdf_path):
        report.add("error", "pdfx", problem, page=1)
    return report

"""A render drawn in parts by every worker of the queue, joined by one of them.

The proof row says where such a job is (its ``worker``):

1. **start** (the ``render`` task, once it has claimed the job): read the album and plan the
   book in one transaction (album.publish.prepare_render), store that plan in the media store,
   add one ``render_parts`` row per ``part_sheets`` sheets, enqueue every part; the job's worker
   becomes ``PARTS``. The plan is stored, not rebuilt, so every part draws the same book with the
   same options whatever is edited meanwhile.
2. **part** (``render_part``, any worker): claim the part's row, beat on it and on the job (a
   cancel is read there), draw its sheets (album.render.pdf.draw_part) and put the PDF and its
   render report into the store under ``parts/<proof id>/``. The transaction that marks a part
   done counts it on the job (progress = parts done ÷ parts total); the one that counts the last
   hands the job to the join (worker ``JOIN``) and enqueues it: exactly one does.
3. **join** (``join_parts``): claim the job, fetch the parts, join them with qpdf and apply
   PDF/X (album.render.pdf.finish_book), run the preflight and close the row
   (album.publish.complete_render), then remove the parts.

No task waits for another, so no worker thread is held while parts are drawn elsewhere. A part
that raises is put back on the queue after ``part_retry_seconds``; one whose worker went silent
is put back by the sweep; after ``max_attempts`` starts of one part the job fails with its
reason. A join whose worker dies is swept like any render: the job starts again.

Parts go through the media store (``put_object``/``fetch_object``), never a local path, so the
workers may be on different machines. The plan and reports are pickled: the store is the
installation's own, as trusted as its database.
"""

from __future__ import annotations

import logging
import pickle
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from album.config import Settings
from album.db import transaction
from album.errors import RenderCancelled
from album.heartbeat import CANCELLING, Heartbeat
from album.home import Home
from album.jobs import JOIN, PARTS, utc
from album.models import Proof, RenderPart
from album.publish import RenderPlan, complete_render, prepare_render, run_guarded
from album.render.options import RenderReport
from album.workers import process_gone, this_worker

LIVE = ("running", CANCELLING)
log = logging.getLogger(__name__)


class Dispatch(Protocol):
    """How part jobs put work on the queue (album.tasks.RenderQueue)."""

    def enqueue_part(self, proof_id: int, index: int, delay: float = 0.0) -> None: ...
    def enqueue_join(self, proof_id: int) -> None: ...


def use_parts(settings: Settings) -> bool:
    """Whether queued renders are drawn in parts (``render_parts``; "auto": with a Redis queue,
    whose workers may be many machines; the embedded SQLite queue has one consumer)."""
    return settings.render_parts == "queue" or (settings.render_parts == "auto"
                                                 and bool(settings.queue_url))


def part_ranges(sheets: int, per_part: int) -> list[tuple[int, int]]:
    """The sheet ranges (first, stop) of the parts: a pure function of the planned book."""
    return [(first, min(first + per_part, sheets)) for first in range(0, sheets, per_part)]


def object_key(proof_id: int, name: str = "") -> str:
    return f"parts/{proof_id}/{name}" if name else f"parts/{proof_id}"


def start_parts(home: Home, proof_id: int, dispatch: Dispatch) -> int:
    """Plan the claimed job and put its parts on the queue; return how many there are."""
    from album.render.pdf import book_sheets, check_can_draw

    def body(beat: Heartbeat) -> int:
        plan = prepare_render(home, proof_id)
        check_can_draw(plan.book, plan.options)  # an empty book fails now, not waits for no parts
        ranges = part_ranges(book_sheets(plan.book, plan.options), home.settings.part_sheets)
        home.store.remove_objects(object_key(proof_id))
        _put_pickle(home, object_key(proof_id, "plan.pickle"), plan)
        beat.check()
        with transaction(home.factory) as session:
            session.execute(delete(RenderPart).where(RenderPart.proof_id == proof_id))
            session.add_all(RenderPart(proof_id=proof_id, index=index, first_sheet=first,
                                       stop_sheet=stop, status="queued", attempts=0, worker="",
                                       seconds=0.0, error="")
                            for index, (first, stop) in enumerate(ranges))
            session.execute(update(Proof).where(Proof.id == proof_id).values(
                parts_total=len(ranges), parts_done=0, progress=0.0, worker=PARTS))
        for index in range(len(ranges)):
            dispatch.enqueue_part(proof_id, index)
        return len(ranges)
    return run_guarded(home, proof_id, body)


def run_part(home: Home, proof_id: int, index: int, dispatch: Dispatch) -> None:
    """Draw one part if it is still wanted; record done, retry or failure on its row."""
    me = this_worker()
    with transaction(home.factory) as session:
        status = session.scalar(select(Proof.status).where(Proof.id == proof_id,
                                                           Proof.worker == PARTS))
        if status == CANCELLING:
            _end_cancelled(home, session, proof_id)
        if status != "running":
            return  # a message of a job that ended or started again
        taken = session.execute(
            update(RenderPart).where(RenderPart.proof_id == proof_id, RenderPart.index == index,
                                     RenderPart.status == "queued")
            .values(status="running", attempts=RenderPart.attempts + 1, worker=me,
                    heartbeat_at=datetime.now(timezone.utc)))
        if taken.rowcount != 1:
            return  # delivered twice, or swept and taken by another worker
        first, stop = session.execute(select(RenderPart.first_sheet, RenderPart.stop_sheet).where(
            RenderPart.proof_id == proof_id, RenderPart.index == index)).one()
    started = time.monotonic()
    try:
        with Heartbeat(home.factory, proof_id, home.settings.heartbeat_seconds,
                       also=_stamp(proof_id, index, me)) as beat:
            _draw(home, proof_id, index, first, stop, beat)
    except RenderCancelled:
        with transaction(home.factory) as session:
            _end_cancelled(home, session, proof_id)
        return
    except Exception as exc:  # noqa: BLE001 - any failure of a part is recorded and retried
        _part_failed(home, proof_id, index, me, str(exc) or type(exc).__name__, dispatch)
        return
    _part_done(home, proof_id, index, me, time.monotonic() - started, dispatch)


def run_join(home: Home, proof_id: int) -> None:
    """Join the parts of a job whose parts are all done, apply PDF/X, check and close it."""
    from album.render.pdf import finish_book

    with transaction(home.factory) as session:
        claimed = session.execute(
            update(Proof).where(Proof.id == proof_id, Proof.worker == JOIN, Proof.status.in_(LIVE))
            .values(worker=this_worker(), heartbeat_at=datetime.now(timezone.utc)))
        if claimed.rowcount != 1:
            return
        total = session.scalar(select(Proof.parts_total).where(Proof.id == proof_id)) or 0

    def body(beat: Heartbeat) -> None:
        beat.check()
        plan: RenderPlan = _get_pickle(home, object_key(proof_id, "plan.pickle"))
        reports = [_get_pickle(home, object_key(proof_id, f"{i:04d}.report.pickle"))
                   for i in range(total)]
        report = merge_reports(reports, plan.out_path)
        with tempfile.TemporaryDirectory(prefix="huace-join-") as work:
            paths = [home.store.fetch_object(object_key(proof_id, f"{i:04d}.pdf"))
                     for i in range(total)]
            if len(paths) == 1:  # finish_book moves a single part; the store keeps its own
                paths = [Path(shutil.copy(paths[0], Path(work) / "part.pdf"))]
            finish_book(paths, plan.out_path, plan.book, plan.options, report)
        beat.check()
        complete_render(home, plan, report, beat)
    try:
        run_guarded(home, proof_id, body)
    except Exception:  # noqa: BLE001 - run_guarded stored the reason on the row
        log.info("join of render job %s ended without a book", proof_id, exc_info=True)
    finally:
        home.store.remove_objects(object_key(proof_id))


def merge_reports(reports: list[RenderReport], out_path: Path) -> RenderReport:
    """The report of the whole book from its parts' reports, in order."""
    merged = RenderReport(out_path=out_path, mode=reports[0].mode, parts=len(reports))
    for part in reports:
        merged.page_count += part.page_count
        merged.sheet_count += part.sheet_count
        merged.images.extend(part.images)
        merged.text_issues.extend(part.text_issues)
        merged.images_processed += part.images_processed
        merged.images_cached += part.images_cached
        merged.images_passthrough += part.images_passthrough
    return merged


def stale_parts(session: Session, settings: Settings) -> list[RenderPart]:
    """Running parts of live jobs whose worker went silent (heartbeat older than
    ``stale_after_seconds``, or its process on this host gone)."""
    now = datetime.now(timezone.utc)
    rows = session.scalars(
        select(RenderPart).join(Proof, Proof.id == RenderPart.proof_id)
        .where(RenderPart.status == "running", Proof.worker == PARTS, Proof.status.in_(LIVE))
        .order_by(RenderPart.id)).all()
    limit = timedelta(seconds=settings.stale_after_seconds)
    return [part for part in rows if process_gone(part.worker) or part.heartbeat_at is None
            or now - utc(part.heartbeat_at) > limit]


def sweep_parts(home: Home, dispatch: Dispatch) -> tuple[list[int], list[int]]:
    """Put back the stale parts, or fail their job once a part has had ``max_attempts``
    starts; return (job ids with a part put back, job ids failed). A part changes only if no
    other sweeper changed it first."""
    retried: list[tuple[int, int]] = []
    failed: list[int] = []
    with transaction(home.factory) as session:
        for part in stale_parts(session, home.settings):
            spent = part.attempts >= home.settings.max_attempts
            changed = session.execute(
                update(RenderPart).where(RenderPart.id == part.id, RenderPart.status == "running",
                                         RenderPart.worker == part.worker)
                .values(status="failed" if spent else "queued", worker="",
                        error="工作进程失去响应"))
            if changed.rowcount != 1:
                continue
            if spent:
                _fail_job(session, part, f"工作进程失去响应 {part.attempts} 次")
                failed.append(part.proof_id)
            else:
                retried.append((part.proof_id, part.index))
    for proof_id in failed:
        home.store.remove_objects(object_key(proof_id))
    for proof_id, index in retried:
        dispatch.enqueue_part(proof_id, index)
    return sorted({proof_id for proof_id, _ in retried}), failed


def _draw(home: Home, proof_id: int, index: int, first: int, stop: int, beat: Heartbeat) -> None:
    from album.render.pdf import draw_part

    plan: RenderPlan = _get_pickle(home, object_key(proof_id, "plan.pickle"))
    beat.check()
    with tempfile.TemporaryDirectory(prefix="huace-part-") as work:
        pdf = Path(work) / "part.pdf"
        report = draw_part(plan.book, home.store, pdf, plan.options, first, stop)
        beat.check()
        home.store.put_object(object_key(proof_id, f"{index:04d}.pdf"), pdf)
    _put_pickle(home, object_key(proof_id, f"{index:04d}.report.pickle"), report)


def _stamp(proof_id: int, index: int, me: str):  # type: ignore[no-untyped-def]
    def stamp(session: Session) -> None:
        session.execute(update(RenderPart).where(
            RenderPart.proof_id == proof_id, RenderPart.index == index, RenderPart.worker == me)
            .values(heartbeat_at=datetime.now(timezone.utc)))
    return stamp


def _part_done(home: Home, proof_id: int, index: int, me: str, seconds: float,
               dispatch: Dispatch) -> None:
    with transaction(home.factory) as session:
        done = session.execute(
            update(RenderPart).where(RenderPart.proof_id == proof_id, RenderPart.index == index,
                                     RenderPart.status == "running", RenderPart.worker == me)
            .values(status="done", seconds=seconds, error="",
                    heartbeat_at=datetime.now(timezone.utc)))
        counted = done.rowcount == 1 and session.execute(
            update(Proof).where(Proof.id == proof_id, Proof.worker == PARTS,
                                Proof.status.in_(LIVE))
            .values(parts_done=Proof.parts_done + 1)).rowcount == 1
        if not counted:  # the job ended (failed, cancelled), or this part was taken from us
            ended = session.scalar(select(Proof.status).where(Proof.id == proof_id)) not in LIVE
            if ended:  # what this part put into the store after the job's parts were removed
                home.store.remove_objects(object_key(proof_id))
            return
        total, count = session.execute(
            select(Proof.parts_total, Proof.parts_done).where(Proof.id == proof_id)).one()
        last = count == total
        values: dict[str, Any] = {"progress": min(0.99, count / total)}
        if last:
            values.update(worker=JOIN, heartbeat_at=datetime.now(timezone.utc))
        session.execute(update(Proof).where(Proof.id == proof_id).values(**values))
    if last:
        dispatch.enqueue_join(proof_id)


def _part_failed(home: Home, proof_id: int, index: int, me: str, reason: str,
                 dispatch: Dispatch) -> None:
    with transaction(home.factory) as session:
        part = session.scalar(select(RenderPart).where(
            RenderPart.proof_id == proof_id, RenderPart.index == index,
            RenderPart.status == "running", RenderPart.worker == me))
        if part is None:
            return
        part.error, part.worker = reason, ""
        spent = part.attempts >= home.settings.max_attempts
        part.status = "failed" if spent else "queued"
        if spent:
            _fail_job(session, part, reason)
    if spent:
        home.store.remove_objects(object_key(proof_id))
    else:
        dispatch.enqueue_part(proof_id, index, delay=home.settings.part_retry_seconds)


def _fail_job(session: Session, part: RenderPart, reason: str) -> None:
    session.execute(update(Proof).where(Proof.id == part.proof_id, Proof.status.in_(LIVE)).values(
        status="failed", finished_at=datetime.now(timezone.utc),
        error=f"第 {part.index + 1} 段（第 {part.first_sheet + 1}–{part.stop_sheet} 张）"
              f"绘制失败：{reason}"))


def _end_cancelled(home: Home, session: Session, proof_id: int) -> None:
    """An editor's cancel reached a part: the job ends ``cancelled`` and its parts go."""
    session.execute(update(Proof).where(Proof.id == proof_id, Proof.status == CANCELLING)
                    .values(status="cancelled", finished_at=datetime.now(timezone.utc)))
    home.store.remove_objects(object_key(proof_id))


def _put_pickle(home: Home, key: str, value: object) -> None:
    with tempfile.TemporaryDirectory(prefix="huace-obj-") as work:
        path = Path(work) / "object.pickle"
        path.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        home.store.put_object(key, path)


def _get_pickle(home: Home, key: str) -> Any:
    return pickle.loads(home.store.fetch_object(key).read_bytes())

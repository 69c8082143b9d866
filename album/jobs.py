"""Render jobs: the proofs table is the record of each job's state and progress; the queue
(album.tasks) carries only the job's id.

A worker that draws an id claims the job (queued → running, one more attempt) and renders it
while a heartbeat stamps the row (album.heartbeat). A job silent for ``stale_after_seconds``, or
whose process on this host is gone, is taken for dead: ``sweep`` puts it back on the queue, up to
``max_attempts`` starts, and then fails it with the reason. A render started directly by
``album render`` (never queued, no attempts) is not retried: it is failed, as it always was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from album.config import Settings
from album.db import transaction
from album.errors import AlbumError
from album.heartbeat import CANCELLING
from album.home import Home
from album.models import Proof
from album.publish import run_proof
from album.workers import process_gone, this_worker

INTERRUPTED = "渲染被中断（服务重启）；请重新开始"
ACTIVE = ("queued", "running", CANCELLING)
IN_QUEUE = ""  # the worker of a job waiting in the queue: nobody owns it yet
# The worker of a job drawn in parts (album.part_jobs) while its parts are out, and while its
# join waits in the queue: the parts beat and are swept on their own rows.
PARTS, JOIN = "parts", "join"


def gave_up(attempts: int) -> str:
    return f"渲染进程中断了 {attempts} 次（工作进程失去响应），已放弃；请检查后重新开始"


class ProgressWriter:
    """Writes progress to the proof row, at most once per 2 % step."""

    def __init__(self, home: Home, proof_id: int) -> None:
        self.home, self.proof_id, self.last = home, proof_id, -1.0

    def __call__(self, fraction: float) -> None:
        fraction = max(0.0, min(0.99, fraction))
        if fraction - self.last < 0.02:
            return
        self.last = fraction
        with transaction(self.home.factory) as session:
            proof = session.get(Proof, self.proof_id)
            if proof is not None:
                proof.progress = fraction


def claim(home: Home, proof_id: int) -> bool:
    """Take a queued job for this process; False when it was cancelled or another worker has it
    (a job put back on the queue may be delivered twice)."""
    with transaction(home.factory) as session:
        taken = session.execute(
            update(Proof).where(Proof.id == proof_id, Proof.status == "queued")
            .values(status="running", attempts=Proof.attempts + 1, worker=this_worker(),
                    heartbeat_at=datetime.now(timezone.utc), progress=0.0))
        return taken.rowcount == 1


def run_job(home: Home, proof_id: int, start_parts: Callable[[int], None] | None = None) -> None:
    """Run one queued render to its end, or, given ``start_parts``, hand a page render to it to
    be drawn in parts; failures are recorded on the proof row."""
    if not claim(home, proof_id):
        return
    try:
        if start_parts is not None and _kind(home, proof_id) != "cover":
            start_parts(proof_id)
        else:
            run_proof(home, proof_id, ProgressWriter(home, proof_id))
    except Exception:  # noqa: BLE001 - run_proof and start_parts already stored the reason on the row
        return


def _kind(home: Home, proof_id: int) -> str | None:
    with transaction(home.factory) as session:
        return session.scalar(select(Proof.kind).where(Proof.id == proof_id))


def cancel_job(session: Session, proof: Proof) -> str:
    """An editor's cancel: a queued job is never started, a running one stops at its next
    progress step (its worker reads ``cancelling`` on its heartbeat). Returns the new status."""
    if proof.status == "queued":
        proof.status = "cancelled"  # its name says it all: no failure reason
        proof.finished_at = datetime.now(timezone.utc)
    elif proof.status == "running":
        proof.status = CANCELLING
    elif proof.status != CANCELLING:
        raise AlbumError("这个渲染任务已经结束，无法取消")
    return proof.status


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stamp here is written in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def is_stale(proof: Proof, settings: Settings, now: datetime) -> bool:
    """A job nobody is working on any more. One waiting in the queue is not stale, nor one drawn
    in parts while its parts are out or its join waits (its parts are swept, album.part_jobs);
    a running one is when its heartbeat is older than ``stale_after_seconds`` or its process
    here is gone."""
    if proof.status == "queued" and proof.worker == IN_QUEUE:
        return False
    if proof.worker in (PARTS, JOIN):  # its parts are judged on their own rows
        return False
    if process_gone(proof.worker):
        return True
    last = utc(proof.heartbeat_at) or utc(proof.created_at)
    return last is None or now - last > timedelta(seconds=settings.stale_after_seconds)


def stale_jobs(session: Session, settings: Settings) -> list[Proof]:
    now = datetime.now(timezone.utc)
    active = session.scalars(select(Proof).where(Proof.status.in_(ACTIVE)).order_by(Proof.id)).all()
    return [proof for proof in active if is_stale(proof, settings, now)]


@dataclass
class Sweep:
    """What one sweep did with the stale jobs it found (``parts_retried``: jobs drawn in parts
    with a part put back, album.part_jobs)."""
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    parts_retried: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.retried) + len(self.failed) + len(self.cancelled) + len(self.parts_retried)


def sweep(home: Home, requeue: Callable[[int], None]) -> Sweep:
    """Put stale queue jobs back on the queue (``requeue``) or fail them after ``max_attempts``;
    fail stale direct renders; end stale cancels. Each row changes only if no other sweeper
    changed it first, so every worker may sweep at once."""
    done = Sweep()
    settings = home.settings
    with transaction(home.factory) as session:
        for proof in stale_jobs(session, settings):
            now = datetime.now(timezone.utc)
            if proof.status == CANCELLING:
                values, bucket = {"status": "cancelled", "finished_at": now}, done.cancelled
            elif proof.attempts == 0:
                values, bucket = {"status": "failed", "error": INTERRUPTED, "finished_at": now}, done.failed
            elif proof.attempts >= settings.max_attempts:
                values = {"status": "failed", "error": gave_up(proof.attempts), "finished_at": now}
                bucket = done.failed
            else:
                values = {"status": "queued", "worker": IN_QUEUE, "heartbeat_at": None, "progress": 0.0}
                bucket = done.retried
            beat = (Proof.heartbeat_at.is_(None) if proof.heartbeat_at is None
                    else Proof.heartbeat_at == proof.heartbeat_at)
            changed = session.execute(
                update(Proof).where(Proof.id == proof.id, Proof.status == proof.status,
                                    Proof.worker == proof.worker, beat).values(**values))
            if changed.rowcount == 1:
                bucket.append(proof.id)
    for proof_id in done.retried:
        requeue(proof_id)
    return done

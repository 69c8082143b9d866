"""Render jobs: state and progress live in the database, so any web process can report them.

The in-process runner starts a thread per job; a queue (RQ, Celery) would call ``run_job``
on a worker machine instead. Each job row names the process that owns it ("host:pid"); a job
left queued or running by a process that died is marked failed (``fail_interrupted``), never
left stuck, while a job whose process still runs is left alone.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from album.db import transaction
from album.home import Home
from album.models import Proof
from album.publish import create_proof, run_proof
from album.workers import worker_alive

INTERRUPTED = "渲染被中断（服务重启）；请重新开始"


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


def run_job(home: Home, proof_id: int) -> None:
    """Run one reserved render to its end; failures are recorded on the proof row."""
    try:
        run_proof(home, proof_id, ProgressWriter(home, proof_id))
    except Exception:  # noqa: BLE001 - run_proof already stored the reason on the row
        return


def start_render(home: Home, album_id: int, kind: str, *, user_id: int | None,
                 spreads: bool = False, final: bool = False) -> int:
    """Reserve a proof number and render it in a background thread; return the proof id."""
    proof = create_proof(home, album_id, kind, spreads=spreads, final=final, user_id=user_id)
    threading.Thread(target=run_job, args=(home, proof.id), name=f"render-{proof.id}",
                     daemon=True).start()
    return proof.id


def interrupted_jobs(session: Session) -> list[Proof]:
    """Jobs queued or running whose owning process is gone."""
    active = session.scalars(select(Proof).where(Proof.status.in_(("queued", "running")))).all()
    return [proof for proof in active if not worker_alive(proof.worker)]


def fail_interrupted(home: Home) -> int:
    """Mark jobs that a dead process left queued or running as failed; return how many."""
    with transaction(home.factory) as session:
        stale = interrupted_jobs(session)
        for proof in stale:
            proof.status = "failed"
            proof.error = INTERRUPTED
            proof.finished_at = datetime.now(timezone.utc)
        return len(stale)

"""The heartbeat of a running render: a thread beside the render stamps the job row every few
seconds, whatever the render's progress, so any machine can tell a live job from a dead one.

The same beat reads the row back: an editor's cancel (status ``cancelling``) reaches the render
this way and stops it at its next progress step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from types import TracebackType

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from album.db import transaction
from album.errors import RenderCancelled
from album.models import Proof

CANCELLING = "cancelling"
log = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(factory, proof_id, interval):`` beats until the block ends. ``also`` is
    stamped in the same transaction (the row of one part of a render drawn in parts)."""

    def __init__(self, factory: sessionmaker[Session], proof_id: int, interval: float,
                 also: Callable[[Session], None] | None = None) -> None:
        self.factory, self.proof_id, self.interval, self.also = factory, proof_id, interval, also
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{proof_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        """Stamp the row now; note a cancel request."""
        with transaction(self.factory) as session:
            session.execute(update(Proof).where(Proof.id == self.proof_id)
                            .values(heartbeat_at=datetime.now(timezone.utc)))
            if self.also is not None:
                self.also(session)
            proof = session.get(Proof, self.proof_id)
            # "cancelled" too: a part of a render drawn in parts whose job another part ended
            if proof is not None and proof.status in (CANCELLING, "cancelled"):
                self.cancelled.set()

    def check(self) -> None:
        """Raise RenderCancelled once an editor has asked to cancel."""
        if self.cancelled.is_set():
            raise RenderCancelled()

    def guard(self, progress: Callable[[float], None] | None) -> Callable[[float], None]:
        """``progress`` that first stops a cancelled render: each step before the end is a
        place to stop (the PDF is still in its temporary folder then)."""
        def step(fraction: float) -> None:
            if fraction < 1.0:
                self.check()
            if progress is not None:
                progress(fraction)
        return step

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a missed beat (database busy) is tried again next time
                log.warning("heartbeat of render job %s missed", self.proof_id, exc_info=True)

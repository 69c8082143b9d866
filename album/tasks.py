"""The render queue: Huey carries a job's id from whoever starts a render to whichever worker
draws it. Huey because it runs on what is already here: a SQLite file in the home for one machine
(no server), Redis for many, with the same task code and a real consumer for ``album worker``.

The jobs table stays the record (album.jobs): the queue holds nothing but ids, so losing a
queue message loses no state, and a job put back by a sweep is just its id enqueued again.
A render drawn in parts (album.part_jobs) adds two tasks: ``render_part(proof_id, index)`` and
``join_parts(proof_id)``.
"""

from __future__ import annotations

import logging
import threading
import time

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from album.home import Home
from album.jobs import IN_QUEUE, Sweep, run_job, sweep
from album.part_jobs import run_join, run_part, start_parts, sweep_parts, use_parts
from album.publish import create_proof

log = logging.getLogger(__name__)
TASK = "render"


def make_huey(home: Home) -> Huey:
    """The home's queue: ``queue_url`` (Redis) when set, else ``HOME/queue.sqlite3``."""
    settings = home.settings
    if settings.queue_url:
        return RedisHuey("huace", url=settings.queue_url, results=False)
    return SqliteHuey("huace", filename=str(settings.queue_path), results=False)


class RenderQueue:
    """One home's queue and its tasks: ``render(proof_id)``, and for a render drawn in parts
    ``render_part(proof_id, index)`` and ``join_parts(proof_id)``."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.huey = make_huey(home)
        self.render = self.huey.task(name=TASK)(self._render)
        self.part = self.huey.task(name="render_part")(self._part)
        self.join = self.huey.task(name="join_parts")(self._join)
        self._consumer: EmbeddedConsumer | None = None
        self._lock = threading.Lock()

    def _render(self, proof_id: int) -> None:
        in_parts = use_parts(self.home.settings)
        run_job(self.home, proof_id,
                (lambda job: start_parts(self.home, job, self)) if in_parts else None)

    def _part(self, proof_id: int, index: int) -> None:
        run_part(self.home, proof_id, index, self)

    def _join(self, proof_id: int) -> None:
        run_join(self.home, proof_id)

    def enqueue(self, proof_id: int) -> None:
        self.render(proof_id)

    def enqueue_part(self, proof_id: int, index: int, delay: float = 0.0) -> None:
        if delay > 0:
            self.part.schedule((proof_id, index), delay=delay)
        else:
            self.part(proof_id, index)

    def enqueue_join(self, proof_id: int) -> None:
        self.join(proof_id)

    def sweep(self) -> Sweep:
        """Retry or fail the jobs, and the parts, whose worker went silent (album.jobs.sweep,
        album.part_jobs.sweep_parts)."""
        done = sweep(self.home, self.enqueue)
        retried, failed = sweep_parts(self.home, self)
        done.parts_retried.extend(retried)
        done.failed.extend(failed)
        return done

    def start_consumer(self) -> None:
        """Consume this queue in a thread of this process (``album serve`` on one machine)."""
        with self._lock:
            if self._consumer is None or not self._consumer.is_alive():
                self._consumer = EmbeddedConsumer(self)
                self._consumer.start()

    def stop_consumer(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.stop()
                self._consumer = None

    def pending(self) -> int:
        return self.huey.pending_count()


class EmbeddedConsumer(threading.Thread):
    """A small consumer in a thread: dequeue, execute, enqueue delayed tasks once due, and sweep
    every heartbeat interval.

    Huey's Consumer sets signal handlers, which only the main thread may do; a web server's
    main thread is the server's, so the embedded consumer uses Huey's dequeue/execute instead.
    """

    def __init__(self, queue: RenderQueue) -> None:
        super().__init__(name="render-queue", daemon=True)
        self.queue = queue
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def run(self) -> None:
        interval = self.queue.home.settings.heartbeat_seconds
        next_sweep = next_schedule = 0.0
        while not self._halt.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    self.queue.sweep()
                    next_sweep = time.monotonic() + interval
                if time.monotonic() >= next_schedule:  # delayed tasks (a part's retry) now due
                    for due in self.queue.huey.read_schedule():
                        self.queue.huey.enqueue(due)
                    next_schedule = time.monotonic() + 1.0
                task = self.queue.huey.dequeue()
                if task is None:
                    self._halt.wait(0.2)
                else:
                    self.queue.huey.execute(task)
            except Exception:  # noqa: BLE001 - the consumer must outlive one bad message or a busy database
                log.exception("render queue consumer")
                self._halt.wait(1.0)


def start_render(queue: RenderQueue, album_id: int, kind: str, *, user_id: int | None,
                 spreads: bool = False, final: bool = False) -> int:
    """Reserve a proof number and put the render on the queue; return the proof id."""
    proof = create_proof(queue.home, album_id, kind, spreads=spreads, final=final, user_id=user_id,
                         worker=IN_QUEUE)
    queue.enqueue(proof.id)
    return proof.id

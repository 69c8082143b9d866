"""``album worker``: a Huey consumer for the home's render queue, in its own process, so renders
run on as many processes and machines as the queue (``queue_url``) reaches."""

from __future__ import annotations

import logging
import threading

import click

from album.cli.common import open_ctx_home
from album.tasks import RenderQueue

log = logging.getLogger(__name__)


@click.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Renders this process runs at once (threads; each render also uses image processes).")
@click.pass_context
def worker(ctx: click.Context, workers: int) -> None:
    """Render the jobs of the home's queue until stopped: Ctrl-C lets running renders finish,
    SIGTERM stops at once (their jobs go silent and are retried by another worker).

    Beside the consumer, a sweep puts back on the queue any job whose worker went silent."""
    home = open_ctx_home(ctx)
    queue = RenderQueue(home)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep_until, args=(queue, stop), name="sweep", daemon=True)
    sweeper.start()
    where = home.settings.queue_url or home.settings.queue_path
    click.echo(f"渲染队列 {where}：{workers} 个并行任务；按 Ctrl-C 停止")
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                          initial_delay=0.1, backoff=1.15, max_delay=1.0)
    try:
        consumer.run()
    finally:
        stop.set()
        sweeper.join()


def _sweep_until(queue: RenderQueue, stop: threading.Event) -> None:
    while not stop.wait(queue.home.settings.heartbeat_seconds):
        try:
            done = queue.sweep()
        except Exception:  # noqa: BLE001 - a busy database now is swept again next time
            log.exception("sweep of stale render jobs")
            continue
        if done.count:
            log.info("sweep: retried %s, failed %s, cancelled %s",
                                             done.retried, done.failed, done.cancelled)

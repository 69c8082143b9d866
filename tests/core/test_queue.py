"""Render jobs on the Huey queue: real ``album worker`` processes draw them, a job whose worker
dies is retried on another (attempts counted), one out of attempts ends failed, a cancel stops
a queued job, and RedisHuey on a real redis-server renders as the SQLite queue does."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from album.config import load_settings
from album.db import transaction
from album.jobs import cancel_job
from album.models import Proof
from album.tasks import RenderQueue, start_render
from cli_support import run_album
from queue_support import album_worker, home_with_photos, kill_hard, proof_row, wait_for, write_toml
from web_support import redis_server

pytestmark = pytest.mark.db


def _qpdf_ok(path: Path) -> bool:
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0


@pytest.mark.slow  # two workers, one killed mid-render, and a cold print render of 14 photos
def test_a_job_whose_worker_is_killed_is_retried_on_another_and_finishes(settings, corpus, tmp_path):
    home, album_id = home_with_photos(settings, corpus, 14)
    queue = RenderQueue(home)
    proof_id = start_render(queue, album_id, "print", user_id=None)
    assert proof_row(home, proof_id).status == "queued" and queue.pending() == 1

    with album_worker(settings.home, log=tmp_path / "a.log") as first:
        # Killed as soon as it has beaten once while running: early in the render, so a
        # loaded machine cannot let it finish first.
        running = wait_for(home, proof_id, lambda p: p.status == "running" and p.heartbeat_at is not None,
                           what="running")
        assert running.attempts == 1 and running.worker.endswith(f":{first.pid}")
        beat = running.heartbeat_at
        wait_for(home, proof_id, lambda p: p.heartbeat_at > beat, timeout=10,
                 what="a running job beats while it renders")
        kill_hard(first)
    dead = proof_row(home, proof_id)
    assert dead.status == "running" and dead.attempts == 1
    time.sleep(1.0)
    assert proof_row(home, proof_id).heartbeat_at == dead.heartbeat_at, "a dead worker beats no more"

    with album_worker(settings.home, log=tmp_path / "b.log") as second:
        done = wait_for(home, proof_id, lambda p: p.status in ("done", "failed"), timeout=240,
                        what="done")
        assert done.status == "done", done.error
        assert done.attempts == 2 and done.worker.endswith(f":{second.pid}")
    pdf = Path(done.pdf_path)
    assert _qpdf_ok(pdf) and done.pdf_sha256
    assert queue.pending() == 0
    clean = run_album(settings.home, "check", check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def _stale_row(home, album_id, number, status, attempts, beat_age, worker="other-host:4242"):  # type: ignore[no-untyped-def]
    with transaction(home.factory) as s:
        proof = Proof(album_id=album_id, number=number, kind="proof", status=status, attempts=attempts,
                      worker=worker, heartbeat_at=datetime.now(timezone.utc) - timedelta(seconds=beat_age),
                      pdf_path=str(home.settings.proofs_dir / f"{number:03d}-proof.pdf"))
        s.add(proof)
        s.flush()
        return proof.id


def test_check_repair_retries_a_silent_job_and_fails_one_out_of_attempts(settings, corpus):
    """Jobs of another host: judged by their heartbeat alone (no longer alive for ever)."""
    home, album_id = home_with_photos(settings, corpus, 1, stale_after_seconds=30, max_attempts=3)
    silent = _stale_row(home, album_id, 1, "running", 1, beat_age=90)
    spent = _stale_row(home, album_id, 2, "running", 3, beat_age=90)
    beating = _stale_row(home, album_id, 3, "running", 1, beat_age=2)
    waiting = _stale_row(home, album_id, 4, "queued", 0, beat_age=90, worker="")
    cancelling = _stale_row(home, album_id, 5, "cancelling", 1, beat_age=90)

    report = run_album(settings.home, "check", check=False)
    assert report.returncode == 1 and "3 个渲染任务停在进行中" in report.stdout, report.stdout
    repaired = run_album(settings.home, "check", "--repair").stdout
    assert "1 个中断的渲染任务已重新排队" in repaired and "1 个中断的渲染任务已标为失败" in repaired
    assert "1 个取消中的渲染任务已标为取消" in repaired

    rows = {pid: proof_row(home, pid) for pid in (silent, spent, beating, waiting, cancelling)}
    assert (rows[silent].status, rows[silent].worker, rows[silent].attempts) == ("queued", "", 1)
    assert rows[spent].status == "failed" and "中断了 3 次" in rows[spent].error and "已放弃" in rows[spent].error
    assert rows[beating].status == "running" and rows[waiting].status == "queued"
    assert rows[cancelling].status == "cancelled"
    assert RenderQueue(home).pending() == 1, "the silent job's id is back on the queue"
    assert run_album(settings.home, "check").returncode == 0


@pytest.mark.slow  # a job retried until its attempts run out: three starts, each killed
def test_a_job_killed_on_every_attempt_ends_failed(settings, corpus, tmp_path):
    home, album_id = home_with_photos(settings, corpus, 14, max_attempts=2)
    queue = RenderQueue(home)
    proof_id = start_render(queue, album_id, "print", user_id=None)
    for attempt in (1, 2):
        with album_worker(settings.home, log=tmp_path / f"w{attempt}.log") as worker:
            wait_for(home, proof_id, lambda p: p.status == "running" and p.attempts == attempt,
                     what=f"running, attempt {attempt}")
            kill_hard(worker)
    with album_worker(settings.home, log=tmp_path / "sweeper.log"):
        failed = wait_for(home, proof_id, lambda p: p.status != "running", what="swept")
    assert failed.status == "failed" and failed.attempts == 2 and "中断了 2 次" in failed.error
    assert not Path(failed.pdf_path).exists()


def test_a_cancelled_queued_job_is_never_started(settings, corpus, tmp_path):
    home, album_id = home_with_photos(settings, corpus, 2)
    queue = RenderQueue(home)
    cancelled = start_render(queue, album_id, "proof", user_id=None)
    with transaction(home.factory) as s:
        assert cancel_job(s, s.get(Proof, cancelled)) == "cancelled"
    after = start_render(queue, album_id, "proof", user_id=None)
    with album_worker(settings.home, log=tmp_path / "w.log"):
        wait_for(home, after, lambda p: p.status == "done", what="done")
    row = proof_row(home, cancelled)
    assert (row.status, row.attempts, row.error) == ("cancelled", 0, "")
    assert not Path(row.pdf_path).exists() and queue.pending() == 0


@pytest.mark.slow  # starts a redis-server and a worker process, and renders
def test_redis_queue_renders_with_a_real_redis_server(settings, corpus, tmp_path):
    with redis_server() as url:
        home, album_id = home_with_photos(settings, corpus, 3, queue_url=url)
        queue = RenderQueue(home)
        assert type(queue.huey).__name__ == "RedisHuey"
        proof_id = start_render(queue, album_id, "proof", user_id=None)
        assert queue.pending() == 1
        with album_worker(settings.home, "--workers", "2", log=tmp_path / "w.log"):
            done = wait_for(home, proof_id, lambda p: p.status in ("done", "failed"), what="done")
        assert done.status == "done" and done.attempts == 1, done.error
        assert _qpdf_ok(Path(done.pdf_path)) and queue.pending() == 0
        assert not home.settings.queue_path.exists(), "with queue_url set, no SQLite queue is made"


def test_queue_url_from_the_environment_wins_and_must_be_redis(tmp_path, monkeypatch):
    write_toml(tmp_path, {"queue_url": "redis://127.0.0.1:1/0"})
    monkeypatch.setenv("ALBUM_QUEUE_URL", "redis://127.0.0.1:2/0")
    assert load_settings(tmp_path).queue_url == "redis://127.0.0.1:2/0"
    monkeypatch.setenv("ALBUM_QUEUE_URL", "amqp://elsewhere")
    from album.errors import ConfigError

    with pytest.raises(ConfigError, match="redis"):
        load_settings(tmp_path)

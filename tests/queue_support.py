"""Helpers for the render-queue tests: a home with accepted photos and queue settings, real
``album worker`` processes (always stopped after), and reading a job's row while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from album.catalog import create_album
from album.config import Settings, load_settings
from album.db import transaction
from album.home import Home, open_home
from album.ingest.importer import import_paths
from album.models import Proof, ReviewState
from cli_support import album_argv

# Fast beats and a short patience, so a dead worker's job is noticed within seconds.
QUICK = {"heartbeat_seconds": 0.3, "stale_after_seconds": 3}


def write_toml(home: Path, values: dict[str, object]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"'
             for key, value in values.items()]
    (home / "album.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def home_with_photos(settings: Settings, corpus: Path, count: int, **toml: object) -> tuple[Home, int]:
    """A home whose album has ``count`` accepted corpus photos in one chapter; ``toml`` goes to
    its album.toml (read by this process and by every ``album`` command on it)."""
    write_toml(settings.home, {**QUICK, **toml})
    home = open_home(load_settings(settings.home, database_url=settings.database_url), create=True)
    with transaction(home.factory) as session:
        album_id = create_album(session, "队列测试").id
    photos = sorted((corpus / "photos").glob("*.jpg"))[:count]
    import_paths(home.factory, home.store, home.settings.limits, album_id, photos,
                 chapter="第一篇", status=ReviewState.accepted)
    return home, album_id


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a process started with its own session, and to its group (its image workers);
    SIGKILL to the group if it has not ended within 20 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@contextmanager
def album_worker(home: Path, *args: str, env: dict[str, str] | None = None,
                 log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``album worker`` process (its own process group, so its image workers go with it);
    stopped with SIGTERM after (SIGKILL if it does not end), whatever the test did to it."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(album_argv(home, "worker", *args), stdout=out, stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        yield process
    finally:
        stop_group(process)
        if log:
            out.close()  # type: ignore[union-attr]


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """``kill -9`` of the worker and its image processes, as a power cut would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def proof_row(home: Home, proof_id: int) -> Proof:
    with transaction(home.factory) as session:
        proof = session.get(Proof, proof_id)
        session.expunge(proof)
        return proof


def wait_for(home: Home, proof_id: int, until: Callable[[Proof], bool], timeout: float = 120,
             what: str = "") -> Proof:
    """Poll the job's row until ``until(row)`` holds; fail with the last row seen."""
    deadline = time.monotonic() + timeout
    while True:
        row = proof_row(home, proof_id)
        if until(row):
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"job {proof_id} never became {what}: status={row.status} "
                                 f"attempts={row.attempts} error={row.error!r}")
        time.sleep(0.1)

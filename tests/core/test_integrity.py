"""``album check`` finds every disagreement between rows and files, and repair loses nothing."""

from __future__ import annotations

import os
import time

import pytest

from album.catalog import create_album
from album.db import transaction
from album.home import open_home
from album.ingest.importer import import_paths
from album.integrity import check_home
from album.models import Photo, Proof


def _home_with_photos(settings, corpus, names):
    home = open_home(settings, create=True)
    with transaction(home.factory) as s:
        album_id = create_album(s, "检查").id
    import_paths(home.factory, home.store, settings.limits, album_id,
                 [corpus / "photos" / n for n in names])
    return home, album_id


def test_clean_home_passes(settings, corpus):
    home, _ = _home_with_photos(settings, corpus, ["kde-kite.jpg", "mate-dune.jpg"])
    assert check_home(home).clean


def test_missing_orphan_corrupt_temp_and_stuck_are_reported_and_repaired(settings, corpus, tmp_path):
    home, album_id = _home_with_photos(settings, corpus, ["kde-kite.jpg", "mate-dune.jpg", "kde-path.jpg"])
    with transaction(home.factory) as s:
        kite, dune, path = (s.query(Photo).filter_by(original_name=n).one()
                            for n in ("kde-kite.jpg", "mate-dune.jpg", "kde-path.jpg"))
        s.delete(dune)  # its file becomes an orphan
        s.add(Proof(album_id=album_id, number=1, kind="proof", status="running"))
    home.store.original_path(kite.sha256).unlink()  # a row without its file
    corrupt = home.store.original_path(path.sha256)
    corrupt.write_bytes(corrupt.read_bytes()[:-10] + b"0123456789")  # bit rot
    tmp = home.store.original_path(kite.sha256).parent / ".tmp-abc"
    tmp.write_bytes(b"half")
    hour_ago = time.time() - 3600
    os.utime(tmp, (hour_ago, hour_ago))  # left by a process killed an hour ago
    fresh = tmp.with_name(".tmp-def")
    fresh.write_bytes(b"being written")  # a write under way on another worker: not touched

    report = check_home(home)
    assert not report.clean
    assert report.missing_files == [(kite.id, kite.sha256)]
    assert report.orphan_files == [dune.sha256]
    assert report.corrupt_files == [path.sha256]
    assert report.temp_files == [tmp]
    assert report.stuck_jobs == 1

    check_home(home, repair=True)
    aside = settings.home / "lost+found"
    assert (aside / dune.sha256).is_file() and (aside / path.sha256).is_file()
    assert not tmp.exists()
    assert fresh.read_bytes() == b"being written"
    after = check_home(home)
    # A lost file cannot be invented, and the rotten one now sits in lost+found: both still reported.
    assert sorted(after.missing_files) == sorted([(kite.id, kite.sha256), (path.id, path.sha256)])
    assert not (after.orphan_files or after.corrupt_files or after.temp_files or after.stuck_jobs)


def test_render_that_cannot_start_is_marked_failed_not_left_queued(settings, corpus):
    from album.errors import ConfigError
    from album.models import Album
    from album.publish import render_album

    home, album_id = _home_with_photos(settings, corpus, ["kde-kite.jpg"])
    with transaction(home.factory) as s:
        s.get(Album, album_id).icc_profile_path = "/nonexistent/press.icc"
    with pytest.raises(ConfigError, match="ICC"):
        render_album(home, album_id, "print", out_path=settings.home / "x.pdf")
    with transaction(home.factory) as s:
        proof = s.query(Proof).one()
        assert proof.status == "failed" and "ICC" in proof.error
    assert check_home(home).clean


def test_a_job_whose_process_lives_is_not_taken_for_stuck(settings, corpus):
    import os
    import socket
    import subprocess
    import sys

    home, album_id = _home_with_photos(settings, corpus, ["kde-kite.jpg"])
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    try:
        with transaction(home.factory) as s:
            s.add(Proof(album_id=album_id, number=1, kind="print", status="running", worker=f"{host}:{alive.pid}"))
            s.add(Proof(album_id=album_id, number=2, kind="print", status="running", worker=f"{host}:{dead.pid}"))
            s.add(Proof(album_id=album_id, number=3, kind="print", status="running", worker="other-host:1"))
            s.add(Proof(album_id=album_id, number=4, kind="proof", status="running", worker=f"{host}:{os.getpid()}"))
        report = check_home(home, repair=True)
        assert report.stuck_jobs == 1
        with transaction(home.factory) as s:
            states = {p.number: p.status for p in s.query(Proof)}
        assert states == {1: "running", 2: "failed", 3: "running", 4: "running"}
    finally:
        alive.kill()
        alive.wait()

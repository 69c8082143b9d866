"""SIGKILL ``album import`` and ``album render`` at seeded random points; nothing committed is lost,
nothing is left inconsistent, and running the command again finishes the work without duplicates.

What a kill may leave, and what is accepted:
- ``.tmp-*`` files in the media store (a copy or cache write cut short): ``check`` reports them and
  ``check --repair`` deletes them. They are never complete originals, so deleting them loses nothing.
- an original stored whose row was not yet committed (killed between the two): ``check`` reports it
  as an orphan; re-running the import adopts it (the store is content-addressed, so the file is
  reused, not copied twice) and the orphan is gone. We re-import before repairing, so repair moves
  nothing into lost+found.
- a Proof row left ``queued``/``running``: ``check`` reports a stuck job, ``check --repair`` marks it
  failed with the reason. The target PDF never exists half-written (renders go to a temp file that
  is renamed into place): after a kill it is either absent or whole.
Never accepted: a row without its file, a file whose content does not match its name, a duplicate.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from album.db import transaction
from album.home import open_home
from album.integrity import check_home
from album.jobs import INTERRUPTED
from album.models import Photo, Proof
from cli_support import album_argv, run_album

pytestmark = [pytest.mark.db, pytest.mark.slow]  # slow: each kill-and-rerun loop takes 10-15 s

SEED = 20240607
TRIES = 4


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_album(home, *args, check=False, timeout=300)


def start(home: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(album_argv(home, *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the command and any worker it started; True if it was still running."""
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return alive


@pytest.fixture
def photo_folder(corpus: Path, tmp_path: Path) -> Path:
    """Fourteen corpus photos: an import of them takes a few seconds, enough to be cut short."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for path in sorted((corpus / "photos").glob("*.jpg"))[:14]:
        shutil.copy(path, folder / path.name)
    return folder


def rows_by_sha(settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    home = open_home(settings)
    try:
        with transaction(home.factory) as s:
            return {sha: pid for pid, sha in s.execute(select(Photo.id, Photo.sha256))}
    finally:
        home.close()


def assert_consistent(settings) -> None:  # type: ignore[no-untyped-def]
    """What a kill may never leave: rows without files, files not matching their name."""
    home = open_home(settings)
    try:
        report = check_home(home)
    finally:
        home.close()
    assert report.missing_files == [] and report.corrupt_files == [], report.lines()


def kill_after_rows(proc: subprocess.Popen[bytes], settings, rows: int) -> bool:  # type: ignore[no-untyped-def]
    """SIGKILL the import once ``rows`` photos are committed (polled), wherever it then is."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if len(rows_by_sha(settings)) >= rows:
            break
        time.sleep(0.02)
    return kill(proc)


def test_killed_imports_lose_nothing_and_rerun_completes(settings, photo_folder: Path) -> None:
    home = settings.home
    assert run(home, "init", "--title", "断电测试").returncode == 0
    rng = random.Random(SEED)
    seen: dict[str, int] = {}
    killed = 0
    for attempt in range(TRIES):
        proc = start(home, "import", str(photo_folder))
        if attempt == 0:
            # Cut inside the work, however fast or loaded the machine is: after a seeded number
            # of committed photos, wherever the next one then is (copying, checking, committing).
            killed += kill_after_rows(proc, settings, rng.randint(1, 8))
        else:
            time.sleep(rng.uniform(0.2, 3.0))
            killed += kill(proc)
        assert_consistent(settings)
        now = rows_by_sha(settings)
        assert all(now.get(sha) == pid for sha, pid in seen.items()), "a committed photo was lost or changed"
        seen = now
    assert killed >= 1, "the first kill should have cut the import short"
    assert seen, "no photo was committed before the kills"

    done = run(home, "import", str(photo_folder))
    assert done.returncode == 0, done.stderr
    assert f"新增 {14 - len(seen)} 张，重复 {len(seen)} 张" in done.stdout
    final = rows_by_sha(settings)
    assert len(final) == 14 and all(final[sha] == pid for sha, pid in seen.items())
    store_files = sorted(p.name for p in (settings.media_root / "originals").rglob("*")
                         if p.is_file() and not p.name.startswith("."))
    assert store_files == sorted(final), "every original stored exactly once, each with its row"

    first = run(home, "check")
    if first.returncode != 0:  # only temp files from a cut-short copy may remain
        assert first.stdout.splitlines(), first.stderr
        assert all(line.startswith("中断写入留下的临时文件") for line in first.stdout.splitlines()), first.stdout
        assert run(home, "check", "--repair").returncode == 0
    clean = run(home, "check")
    assert clean.returncode == 0 and "检查通过" in clean.stdout, clean.stdout + clean.stderr
    assert not (home / "lost+found").exists(), "nothing should have been moved aside"


def wait_for_running(settings, before: int, proc: subprocess.Popen[bytes]) -> bool:  # type: ignore[no-untyped-def]
    """Poll until the render has reserved its proof and started; False if it ended first."""
    home = open_home(settings)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with transaction(home.factory) as s:
                running = s.scalar(select(func.count(Proof.id)).where(Proof.status == "running"))
                total = s.scalar(select(func.count(Proof.id)))
            if total > before and running:
                return True
            time.sleep(0.05)
        return False
    finally:
        home.close()


def test_killed_renders_leave_no_partial_pdf_and_no_stuck_job(settings, photo_folder: Path, tmp_path: Path) -> None:
    home = settings.home
    assert run(home, "init", "--title", "断电渲染").returncode == 0
    assert run(home, "import", str(photo_folder), "--chapter", "第一篇").returncode == 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rng = random.Random(SEED + 1)
    interrupted = 0
    for attempt in range(TRIES):
        target = out_dir / f"try-{attempt}.pdf"
        before = len(proof_states(settings))
        proc = start(home, "render", "--print", "-o", str(target))
        if wait_for_running(settings, before, proc):
            time.sleep(rng.uniform(0.0, 2.0))
        if kill(proc):
            interrupted += 1
            if target.exists():
                # Killed after the rename (during preflight or the final row update): the PDF
                # there must be whole, never a half-written file.
                whole = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True)
                assert whole.returncode == 0, "a killed render left a broken PDF at the target path"
        else:
            assert proc.returncode == 0 and target.stat().st_size > 0
        assert_consistent(settings)
    assert interrupted >= 1, "the seeded delays should cut the cold render short"
    # A killed process cannot remove its temporary files: the writer's ``.tmp-render-*`` folder
    # and an atomic write's ``.tmp-*`` file (the preflight report beside the PDF) may stay, but
    # nothing else (a PDF under its final name was checked whole above).
    leftovers = [p.name for p in out_dir.iterdir() if not p.name.startswith(".tmp-")]
    assert all(name.startswith("try-") for name in leftovers), leftovers

    states = proof_states(settings)
    stuck = [s for s in states if s[0] in ("queued", "running")]
    # A kill after the final commit (while the process winds down) leaves its proof done.
    assert 1 <= len(stuck) <= interrupted
    report = run(home, "check")
    assert report.returncode == 1 and f"{len(stuck)} 个渲染任务停在进行中" in report.stdout
    assert run(home, "check", "--repair").returncode == 0
    assert all(status in ("done", "failed") for status, _ in proof_states(settings))
    assert sum(1 for status, error in proof_states(settings) if error == INTERRUPTED) == len(stuck)

    final = out_dir / "final.pdf"
    done = run(home, "render", "--print", "-o", str(final))
    assert done.returncode == 0, done.stderr
    pages = subprocess.run(["pdfinfo", str(final)], capture_output=True, text=True, check=True).stdout
    assert "Pages:" in pages and proof_states(settings)[-1] == ("done", "")
    clean = run(home, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not (home / "lost+found").exists()


def proof_states(settings) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    home = open_home(settings)
    try:
        with transaction(home.factory) as s:
            return [(status, error) for status, error in
                    s.execute(select(Proof.status, Proof.error).order_by(Proof.number))]
    finally:
        home.close()

"""A render drawn in parts by two real ``album worker`` processes is the same book as a render
drawn whole in one process, page by page; a part that fails is retried and the book completes;
progress counts the parts done."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select

from album.config import load_settings
from album.db import transaction
from album.models import RenderPart
from album.part_jobs import part_ranges, use_parts
from album.publish import plan_book, render_album
from album.tasks import RenderQueue, start_render
from queue_support import album_worker, home_with_photos, proof_row, wait_for, write_toml

pytestmark = pytest.mark.db


def page_facts(pdf: Path) -> list[tuple[object, ...]]:
    """Per page: its boxes, its text (pdftotext) and the sha256 of each image's stream as
    embedded (JPEG bytes, never re-encoded, so equal bytes are equal pixels)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.split("\f")
    facts = []
    with pikepdf.open(pdf) as doc:
        for number, page in enumerate(doc.pages):
            boxes = tuple(tuple(float(v) for v in page.obj.get(name, [])) for name in
                          ("/MediaBox", "/TrimBox", "/BleedBox"))
            found = page.get_images()
            images = tuple(sorted(hashlib.sha256(found[key].read_raw_bytes()).hexdigest()
                                  for key in found))
            facts.append((number + 1, boxes, text[number], images))
    return facts


def parts_of(home, proof_id: int) -> list[RenderPart]:  # type: ignore[no-untyped-def]
    with transaction(home.factory) as session:
        rows = session.scalars(select(RenderPart).where(RenderPart.proof_id == proof_id)
                               .order_by(RenderPart.index)).all()
        session.expunge_all()
        return list(rows)


def test_render_parts_setting_chooses_where_queued_renders_are_drawn(tmp_path):
    assert not use_parts(load_settings(tmp_path)), "auto, embedded queue: drawn whole"
    write_toml(tmp_path, {"queue_url": "redis://127.0.0.1:1/0"})
    assert use_parts(load_settings(tmp_path)), "auto, Redis queue: drawn in parts"
    write_toml(tmp_path, {"queue_url": "redis://127.0.0.1:1/0", "render_parts": "local"})
    assert not use_parts(load_settings(tmp_path))
    write_toml(tmp_path, {"render_parts": "everywhere"})
    from album.errors import ConfigError

    with pytest.raises(ConfigError, match="render_parts"):
        load_settings(tmp_path)
    assert part_ranges(7, 3) == [(0, 3), (3, 6), (6, 7)] and part_ranges(0, 3) == []


@pytest.mark.slow  # two worker processes draw a print book in parts, then one process draws it whole
def test_a_book_drawn_in_parts_by_two_workers_is_the_single_process_book(settings, corpus, tmp_path):
    home, album_id = home_with_photos(settings, corpus, 8, render_parts="queue", part_sheets=3)
    queue = RenderQueue(home)
    proof_id = start_render(queue, album_id, "print", user_id=None)
    with album_worker(settings.home, log=tmp_path / "a.log"), \
            album_worker(settings.home, log=tmp_path / "b.log"):
        done = wait_for(home, proof_id, lambda p: p.status in ("done", "failed"), timeout=180,
                        what="done")
    assert done.status == "done", done.error
    parts = parts_of(home, proof_id)
    assert done.parts_total == len(parts) == done.parts_done >= 3
    assert all(part.status == "done" and part.attempts == 1 for part in parts)
    assert [(p.first_sheet, p.stop_sheet) for p in parts] == part_ranges(done.page_count, 3)
    assert not (home.settings.media_root / "objects" / "parts" / str(proof_id)).exists(), \
        "the parts are removed once joined"

    single = render_album(home, album_id, "print", out_path=tmp_path / "single.pdf")
    distributed, whole = page_facts(Path(done.pdf_path)), page_facts(single.pdf_path)
    assert len(distributed) == len(whole) == done.page_count
    for ours, theirs in zip(distributed, whole):
        assert ours == theirs, f"page {ours[0]} differs"
    assert sum(len(page[3]) for page in whole) >= 8, "every photo is on a page"
    reference = proof_row(home, single.proof_id).preflight
    assert {**done.preflight, "checked_at": ""} == {**reference, "checked_at": ""}
    assert done.preflight["errors"] == 0, done.preflight


@pytest.mark.slow  # one part fails until its photo is back: retried after a delay, then joined
def test_a_failed_part_is_retried_and_progress_counts_parts(settings, corpus, tmp_path):
    home, album_id = home_with_photos(settings, corpus, 6, render_parts="queue", part_sheets=2,
                                      part_retry_seconds=1, max_attempts=30)
    book = plan_book(home, album_id)
    ranges = part_ranges(len(book.pages), 2)
    first, stop = ranges[-1]
    last_part = {frame.sha256 for page in book.pages[first:stop] for frame in page.photo_frames()}
    elsewhere = {frame.sha256 for page in book.pages[:first] for frame in page.photo_frames()}
    missing = min(last_part - elsewhere)
    original = home.store.original_path(missing)
    aside = tmp_path / "aside.jpg"
    shutil.move(original, aside)

    queue = RenderQueue(home)
    proof_id = start_render(queue, album_id, "proof", user_id=None)
    total = len(ranges)
    with album_worker(settings.home, log=tmp_path / "w.log"):
        stuck = wait_for(home, proof_id,
                         lambda p: p.parts_done == total - 1 and parts_of(home, proof_id)[-1].error != "",
                         timeout=120, what="all parts done but the failing one")
        assert stuck.status == "running" and stuck.parts_total == total
        assert stuck.progress == pytest.approx((total - 1) / total), "progress = parts done ÷ parts total"
        failing = parts_of(home, proof_id)[-1]
        assert "原件缺失" in failing.error and failing.attempts >= 1
        shutil.move(aside, original)
        done = wait_for(home, proof_id, lambda p: p.status in ("done", "failed"), timeout=120,
                        what="done")
    assert done.status == "done" and done.progress == 1.0, done.error
    last = parts_of(home, proof_id)[-1]
    assert last.status == "done" and last.attempts >= 2 and last.error == ""
    with pikepdf.open(done.pdf_path) as pdf:
        assert len(pdf.pages) == len(book.pages)


def test_check_repair_puts_back_a_silent_part_and_fails_a_job_whose_part_is_spent(settings, corpus):
    """Parts are swept like jobs: judged by their own heartbeat, retried up to max_attempts."""
    from datetime import datetime, timedelta, timezone

    from album.integrity import check_home
    from album.jobs import PARTS
    from album.models import Proof
    from cli_support import run_album

    home, album_id = home_with_photos(settings, corpus, 1, stale_after_seconds=30, max_attempts=2)
    old = datetime.now(timezone.utc) - timedelta(seconds=90)
    fresh = datetime.now(timezone.utc)
    with transaction(home.factory) as s:
        jobs = [Proof(album_id=album_id, number=n, kind="proof", status="running", attempts=1,
                      worker=PARTS, parts_total=2, heartbeat_at=old,
                      pdf_path=str(home.settings.proofs_dir / f"{n:03d}-proof.pdf"))
                for n in (1, 2)]
        s.add_all(jobs)
        s.flush()
        silent, spent = (job.id for job in jobs)
        s.add_all([
            RenderPart(proof_id=silent, index=0, first_sheet=0, stop_sheet=2, status="running",
                       attempts=1, worker="other-host:4242", heartbeat_at=old),
            RenderPart(proof_id=silent, index=1, first_sheet=2, stop_sheet=4, status="running",
                       attempts=1, worker="other-host:4243", heartbeat_at=fresh),
            RenderPart(proof_id=spent, index=0, first_sheet=0, stop_sheet=2, status="running",
                       attempts=2, worker="other-host:4244", heartbeat_at=old),
        ])
    assert check_home(home).stuck_jobs == 2
    repaired = run_album(settings.home, "check", "--repair").stdout
    assert "1 个分段渲染任务的中断分段已重新排队" in repaired, repaired
    first, second = parts_of(home, silent)
    assert (first.status, first.worker, first.attempts) == ("queued", "", 1)
    assert second.status == "running", "a part that beats is left alone"
    assert proof_row(home, silent).status == "running"
    failed = proof_row(home, spent)
    assert failed.status == "failed" and "第 1 段" in failed.error and "失去响应 2 次" in failed.error
    assert RenderQueue(home).pending() == 1, "the silent part is back on the queue"
    assert check_home(home).clean


def test_a_cancel_stops_a_job_drawn_in_parts_before_its_parts_are_drawn(settings, corpus):
    """The queue's tasks run here one by one (real SQLite queue, no worker process): the job is
    planned into parts, an editor cancels, and every part then finds the job cancelled."""
    from album.jobs import PARTS, cancel_job
    from album.models import Proof

    home, album_id = home_with_photos(settings, corpus, 2, render_parts="queue", part_sheets=4)
    queue = RenderQueue(home)
    proof_id = start_render(queue, album_id, "proof", user_id=None)
    queue.huey.execute(queue.huey.dequeue())  # the render task: plan, store it, enqueue the parts
    planned = proof_row(home, proof_id)
    assert (planned.status, planned.worker) == ("running", PARTS) and planned.parts_total >= 2
    assert queue.pending() == planned.parts_total
    assert (home.settings.media_root / "objects" / "parts" / str(proof_id) / "plan.pickle").is_file()
    with transaction(home.factory) as s:
        assert cancel_job(s, s.get(Proof, proof_id)) == "cancelling"
    while queue.pending():
        queue.huey.execute(queue.huey.dequeue())
    ended = proof_row(home, proof_id)
    assert ended.status == "cancelled" and ended.parts_done == 0
    assert all(part.status == "queued" and part.attempts == 0 for part in parts_of(home, proof_id))
    assert not (home.settings.media_root / "objects" / "parts" / str(proof_id)).exists()
    assert not Path(ended.pdf_path).exists()

"""The campaign deployment of docs/deploy.md, run on one machine: PostgreSQL, Redis (queue and
login limiter), an S3 bucket (moto's server), 2 gunicorn workers serving ``web.wsgi:app`` and
2 ``album worker`` processes, every one started and stopped by the test.

Under it, 10 contributors make 50 concurrent uploads over HTTP while 2 proof renders and
1 print render run, drawn in parts by both workers, and the worker drawing a part of the print
render is killed with SIGKILL: every photo is stored once, every job ends done (the killed part
drawn again by the other worker), ``album check`` is clean (a temporary file the killed worker
may have left is too young to be called a leftover while the deployment runs) and the print
PDF passes the PDF/X checks. Across the gunicorn workers, a session cookie copied before 退出
is refused by each of them afterwards, and failed sign-ins are counted together.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import pytest
import requests
from cli_support import run_album
from corpus_derived import small_photos
from queue_support import album_worker, home_with_photos, kill_hard, wait_for
from s3_support import album_toml_lines
from sqlalchemy import select
from topology_support import Browser, Gunicorn, gunicorn, postgres_server
from web_support import redis_server

from album.accounts import create_user
from album.config import load_settings
from album.db import transaction
from album.models import Photo, Proof, RenderPart, Role, User
from album.preflight.pdf import validate_pdfx
from album.proofs import proof_file
from album.tasks import RenderQueue

pytestmark = pytest.mark.slow  # seven processes and three renders: about a minute on 2 cores

# The media store the processes share: an S3 bucket on moto's server (the campaign's store), or
# "local": the home's folder, which the processes of one machine share as a disk.
STORE = "s3"
# How a render is drawn: "parts" (every worker draws parts of every render and one joins them, as
# a Redis queue does by default; 2 sheets a part, so the print render is several parts) or
# "whole" (one worker draws a render from start to end).
RENDER = "parts"
CONTRIBUTORS = [f"供稿人{n:02d}" for n in range(1, 11)]
DISTINCT = 45  # photos; 5 of them are sent twice, by two contributors at once: 50 uploads
BOOK_PHOTOS = 6  # accepted photos in the album the renders draw
PASSWORD = "topology-pass-1"


def media_toml(store: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The album.toml settings of the media store the topology runs on."""
    if store == "s3":
        return album_toml_lines(request.getfixturevalue("s3_media"))  # a fresh bucket
    assert store == "local", store
    return {}


def render_toml(mode: str) -> dict[str, object]:
    """The album.toml settings of the render mode (album.part_jobs)."""
    if mode == "parts":
        return {"render_parts": "queue", "part_sheets": 2}
    assert mode == "whole", mode
    return {"render_parts": "local"}


def test_campaign_topology_on_one_machine(tmp_path: Path, corpus: Path, request: pytest.FixtureRequest) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    photos = small_photos(corpus, tmp_path / "uploads", DISTINCT)
    with ExitStack() as stack:
        database = stack.enter_context(postgres_server())
        redis = stack.enter_context(redis_server())
        settings = load_settings(tmp_path / "home", database_url=database)
        home, _album_id = home_with_photos(settings, corpus, BOOK_PHOTOS, database_url=database,
                                           queue_url=redis.rsplit("/", 1)[0] + "/1", limiter_storage=redis,
                                           **media_toml(STORE, request), **render_toml(RENDER))
        stack.callback(home.close)
        with transaction(home.factory) as session:
            for n, name in enumerate(CONTRIBUTORS):
                create_user(session, name, PASSWORD, Role.contributor, unit=f"第{n % 3 + 1}县")
            create_user(session, "编辑", PASSWORD, Role.editor)
        workers = [stack.enter_context(album_worker(settings.home, log=logs / f"worker-{n}.log")) for n in (1, 2)]
        site = stack.enter_context(gunicorn(settings.home, logs))

        editor = Browser(site.base)
        assert editor.sign_in("编辑", PASSWORD).status_code == 302
        jobs = [editor.start_render("print"), editor.start_render("proof"), editor.start_render("proof")]
        with ThreadPoolExecutor(len(CONTRIBUTORS)) as pool:
            sent = [pool.submit(_contribute, site.base, name, files)
                    for name, files in zip(CONTRIBUTORS, _shares(photos), strict=True)]

            killed = _kill_the_worker_drawing(home, jobs[0], workers)  # kill -9, mid-render

            _copied_cookie_is_refused_by_every_worker_after_logout(site, editor)
            answers = [answer for future in sent for answer in future.result()]
        _failed_sign_ins_are_counted_across_workers(site)

        done = [wait_for(home, job, lambda p: p.status in ("done", "failed", "cancelled"), timeout=240,
                         what="finished") for job in jobs]
        assert [(p.kind, p.status, p.error) for p in done] == [
            ("print", "done", ""), ("proof", "done", ""), ("proof", "done", "")]
        _was_drawn_again_by_the_other_worker(home, *killed)
        pdfs = [proof_file(home.store, proof) for proof in done]  # as the web app reads them
        assert validate_pdfx(pdfs[0]) == []
        for pdf in pdfs[1:]:
            assert subprocess.run(["qpdf", "--check", str(pdf)], check=False, capture_output=True).returncode == 0
        assert RenderQueue(home).pending() == 0

        _every_photo_is_stored_once(home, photos, answers)
        _check_is_clean(settings.home)


def _kill_the_worker_drawing(home, job: int, workers: list[subprocess.Popen[bytes]]):  # type: ignore[no-untyped-def]
    """``kill -9`` of the worker drawing the print render — a part of it (parts) or the whole of
    it (whole) — as soon as it is seen at work; returns the table and id of the row it was
    drawing (RenderPart or Proof) and the other worker."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with transaction(home.factory) as session:
            rows = [(RenderPart, part.id, part.worker) for part in session.scalars(
                select(RenderPart).where(RenderPart.proof_id == job, RenderPart.status == "running"))]
            proof = session.get(Proof, job)
            if proof.status == "running" and proof.progress > 0:
                rows.append((Proof, proof.id, proof.worker))
        for table, row_id, worker in rows:
            victim = next((w for w in workers if worker.endswith(f":{w.pid}")), None)
            if victim is not None:
                kill_hard(victim)
                return table, row_id, next(w for w in workers if w is not victim)
        time.sleep(0.05)
    raise AssertionError(f"no worker was seen drawing job {job}")


def _was_drawn_again_by_the_other_worker(home, table, row_id: int, survivor) -> None:  # type: ignore[no-untyped-def]
    """What the killed worker was drawing was started again, and finished, on the other one."""
    with transaction(home.factory) as session:
        row = session.get(table, row_id)
        assert (row.status, row.attempts) == ("done", 2), (table.__name__, row.status, row.attempts, row.error)
        assert row.worker.endswith(f":{survivor.pid}"), (table.__name__, row.worker, survivor.pid)


def _shares(photos: list[Path]) -> list[list[Path]]:
    """Each contributor's five files: the first five contributors send their own photos; each of
    the last five starts with a photo one of the first five starts with (a race for one sha256)."""
    shares: list[list[Path]] = [photos[k::len(CONTRIBUTORS)] for k in range(len(CONTRIBUTORS))]
    for k in range(5, 10):
        shares[k].insert(0, shares[k - 5][0])
    assert sorted(len(s) for s in shares) == [5] * 10
    return shares


class Upload(NamedTuple):
    contributor: str
    sha256: str
    status: int
    code: str  # the refusal's code ("duplicate", "conflict"), "" when stored


def _contribute(base: str, name: str, files: list[Path]) -> list[Upload]:
    """Sign in and upload ``files`` one after another, as the upload page does."""
    person = Browser(base)
    assert person.sign_in(name, PASSWORD).status_code == 302
    answers = []
    for path in files:
        answer = person.upload(path)
        code = "" if answer.status_code in (200, 201) else answer.json().get("code", "")
        answers.append(Upload(name, hashlib.sha256(path.read_bytes()).hexdigest(), answer.status_code, code))
    return answers


def _every_photo_is_stored_once(home, photos: list[Path], answers: list[Upload]) -> None:  # type: ignore[no-untyped-def]
    """One 201 per distinct file, a 409 for the second sender of the same file, one row per
    photo (its sender's) and one original per row in the store."""
    sent = {hashlib.sha256(p.read_bytes()).hexdigest() for p in photos}
    outcomes = {sha: sorted(a.status for a in answers if a.sha256 == sha) for sha in sent}
    assert len(answers) == 50
    assert all(statuses[0] == 201 and set(statuses[1:]) <= {409} for statuses in outcomes.values()), outcomes
    assert Counter(len(statuses) for statuses in outcomes.values()) == {1: 40, 2: 5}
    assert {a.code for a in answers if a.status == 409} <= {"duplicate", "conflict"}
    stored_by = {a.sha256: a.contributor for a in answers if a.status == 201}
    with transaction(home.factory) as session:
        rows = session.execute(select(Photo.sha256, User.username).outerjoin(User, Photo.submitter)).all()
    assert len(rows) == len({sha for sha, _ in rows}) == DISTINCT + BOOK_PHOTOS
    assert {sha: name for sha, name in rows if sha in sent} == stored_by
    assert sorted(home.store.iter_originals()) == sorted(sha for sha, _ in rows)


def _concurrently(urls_cookies: list[tuple[str, dict]]) -> list[int]:
    """GET each (url, cookies) at the same time: the statuses."""
    def one(item: tuple[str, dict]) -> int:
        url, cookies = item
        return requests.get(url, cookies=cookies, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(len(urls_cookies)) as pool:
        return list(pool.map(one, urls_cookies))


def _from_both_workers(site: Gunicorn, method: str, path: str, send) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Call ``send()`` (a few requests at once; it returns their statuses) until both gunicorn
    workers have answered ``method path`` at least once; (pid, status) of every answer."""
    mark = site.log_mark()
    sent = 0
    for _ in range(15):
        sent += len(send())
        served = site.served_since(mark, method, path, sent)
        if len({pid for pid, _ in served}) == 2:
            return served
    raise AssertionError(f"one gunicorn worker answered every {method} {path}: {served}")


def _copied_cookie_is_refused_by_every_worker_after_logout(site: Gunicorn, editor: Browser) -> None:
    copied = dict(editor.copy().http.cookies)
    review = [(f"{site.base}/editor/review", copied)] * 4
    before = _from_both_workers(site, "GET", "/editor/review", lambda: _concurrently(review))
    assert {status for _, status in before} == {200}
    assert editor.post("/logout").status_code == 302  # 退出
    after = _from_both_workers(site, "GET", "/editor/review", lambda: _concurrently(review))
    assert {status for _, status in after} == {302}, "every worker refuses the copied session"


def _failed_sign_ins_are_counted_across_workers(site: Gunicorn) -> None:
    """Five wrong passwords, answered by both workers, use up the limit (5 per 15 minutes) for
    every worker: the counters are in Redis, not in each process."""
    mark = site.log_mark()
    for burst in (2, 2, 1):  # sent at once: a sync worker busy with one leaves the other to the next
        assert _sign_ins(site, burst, "wrong-guess-9") == [200] * burst
    failed = site.served_since(mark, "POST", "/login", 5)
    assert len(failed) == 5 and len({pid for pid, _ in failed}) == 2, failed

    refused = _from_both_workers(site, "POST", "/login", lambda: _sign_ins(site, 2, PASSWORD))
    assert {status for _, status in refused} == {429}


def _sign_ins(site: Gunicorn, count: int, password: str) -> list[int]:
    """``count`` people signing in as the first contributor at the same moment: their statuses."""
    together = threading.Barrier(count)
    people = [Browser(site.base) for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda b: b.sign_in(CONTRIBUTORS[0], password, together).status_code, people))


def _check_is_clean(home: Path) -> None:
    """``album check``: database and store agree, on a live deployment. A temporary file the
    killed worker was writing (a cache image, depending on the moment of the kill) is younger
    than the store's grace period, so it is not reported, and ``--repair`` would not touch it."""
    clean = run_album(home, "check", check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr

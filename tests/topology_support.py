"""The processes of a campaign deployment (docs/deploy.md), started on one machine for a test:
a throwaway PostgreSQL (scripts/postgres.sh), gunicorn serving ``web.wsgi:app``, and a person
at a browser, over real HTTP with the CSRF tokens the pages carry. Every process started here
is stopped when its ``with`` block ends, whatever happened inside."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from locations import ROOT
from queue_support import stop_group
from web_support import LOOPBACK, PASSWORD, first_answer, free_port, meta_csrf


@contextmanager
def postgres_server() -> Iterator[str]:
    """Debian's PostgreSQL on a free loopback port, data in a throwaway folder: its URL."""
    env = {**os.environ, "ALBUM_PG_PORT": str(free_port())}
    script = str(ROOT / "scripts" / "postgres.sh")
    started = subprocess.run(["bash", script, "start"], check=False, capture_output=True, text=True, env=env, timeout=120)
    try:
        if started.returncode != 0:
            pytest.fail(f"PostgreSQL did not start: {started.stderr}")
        yield started.stdout.strip()
    finally:
        subprocess.run(["bash", script, "stop"], check=False, capture_output=True, env=env, timeout=60)


@dataclass
class Gunicorn:
    """A running gunicorn: its base URL and its access log, one line per request:
    ``<worker pid> <method> <path> <status>`` (gunicorn writes the pid as ``<1234>``)."""
    base: str
    access_log: Path
    process: subprocess.Popen[bytes]

    def log_mark(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def served_since(self, mark: int, method: str, path: str, count: int) -> list[tuple[int, int]]:
        """(worker pid, status) of the ``count`` ``method path`` requests logged after ``mark``.

        A worker logs a request after answering it, so the last lines may come a moment after
        the client has its answers: wait for them (a few seconds at most)."""
        deadline = time.monotonic() + 10
        while True:
            with open(self.access_log, "rb") as log:
                log.seek(mark)
                lines = log.read().decode().splitlines()
            found = [(int(pid.strip("<>")), int(status))
                     for pid, verb, where, status in (line.split() for line in lines)
                     if verb == method and where == path]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@contextmanager
def gunicorn(home: Path, logs: Path, workers: int = 2) -> Iterator[Gunicorn]:
    """``gunicorn --workers N web.wsgi:app`` on the album home, as docs/deploy.md starts it;
    stopped with SIGTERM after (its process group killed if it does not end)."""
    port = free_port()
    access = logs / "gunicorn-access.log"
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{LOOPBACK}:{port}",
            "--access-logfile", str(access), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
            "--error-logfile", str(logs / "gunicorn.log"), "--graceful-timeout", "5", "web.wsgi:app"]
    process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "ALBUM_HOME": str(home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://{LOOPBACK}:{port}"
        if first_answer(f"{base}/login", tries=300) != 200:
            pytest.fail("gunicorn did not answer: " + (logs / "gunicorn.log").read_text(errors="replace")[-2000:])
        yield Gunicorn(base, access, process)
    finally:
        stop_group(process)


class Browser:
    """One person's session with the site over HTTP: signs in through the login form and sends
    the page's CSRF token with every change, as the pages' own forms and scripts do."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.csrf = ""

    def sign_in(self, username: str, password: str = PASSWORD,
                together: threading.Barrier | None = None) -> requests.Response:
        """Fill in and send the login form; with ``together``, the sending waits until every
        party of the barrier has its form (so that the sign-ins reach the server at once)."""
        page = self.http.get(f"{self.base}/login", timeout=30)
        if together is not None:
            together.wait(30)
        answer = self.http.post(f"{self.base}/login", allow_redirects=False, timeout=30,
                                data={"username": username, "password": password, "csrf_token": meta_csrf(page.text)})
        if answer.status_code == 302:
            self.csrf = meta_csrf(self.http.get(f"{self.base}/proofs/", timeout=30).text)
        return answer

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}", allow_redirects=False, timeout=60)

    def post(self, path: str, data: dict | None = None) -> requests.Response:
        return self.http.post(f"{self.base}{path}", data={**(data or {}), "csrf_token": self.csrf},
                              allow_redirects=False, timeout=60)

    def upload(self, photo: Path) -> requests.Response:
        return self.http.post(f"{self.base}/contribute/api/upload", timeout=120,
                              files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
                              headers={"X-CSRFToken": self.csrf, "Accept": "application/json"})

    def start_render(self, kind: str) -> int:
        """Start a proof or print render from the proofs page; the id of its job."""
        answer = self.post("/proofs/start", {"kind": kind})
        started = re.search(r"started=(\d+)", answer.headers.get("Location", ""))
        assert answer.status_code == 302 and started, (answer.status_code, answer.text[:300])
        return int(started.group(1))

    def copy(self) -> Browser:
        """Another client holding a copy of this one's cookies (a stolen or shared session)."""
        other = Browser(self.base)
        other.http.cookies.update(self.http.cookies)
        return other

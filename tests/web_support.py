"""Helpers shared by the web tests: an app on a fresh home, accounts per role, sample data, and the
app served on a free loopback port (in this process, or by the real ``album serve``).

The fixtures built on these (``web_env``, a signed-in client per role, ``serve_app``) are in
tests/web/conftest.py."""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime, timezone
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from waitress import wasyncore
from waitress.server import create_server

from album.accounts import create_user
from album.db import transaction
from album.models import Album, Chapter, Photo, Proof, ReviewState, Role
from album.store import sha256_file
from cli_support import album_argv
from web import create_app

PASSWORD = "correct-horse-1"
USERS = {
    "contributor": Role.contributor,
    "other": Role.contributor,
    "editor": Role.editor,
    "admin": Role.admin,
    "proofreader": Role.proofreader,
    "expert": Role.expert,
}


@dataclass
class WebEnv:
    app: Flask
    home_path: Path
    user_ids: dict[str, int] = field(default_factory=dict)

    @property
    def home(self):  # type: ignore[no-untyped-def]
        return self.app.extensions["album_home"]

    def client(self, username: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if username is not None:
            login(client, username)
        return client

    def album_id(self) -> int:
        with transaction(self.home.factory) as session:
            return session.query(Album.id).order_by(Album.id).first()[0]


# Every app made by the running test: their render-queue consumers are stopped after it
# (tests/web/conftest.py), so no consumer thread outlives its test's database.
MADE: list[WebEnv] = []


def make_env(tmp_path: Path, **config: object) -> WebEnv:
    home_path = tmp_path / "home"
    app = create_app({
        "ALBUM_HOME": str(home_path), "TESTING": True, "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-" + secrets.token_hex(8), **config,
    })
    env = WebEnv(app, home_path)
    MADE.append(env)
    with transaction(env.home.factory) as session:
        for name, role in USERS.items():
            user = create_user(session, name, PASSWORD, role, display_name=f"{name}-姓名", unit=f"{name}单位")
            env.user_ids[name] = user.id
    return env


def stop_queue(env: WebEnv) -> None:
    """Stop the embedded consumer thread of the app's render queue, if a render started one."""
    queue = env.app.extensions.get("album_queue")
    if queue is not None:
        queue.stop_consumer()


def stop_made_queues() -> None:
    """Stop the queue consumers of every app the running test made (``MADE``)."""
    while MADE:
        stop_queue(MADE.pop())


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:300]


def upload(client: FlaskClient, path: Path, name: str | None = None, headers: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/contribute/api/upload",
        data={"file": (io.BytesIO(path.read_bytes()), name or path.name)},
        headers=headers or {},
    )


def add_photo(env: WebEnv, owner: str, caption: str = "说明", status: ReviewState = ReviewState.submitted,
              chapter_id: int | None = None, position: int = 0) -> int:
    """A photo row with a small generated original of its own (unique pixels, unique sha256)."""
    from PIL import Image

    src = env.home_path / f"gen-{secrets.token_hex(6)}.jpg"
    Image.new("RGB", (60, 40), tuple(secrets.randbelow(256) for _ in range(3))).save(src, quality=95)
    with open(src, "ab") as fh:
        fh.write(secrets.token_bytes(16))  # same colour twice must still be two files
    sha = env.home.store.put_original(src)
    src.unlink()
    with transaction(env.home.factory) as session:
        photo = Photo(
            album_id=env.album_id(), sha256=sha, original_name=f"{caption}.jpg",
            format="JPEG", width_px=600, height_px=400, caption=caption, status=status,
            submitter_id=env.user_ids[owner], chapter_id=chapter_id, position=position,
        )
        session.add(photo)
        session.flush()
        return photo.id


def add_chapter(env: WebEnv, title: str) -> int:
    from album.arrange import create_chapter

    with transaction(env.home.factory) as session:
        return create_chapter(session, session.get(Album, env.album_id()), title).id


def chapter_ids(env: WebEnv) -> list[int]:
    with transaction(env.home.factory) as session:
        return [c.id for c in session.query(Chapter).order_by(Chapter.position)]


def meta_csrf(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


def make_pdf(path: Path, pages: int = 3) -> Path:
    """A small real PDF, A4-ish pages each carrying its number, for the proof viewer."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 48)
        c.drawString(250, 420, str(n))
        c.showPage()
    c.save()
    return path


# --- Served on a loopback port -------------------------------------------------------------------

LOOPBACK = "127.0.0.1"


def add_proof(env, pages: int = 5, status: str = "done", number: int = 1) -> int:  # type: ignore[no-untyped-def]
    """A proof row over a small real PDF (its sha256 recorded, as a render records it)."""
    pdf = make_pdf(env.home_path / f"proof-{number}.pdf", pages)
    with transaction(env.home.factory) as session:
        proof = Proof(album_id=env.album_id(), number=number, kind="proof", status=status,
                      pdf_sha256=sha256_file(pdf), progress=1.0 if status == "done" else 0.4, pdf_path=str(pdf),
                      page_count=pages if status == "done" else 0,
                      preflight={"errors": 1, "warnings": 3} if status == "done" else {},
                      finished_at=datetime.now(timezone.utc))
        session.add(proof)
        session.flush()
        return proof.id


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextmanager
def served_app(app: Flask, threads: int = 8) -> Iterator[str]:
    """``app`` served by waitress (as ``album serve`` runs it) in a thread on a free loopback
    port; yields the base URL (``http://127.0.0.1:PORT``), and stops the server after."""
    server = create_server(app, host=LOOPBACK, port=0, threads=threads)
    stop = threading.Event()

    def run() -> None:  # server.run() with a way out: its sockets are closed by this thread only
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.effective_port}"
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the test server did not stop"


@dataclass
class ServedCommand:
    """A running ``album serve``: its base URL, the lines it printed up to its "打开 http" line."""
    base: str
    lines: list[str]
    process: subprocess.Popen[str]


@contextmanager
def album_serve(home: Path, *args: str, startup: float = 30) -> Iterator[ServedCommand]:
    """The real ``album --home HOME serve --port PORT ARGS`` on a free loopback port, its output read
    until it says where it listens (or ``startup`` seconds pass); terminated after."""
    port = free_port()
    process = subprocess.Popen(
        album_argv(home, "serve", "--port", str(port), *args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + startup
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            lines.append(line)
            if "打开 http" in line or not line:
                break
        yield ServedCommand(f"http://{LOOPBACK}:{port}", lines, process)
    finally:
        process.terminate()
        process.wait(10)


def first_answer(url: str, tries: int = 50, pause: float = 0.1) -> int | None:
    """The HTTP status of the first successful answer from ``url`` (retried while the server starts
    or answers with an error); None if it never answers."""
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status
        except OSError:
            time.sleep(pause)
    return None


@contextmanager
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free loopback port, nothing saved to disk: its ``redis://`` URL.

    Stopped (and its data gone) after; the README's test command installs the package."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run scripts/test, or apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", LOOPBACK, "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection((LOOPBACK, port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://{LOOPBACK}:{port}/0"
    finally:
        process.terminate()
        process.wait(10)

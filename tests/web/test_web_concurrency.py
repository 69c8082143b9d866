"""The running app under concurrent use: the real server (waitress, as ``album serve`` runs it) on
a loopback port, real HTTP with cookies and CSRF tokens, every request with a timeout.

20 contributors upload 20 distinct photos at once: 20 rows, 20 originals, ``check`` clean. Two
editors save the same caption at once: one wins, the other gets 409 and the conflict message,
and both then see the winner's text.
"""

from __future__ import annotations

import http.cookiejar
import io
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from album.accounts import create_user
from album.db import transaction
from album.integrity import check_home
from album.models import Photo, Role
from web import CONFLICT_MESSAGE
from web_support import PASSWORD, WebEnv, add_photo, make_env, served_app

TIMEOUT = 30  # seconds, for any one request
UPLOADERS = 20


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 302 is an answer to look at, not to follow


class Browser:
    """One person's cookie jar against the server; CSRF token taken from the pages like a browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.token = ""

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, dict(exc.headers), exc.read().decode("utf-8"))

    def get(self, path: str) -> Answer:
        answer = self.request(path)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', answer.text)
        if match:
            self.token = match.group(1)
        return answer

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        from urllib.parse import urlencode

        body = urlencode({**fields, "csrf_token": self.token}).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, name: str, data: bytes) -> Answer:
        boundary = "----huace-concurrency"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.request("/contribute/api/upload", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": self.token})

    def login(self, username: str) -> None:
        self.get("/login")
        answer = self.post_form("/login", {"username": username, "password": PASSWORD})
        assert answer.status == 302, (username, answer.status, answer.text[:300])
        self.get("/contribute/upload")  # the signed-in session's token


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebEnv, str]]:
    """The app with CSRF on, served by waitress in a thread on a free loopback port."""
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True, TESTING=False)
    with served_app(env.app, threads=8) as base:
        yield env, base
    env.home.close()


def distinct_photos(source: Path, count: int) -> list[bytes]:
    """The same picture re-encoded with one pixel changed each: different files, real JPEGs."""
    with Image.open(source) as img:
        base = img.convert("RGB")
        base.thumbnail((800, 800))
    out = []
    for i in range(count):
        copy = base.copy()
        copy.putpixel((i, 0), (255, i * 10 % 256, 0))
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=85 + i % 10)
        out.append(buffer.getvalue())
    assert len(set(out)) == count
    return out


def test_twenty_concurrent_uploads_all_stored_and_check_clean(
        served: tuple[WebEnv, str], corpus: Path) -> None:
    started = time.monotonic()
    env, base = served
    with transaction(env.home.factory) as session:
        for i in range(UPLOADERS):
            create_user(session, f"c{i:02d}", PASSWORD, Role.contributor)
    photos = distinct_photos(corpus / "exif/jpg/gps/DSCN0010.jpg", UPLOADERS)
    gate = threading.Barrier(UPLOADERS, timeout=TIMEOUT)

    def contribute(i: int) -> Answer:
        browser = Browser(base)
        browser.login(f"c{i:02d}")
        gate.wait()  # every upload leaves at the same moment
        return browser.upload(f"村貌-{i:02d}.jpg", photos[i])

    with ThreadPoolExecutor(UPLOADERS) as pool:
        answers = list(pool.map(contribute, range(UPLOADERS), timeout=50))
    assert len(answers) == UPLOADERS
    for i, answer in enumerate(answers):
        assert answer.status == 201, (i, answer.status, answer.text[:300])
        assert '"ok":true' in answer.text.replace(" ", "")

    with transaction(env.home.factory) as session:
        rows = session.query(Photo).all()
        assert len(rows) == UPLOADERS
        assert sorted(p.original_name for p in rows) == [f"村貌-{i:02d}.jpg" for i in range(UPLOADERS)]
        assert len({p.sha256 for p in rows}) == UPLOADERS
        assert len({p.submitter_id for p in rows}) == UPLOADERS
    assert len([p for p in env.home.store.originals.rglob("*") if p.is_file()]) == UPLOADERS
    assert list(Path(env.app.config["UPLOAD_TMP_DIR"]).iterdir()) == []
    report = check_home(env.home)
    assert report.clean, report.lines()
    assert time.monotonic() - started < 60


def caption_on(page: str) -> str:
    match = re.search(r'<textarea[^>]*name="caption"[^>]*>([^<]*)</textarea>', page) or \
        re.search(r'name="caption"[^>]*value="([^"]*)"', page)
    assert match, "no caption field on the page"
    return unescape(match.group(1)).strip()


def version_on(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "no version field on the page"
    return match.group(1)


def test_two_editors_saving_the_same_caption(served: tuple[WebEnv, str]) -> None:
    env, base = served
    with transaction(env.home.factory) as session:
        create_user(session, "editor2", PASSWORD, Role.editor)
    photo_id = add_photo(env, "contributor", caption="原来的说明")
    editors = {"editor": Browser(base), "editor2": Browser(base)}
    for name, browser in editors.items():
        browser.login(name)
    url = f"/editor/photo/{photo_id}"
    for round_no in range(3):  # a few rounds: the race must come out the same way every time
        versions = set()
        for browser in editors.values():
            page = browser.get(url)
            assert page.status == 200
            versions.add(version_on(page.text))
        assert len(versions) == 1
        version = versions.pop()
        gate = threading.Barrier(2, timeout=TIMEOUT)

        def save(name: str) -> tuple[str, Answer]:
            gate.wait()
            return name, editors[name].post_form(url, {
                "caption": f"{name} 第{round_no}轮的说明", "photographer": name, "version": version})

        with ThreadPoolExecutor(2) as pool:
            results = dict(pool.map(save, editors, timeout=TIMEOUT * 2))
        statuses = sorted(answer.status for answer in results.values())
        assert statuses == [302, 409], {n: (a.status, a.text[:200]) for n, a in results.items()}
        winner = next(n for n, a in results.items() if a.status == 302)
        loser = next(n for n, a in results.items() if a.status == 409)
        assert CONFLICT_MESSAGE in results[loser].text  # 已被他人修改，请刷新后重试
        expected = f"{winner} 第{round_no}轮的说明"
        with transaction(env.home.factory) as session:
            stored = session.get(Photo, photo_id)
            assert (stored.caption, stored.photographer) == (expected, winner)
            assert stored.version == int(version) + 1
        for browser in editors.values():  # reloading shows both the same, current state
            page = browser.get(url).text
            assert caption_on(page) == expected and version_on(page) == str(int(version) + 1)

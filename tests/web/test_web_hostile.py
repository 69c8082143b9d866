"""Hostile and broken files through the web upload: every Pillow corpus file and each crafted case
gets a specific reason (or is accepted), nothing refused leaves a row, an original or a temporary
file, and a script in a caption or name comes out as text on every page and in the PDF."""

from __future__ import annotations

import io
import re
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image
from flask.testing import FlaskClient

from album.db import transaction
from album.models import Photo
from album.store import sha256_file
from hostile_files import REFUSED, english_in, png_bomb
from web_support import WebEnv, add_chapter, make_env

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CJK = re.compile(r"[\u4e00-\u9fff]")
# A fragment of the Chinese reason each refusal code must carry.
REASON_WORDS = {
    "empty": "空", "not-image": "图片", "too-many-pixels": "像素", "corrupt": "损坏",
    "unsupported": "格式", "unsafe-path": "文件名", "name-too-long": "文件名过长", "too-large": "文件太大",
}


def post_file(client, data: bytes, name: str):  # type: ignore[no-untyped-def]
    """A multipart upload written out by hand, so the server receives exactly ``name``
    (quoted-string escapes for backslash and quote, UTF-8 like browsers send)."""
    boundary = "----huace" + "7" * 20
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode("utf-8") + data + \
        f"\r\n--{boundary}--\r\n".encode("ascii")
    return client.post("/contribute/api/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def leftovers(env: WebEnv) -> tuple[int, int, list[Path]]:
    """(photo rows, stored originals, anything left in the upload temp dir)."""
    with transaction(env.home.factory) as session:
        rows = session.query(Photo).count()
    originals = [p for p in env.home.store.originals.rglob("*") if p.is_file()]
    temp = list(Path(env.app.config["UPLOAD_TMP_DIR"]).iterdir())
    return rows, len(originals), temp


def assert_refused(response, code: str, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in (413, 422), (what, response.status_code, response.data[:200])
    body = response.get_json()
    assert body["ok"] is False and body["code"] == code, (what, body)
    assert CJK.search(body["error"]) and REASON_WORDS[code] in body["error"], (what, body["error"])
    assert not english_in(body["error"]), (what, body["error"])


def test_every_pillow_corpus_file_through_the_web_upload(web_env: WebEnv, contributor: FlaskClient,
                                                         corpus: Path) -> None:
    files = sorted(p for p in (corpus / "pillow").iterdir() if p.is_file())
    assert set(REFUSED) <= {p.name for p in files}
    accepted: set[str] = set()
    for path in files:
        response = post_file(contributor, path.read_bytes(), path.name)
        if path.name in REFUSED:
            assert_refused(response, REFUSED[path.name], path.name)
        else:
            assert response.status_code in (200, 201), (path.name, response.get_json())
            photo = response.get_json()["photo"]
            assert photo["name"] == path.name and photo["width"] > 0
            accepted.add(sha256_file(path))
    rows, originals, temp = leftovers(web_env)
    assert rows == originals == len(accepted) and temp == []
    assert len(files) - len(REFUSED) - 3 <= len(accepted) <= len(files) - len(REFUSED)  # a few are byte-identical
    with transaction(web_env.home.factory) as session:
        stored = {p.sha256 for p in session.query(Photo)}
    assert stored, "no upload was accepted"
    assert stored == accepted and all(web_env.home.store.has_original(sha) for sha in stored)


@pytest.fixture
def hostile_cases(corpus: Path) -> list[tuple[str, bytes, str]]:
    """(file name, content, refusal code): each one crafted the way an attacker or a broken
    phone would send it; the content of the name cases is a good photo, so only the name is bad."""
    good = (corpus / "pillow/hopper.jpg").read_bytes()
    return [
        ("empty.jpg", b"", "empty"),
        ("page.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "not-image"),
        ("run.jpg", b"#!/bin/sh\nrm -rf ~\n", "not-image"),
        ("doc.png", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "not-image"),
        ("bomb.png", png_bomb(40000, 40000), "too-many-pixels"),
        ("half.jpg", (corpus / "photos/kde-kite.jpg").read_bytes()[:200_000], "corrupt"),
        ("../../x.jpg", good, "unsafe-path"),
        ("..\\..\\x.jpg", good, "unsafe-path"),
        ("/etc/cron.d/x.jpg", good, "unsafe-path"),
        ("C:\\Windows\\x.jpg", good, "unsafe-path"),
        ("gpj.\u202eexe.jpg", good, "unsafe-path"),
        ("bell\x07\x1b[31m.jpg", good, "unsafe-path"),
        ("zero\u200bwidth.jpg", good, "unsafe-path"),
        ("长" * 300 + ".jpg", good, "name-too-long"),
    ]


def test_hostile_uploads_are_refused_by_name_and_leave_nothing(web_env: WebEnv, contributor: FlaskClient,
                                                               tmp_path: Path,
                                                               hostile_cases: list[tuple[str, bytes, str]]) -> None:
    assert hostile_cases
    for name, data, code in hostile_cases:
        assert_refused(post_file(contributor, data, name), code, repr(name))
    assert leftovers(web_env) == (0, 0, [])
    for escaped in (tmp_path / "x.jpg", web_env.home_path.parent / "x.jpg", Path("/etc/cron.d/x.jpg")):
        assert not escaped.exists()
    # The page that lists my submissions shows none of them.
    mine = contributor.get("/contribute/mine").get_data(as_text=True)
    assert "x.jpg" not in mine and "bomb.png" not in mine


def test_size_and_pixel_limits_come_from_the_settings(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "album.toml").write_text("max_upload_bytes = 300000\nmax_pixels = 2000000\n", encoding="utf-8")
    env = make_env(tmp_path)
    assert env.home.settings.limits.max_upload_bytes == 300_000
    client = env.client("contributor")
    page = client.get("/contribute/upload").get_data(as_text=True)
    assert "每张不超过 292 KB" in page and 'data-limit="300000"' in page

    over = (corpus / "photos/kde-kite.jpg").read_bytes()
    assert 300_000 < len(over) < 300_000 + (1 << 20)
    response = post_file(client, over, "kite.jpg")
    assert response.status_code == 413
    assert_refused(response, "too-large", "over the configured limit")
    assert "292 KB" in response.get_json()["error"]
    # Far over: the request body itself is refused before the form is parsed.
    huge = post_file(client, b"\xff\xd8\xff" + b"\0" * (2 << 20), "huge.jpg")
    assert huge.status_code == 413 and huge.is_json and "文件太大" in huge.get_json()["error"]

    many_pixels = io.BytesIO()
    Image.new("RGB", (2000, 1500), (90, 120, 60)).save(many_pixels, "JPEG", quality=60)
    assert len(many_pixels.getvalue()) < 300_000
    assert_refused(post_file(client, many_pixels.getvalue(), "wide.jpg"), "too-many-pixels", "3 MP")
    assert leftovers(env) == (0, 0, [])

    small = post_file(client, (corpus / "pillow/hopper.jpg").read_bytes(), "hopper.jpg")
    assert small.status_code == 201
    assert leftovers(env)[:2] == (1, 1)


def test_script_in_caption_and_name_is_text_on_every_page_and_in_the_pdf(web_env: WebEnv,
                                                                         contributor: FlaskClient,
                                                                         editor: FlaskClient, tmp_path: Path,
                                                                         corpus: Path) -> None:
    chapter_id = add_chapter(web_env, "山乡")
    evil_name = '<img src=x onerror="alert(2)">.jpg'
    uploaded = post_file(contributor, (corpus / "exif/jpg/gps/DSCN0010.jpg").read_bytes(), evil_name)
    assert uploaded.status_code == 201
    photo = uploaded.get_json()["photo"]
    saved = contributor.post(photo["save_url"], json={
        "caption": f"梯田{SCRIPT}春耕", "photographer": "<b>王五</b>", "chapter": "山乡",
        "version": photo["version"]})
    assert saved.status_code == 200
    with transaction(web_env.home.factory) as session:
        row = session.get(Photo, photo["id"])
        assert row.caption == f"梯田{SCRIPT}春耕" and row.original_name == evil_name  # stored as typed

    pages = {
        "my submissions": contributor.get("/contribute/mine"),
        "my photo form": contributor.get(f"/contribute/photo/{photo['id']}"),
        "review queue": editor.get("/editor/review"),
        "editor photo page": editor.get(f"/editor/photo/{photo['id']}"),
        "chapter page": editor.get(f"/editor/chapter/{chapter_id}"),
    }
    for what, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, what
        assert SCRIPT not in html and "alert(1)" in html, what
        assert ESCAPED in html, what
        assert "<img src=x" not in html and "<b>王五</b>" not in html, what
    assert "&lt;img src=x onerror=" in pages["my submissions"].get_data(as_text=True)

    assert editor.post("/editor/review", data={"photo": [photo["id"]], "action": "accept"}).status_code == 302
    started = editor.post("/proofs/start", data={"kind": "proof"})
    proof_id = int(started.headers["Location"].rsplit("=", 1)[1])
    deadline = time.monotonic() + 120
    while (status := editor.get(f"/proofs/api/{proof_id}/status").get_json()["proof"])["status"] \
            not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert status["status"] == "done", status
    pdf = tmp_path / "proof.pdf"
    pdf.write_bytes(editor.get(f"/proofs/{proof_id}/pdf").data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert SCRIPT in text.replace("\n", "") and ESCAPED not in text  # literal, neither run nor mangled
    proof_page = editor.get(f"/proofs/{proof_id}").get_data(as_text=True)
    assert SCRIPT not in proof_page

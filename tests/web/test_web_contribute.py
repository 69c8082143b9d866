"""Uploads through the web: good files go in, bad ones come back as JSON with their reason."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from flask.testing import FlaskClient

from album.db import transaction
from album.models import Photo, ReviewState
from web_support import WebEnv, add_chapter, make_env, meta_csrf, upload


def test_upload_good_and_bad_files(web_env: WebEnv, contributor: FlaskClient, corpus: Path) -> None:
    good = [corpus / "exif/jpg/gps/DSCN0010.jpg", corpus / "exif/jpg/orientation/landscape_6.jpg",
            corpus / "pillow/hopper.png"]
    answers = [upload(contributor, path) for path in good]
    assert [a.status_code for a in answers] == [201, 201, 201]
    photos = [a.get_json()["photo"] for a in answers]
    # EXIF date and GPS pre-fill the form; the user's unit is the default 供稿单位.
    assert photos[0]["date_text"].startswith("2008-")
    # GPS is kept and offered as a hint; 地点 itself waits for a place name.
    assert photos[0]["place"] == ""
    assert photos[0]["place_hint"].startswith("北纬") and "东经" in photos[0]["place_hint"]
    assert photos[0]["unit"] == "contributor单位"
    # Orientation 6: stored 450×600, upright 600×450, and the thumbnail is upright too.
    assert (photos[1]["width"], photos[1]["height"]) == (600, 450)
    thumb = contributor.get(photos[1]["thumb"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as img:
        assert img.width > img.height

    truncated = upload(contributor, corpus / "pillow/truncated_jpeg.jpg")
    assert truncated.status_code == 422
    body = truncated.get_json()
    assert body["ok"] is False and body["error"] and body["code"]

    text = contributor.post("/contribute/api/upload",
                       data={"file": (io.BytesIO("这不是照片\n".encode() * 50), "假照片.jpg")})
    assert text.status_code == 422 and "不是图片" in text.get_json()["error"]

    heic = upload(contributor, corpus / "exif/heic/samplefilehub.heif")
    assert heic.status_code == 422 and "JPEG" in heic.get_json()["error"]

    missing = contributor.post("/contribute/api/upload", data={})
    assert missing.status_code == 400 and missing.get_json()["ok"] is False

    again = upload(contributor, good[0])
    assert again.status_code == 200 and again.get_json()["photo"]["duplicate"] is True

    with transaction(web_env.home.factory) as session:
        rows = session.query(Photo).all()
        assert len(rows) == 3
        assert {p.status for p in rows} == {ReviewState.submitted}
        assert {p.submitter_id for p in rows} == {web_env.user_ids["contributor"]}


def test_too_large_upload_is_refused_as_json(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "album.toml").write_text("max_upload_bytes = 60000\n", encoding="utf-8")
    env = make_env(tmp_path)
    client = env.client("contributor")
    small = upload(client, corpus / "exif/jpg/Canon_40D.jpg")
    assert small.status_code == 201
    big = upload(client, corpus / "exif/jpg/gps/DSCN0010.jpg")  # 160 kB
    assert big.status_code == 413
    assert "太大" in big.get_json()["error"]
    # Beyond MAX_CONTENT_LENGTH the request is cut off by Flask: still JSON, still Chinese.
    huge = client.post("/contribute/api/upload",
                       data={"file": (io.BytesIO(b"\xff" * 2_000_000), "huge.jpg")})
    assert huge.status_code == 413 and huge.is_json and "太大" in huge.get_json()["error"]


def test_describe_photo_and_see_it_in_my_submissions(web_env: WebEnv, contributor: FlaskClient, corpus: Path) -> None:
    add_chapter(web_env, "乡村振兴")
    photo = upload(contributor, corpus / "exif/jpg/Canon_40D.jpg").get_json()["photo"]
    empty = contributor.post(photo["save_url"], json={"caption": "  ", "version": photo["version"]})
    assert empty.status_code == 422 and "图片说明" in empty.get_json()["error"]
    saved = contributor.post(photo["save_url"], json={
        "caption": "<b>村民</b>在晒秋", "photographer": "张三", "unit": "县融媒体中心",
        "place": "婺源篁岭", "date_text": "2023-10-01", "chapter": "乡村振兴", "version": photo["version"],
    })
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["photo"]["chapter"] == "乡村振兴"
    stale = contributor.post(photo["save_url"], json={"caption": "旧版本", "version": photo["version"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"] == "已被他人修改，请刷新后重试"
    bad_chapter = contributor.post(photo["save_url"], json={
        "caption": "x", "chapter": "不存在的篇", "version": saved.get_json()["photo"]["version"]})
    assert bad_chapter.status_code == 422

    page = contributor.get("/contribute/mine").get_data(as_text=True)
    assert "&lt;b&gt;村民&lt;/b&gt;在晒秋" in page and "<b>村民</b>" not in page  # escaped
    assert "待审" in page

    # The HTML edit form: a stale version is a clear conflict page, not a silent overwrite.
    conflict = contributor.post(f"/contribute/photo/{photo['id']}", data={"caption": "再改", "version": "1"})
    assert conflict.status_code == 409 and "已被他人修改，请刷新后重试" in conflict.get_data(as_text=True)


def test_csrf_is_required_for_forms_and_fetch(tmp_path: Path, corpus: Path) -> None:
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    client = env.client()
    page = client.get("/login").get_data(as_text=True)
    token = meta_csrf(page)
    refused = client.post("/login", data={"username": "contributor", "password": "correct-horse-1"})
    assert refused.status_code == 400 and "表单已过期" in refused.get_data(as_text=True)
    ok = client.post("/login", data={"username": "contributor", "password": "correct-horse-1",
                                     "csrf_token": token})
    assert ok.status_code == 302
    token = meta_csrf(client.get("/contribute/upload").get_data(as_text=True))
    no_header = upload(client, corpus / "exif/jpg/Canon_40D.jpg")
    assert no_header.status_code == 400 and no_header.is_json
    with_header = upload(client, corpus / "exif/jpg/Canon_40D.jpg", headers={"X-CSRFToken": token})
    assert with_header.status_code == 201


def test_security_headers_and_error_pages(web_env: WebEnv, contributor: FlaskClient) -> None:
    response = contributor.get("/contribute/upload")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html  # everything in static files
    cookie = web_env.client().post("/login", data={"username": "editor", "password": "correct-horse-1"})
    set_cookie = cookie.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    missing = contributor.get("/no/such/page")
    assert missing.status_code == 404 and "找不到" in missing.get_data(as_text=True)
    forbidden = contributor.get("/editor/review")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.get_data(as_text=True)
    api_missing = contributor.post("/editor/api/photo/999/focal", json={"x": 0.5, "y": 0.5})
    assert api_missing.status_code == 403 and api_missing.is_json


def test_gps_is_a_hint_beside_place_on_the_photo_forms(web_env: WebEnv, contributor: FlaskClient,
                                                       editor: FlaskClient, corpus: Path) -> None:
    photo = upload(contributor, corpus / "exif/jpg/gps/DSCN0010.jpg").get_json()["photo"]
    for client, url in ((contributor, f"/contribute/photo/{photo['id']}"), (editor, f"/editor/photo/{photo['id']}")):
        page = client.get(url).get_data(as_text=True)
        assert '<input name="place" value=""' in page, url  # nothing typed for the contributor
        assert 'placeholder="相机记录：北纬' in page and "相机记录的位置：北纬" in page, url
    with transaction(web_env.home.factory) as session:
        stored = session.get(Photo, photo["id"])
        assert stored.place == "" and stored.gps_lat is not None and stored.gps_lon is not None

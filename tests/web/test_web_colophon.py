"""The 版权页 fields on the album settings form, and the 含地图 flag on the contributor's and the
editor's photo forms."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from album.db import transaction
from album.models import Album, Photo
from web_support import WebEnv, add_photo, make_env, meta_csrf, upload

SETTINGS = {"title": "山乡巨变", "subtitle": "", "trim": "210x285", "preface": "", "afterword": "",
            "copyright_text": "", "page_multiple": "4", "paper_caliper_mm": "0.1", "icc_profile_path": ""}
COLOPHON = {"colophon_form": "1", "book_title": "山乡巨变", "editor": "凉山州地方志办公室 编",
            "publisher": "四川人民出版社", "place": "成都", "address": "", "printer": "四川新华印刷有限责任公司",
            "format": "889x1194 1/16", "edition": "2026年12月第1版", "impression": "2026年12月第1次印刷",
            "print_run": "1—3000册", "price": "298", "isbn": "9787538033090",
            "cip_lines": "山乡巨变／凉山州地方志办公室编\r\nISBN 978-7-5380-3309-0", "cip_number": "（2026）第123456号"}


def stored(env: WebEnv) -> Album:
    with transaction(env.home.factory) as session:
        album = session.get(Album, env.album_id())
        session.expunge(album)
        return album


def test_editor_sets_colophon_on_the_settings_form(web_env: WebEnv, editor: FlaskClient) -> None:
    page = editor.get("/editor/settings").get_data(as_text=True)
    assert "版权页与封底" in page and 'name="isbn"' in page and 'name="cip_lines"' in page
    saved = editor.post("/editor/settings", data={**SETTINGS, **COLOPHON, "version": "1"})
    assert saved.status_code == 302
    album = stored(web_env)
    assert album.colophon["isbn"] == "978-7-5380-3309-0" and album.colophon["price"] == "298.00"
    assert album.colophon["format"] == "889×1194 1/16"
    assert album.colophon["cip_lines"] == "山乡巨变／凉山州地方志办公室编\nISBN 978-7-5380-3309-0"
    assert album.colophon["cip_number"] == "中国版本图书馆CIP数据核字（2026）第123456号"
    assert "address" not in album.colophon
    shown = editor.get("/editor/settings").get_data(as_text=True)
    assert 'value="978-7-5380-3309-0"' in shown

    # A wrong check digit: the form comes back with the message and what was typed; nothing stored,
    # not even the title changed on the same form.
    bad = editor.post("/editor/settings", data={**SETTINGS, **COLOPHON, "title": "新书名",
                                                "isbn": "9787538033091", "version": str(album.version)})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "书号（ISBN）9787538033091 的校验位不对" in text
    assert 'value="9787538033091"' in text
    after = stored(web_env)
    assert after.title == "山乡巨变" and after.colophon["isbn"] == "978-7-5380-3309-0"

    stale = editor.post("/editor/settings", data={**SETTINGS, **COLOPHON, "version": "1"})
    assert stale.status_code == 409


def test_settings_form_needs_csrf(tmp_path: Path) -> None:
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    client = env.client()
    token = meta_csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "editor", "password": "correct-horse-1", "csrf_token": token})
    refused = client.post("/editor/settings", data={**SETTINGS, **COLOPHON, "version": "1"})
    assert refused.status_code == 400
    assert stored(env).colophon == {}


def test_contributor_flags_a_map_on_upload_and_on_the_photo_form(web_env: WebEnv, contributor: FlaskClient,
                                                                corpus: Path) -> None:
    assert "照片中含有地图" in contributor.get("/contribute/upload").get_data(as_text=True)
    photo = upload(contributor, corpus / "photos/mate-dune.jpg").get_json()["photo"]
    assert photo["has_map"] is False
    flagged = contributor.post(photo["save_url"], json={
        "caption": "安置点规划图", "version": photo["version"], "map_form": 1, "has_map": True,
        "map_basis": "", "map_reference": ""})
    assert flagged.status_code == 200 and flagged.get_json()["photo"]["has_map"] is True
    bad = contributor.post(photo["save_url"], json={
        "caption": "安置点规划图", "version": flagged.get_json()["photo"]["version"], "map_form": 1,
        "has_map": True, "map_basis": "approval", "map_reference": "GS2019-1822"})
    assert bad.status_code == 422 and "审图号“GS2019-1822”格式不对" in bad.get_json()["error"]

    form = contributor.get(f"/contribute/photo/{photo['id']}").get_data(as_text=True)
    assert 'name="has_map" value="1" checked' in form
    saved = contributor.post(f"/contribute/photo/{photo['id']}", data={
        "caption": "安置点规划图", "version": str(flagged.get_json()["photo"]["version"]), "map_form": "1",
        "has_map": "1", "map_basis": "approval", "map_reference": "川S(2021)00012号"})
    assert saved.status_code == 302
    with transaction(web_env.home.factory) as session:
        row = session.get(Photo, photo["id"])
        assert (row.has_map, row.map_basis, row.map_reference) == (True, "approval", "川S（2021）00012号")
    # A save from a form that does not show the map fields leaves the flag alone.
    version = row.version
    contributor.post(photo["save_url"], json={"caption": "改了说明", "version": version})
    with transaction(web_env.home.factory) as session:
        assert session.get(Photo, photo["id"]).has_map is True


def test_editor_sets_and_clears_the_map_basis(web_env: WebEnv, editor: FlaskClient) -> None:
    pid = add_photo(web_env, "contributor", caption="县域地图")
    page = editor.get(f"/editor/photo/{pid}").get_data(as_text=True)
    assert "照片中含有地图" in page and "标准地图" in page
    saved = editor.post(f"/editor/photo/{pid}", data={
        "caption": "县域地图", "version": "1", "map_form": "1", "has_map": "1", "map_basis": "exempt",
        "map_reference": "手绘示意图，不表示行政区域界线"})
    assert saved.status_code == 302
    missing = editor.post(f"/editor/photo/{pid}", data={
        "caption": "县域地图", "version": "2", "map_form": "1", "has_map": "1", "map_basis": "standard",
        "map_reference": ""})
    assert missing.status_code == 200 and "请填写标准地图" in missing.get_data(as_text=True)
    cleared = editor.post(f"/editor/photo/{pid}", data={"caption": "县域地图", "version": "2", "map_form": "1"})
    assert cleared.status_code == 302
    with transaction(web_env.home.factory) as session:
        row = session.get(Photo, pid)
        assert (row.has_map, row.map_basis, row.map_reference) == (False, "", "")

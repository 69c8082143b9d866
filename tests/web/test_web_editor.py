"""Editors through the web: review queue, bulk review, chapters, order, focal point, pins, settings."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from album.db import transaction
from album.models import Album, Chapter, Photo, Pin, ReviewState
from web.access import PUBLIC, requires
from web_support import WebEnv, add_chapter, add_photo, chapter_ids, make_env


def photo(env, photo_id: int) -> Photo:  # type: ignore[no-untyped-def]
    with transaction(env.home.factory) as session:
        return session.get(Photo, photo_id)


def test_review_queue_filters_and_bulk_review(web_env: WebEnv, editor: FlaskClient) -> None:
    first = add_photo(web_env, "contributor", caption="甲的照片")
    second = add_photo(web_env, "other", caption="乙的照片")
    nameless = add_photo(web_env, "other", caption="")

    page = editor.get("/editor/review").get_data(as_text=True)
    assert "甲的照片" in page and "乙的照片" in page and "未填写图片说明" in page
    only_a = editor.get(f"/editor/review?contributor={web_env.user_ids['contributor']}").get_data(as_text=True)
    assert "甲的照片" in only_a and "乙的照片" not in only_a
    by_unit = editor.get("/editor/review?unit=other单位").get_data(as_text=True)
    assert "乙的照片" not in by_unit  # rows made by add_photo carry no unit

    refused = editor.post("/editor/review", data={"photo": [first, second], "action": "reject"},
                          follow_redirects=True)
    assert "不采用时请填写原因" in refused.get_data(as_text=True)
    assert photo(web_env, first).status == ReviewState.submitted

    no_caption = editor.post("/editor/review", data={"photo": [first, nameless], "action": "accept"},
                             follow_redirects=True)
    assert "还没有图片说明" in no_caption.get_data(as_text=True)
    assert photo(web_env, first).status == ReviewState.submitted  # all or nothing

    editor.post("/editor/review", data={"photo": [first, second], "action": "accept"})
    assert photo(web_env, first).status == ReviewState.accepted
    assert photo(web_env, second).status == ReviewState.accepted
    editor.post("/editor/review", data={"photo": [nameless], "action": "reject", "reason": "画面模糊"})
    assert photo(web_env, nameless).reject_reason == "画面模糊"
    mine = web_env.client("other").get("/contribute/mine").get_data(as_text=True)
    assert "已采用" in mine and "未采用原因：画面模糊" in mine
    accepted = editor.get("/editor/review?status=accepted").get_data(as_text=True)
    assert "甲的照片" in accepted and "画面模糊" not in accepted


def test_review_queue_paginates(tmp_path: Path) -> None:
    env = make_env(tmp_path, PER_PAGE=5)
    for i in range(12):
        add_photo(env, "contributor", caption=f"照片{i:02d}")
    editor = env.client("editor")
    first = editor.get("/editor/review").get_data(as_text=True)
    assert first.count('name="photo" value=') == 5 and "第 1 / 3 页" in first
    last = editor.get("/editor/review?page=3").get_data(as_text=True)
    assert last.count('name="photo" value=') == 2
    assert "照片11" in last and "照片00" not in last  # oldest first: a queue is worked through in order
    newest = editor.get("/editor/review?page=3&order=newest").get_data(as_text=True)
    assert "照片00" in newest and "照片11" not in newest


def test_chapters_create_rename_reorder_and_conflict(web_env: WebEnv, editor: FlaskClient) -> None:
    for title in ("旗帜引领", "产业兴旺", "生态宜居"):
        editor.post("/editor/chapters", data={"title": title})
    duplicate = editor.post("/editor/chapters", data={"title": "产业兴旺"}, follow_redirects=True)
    assert "已有名为“产业兴旺”的篇目" in duplicate.get_data(as_text=True)
    ids = chapter_ids(web_env)
    assert len(ids) == 3

    answer = editor.post("/editor/api/chapters/order", json={"ids": [ids[2], ids[0], ids[1]]})
    assert answer.status_code == 200 and answer.get_json()["ok"]
    assert chapter_ids(web_env) == [ids[2], ids[0], ids[1]]
    incomplete = editor.post("/editor/api/chapters/order", json={"ids": [ids[0]]})
    assert incomplete.status_code == 409 and "刷新" in incomplete.get_json()["error"]
    garbage = editor.post("/editor/api/chapters/order", json={"ids": "x"})
    assert garbage.status_code == 422 and garbage.is_json

    with transaction(web_env.home.factory) as session:
        version = session.get(Chapter, ids[0]).version
    ok = editor.post(f"/editor/chapter/{ids[0]}", data={
        "title": "旗帜引领·党建", "opener_text": "篇首语文字", "version": version})
    assert ok.status_code == 302
    stale = editor.post(f"/editor/chapter/{ids[0]}", data={
        "title": "别人的旧版本", "opener_text": "", "version": version})
    assert stale.status_code == 409
    assert "已被他人修改，请刷新后重试" in stale.get_data(as_text=True)
    with transaction(web_env.home.factory) as session:
        chapter = session.get(Chapter, ids[0])
        assert (chapter.title, chapter.opener_text) == ("旗帜引领·党建", "篇首语文字")


def test_photo_order_move_focal_and_pins(web_env: WebEnv, editor: FlaskClient) -> None:
    a, b = add_chapter(web_env, "甲篇"), add_chapter(web_env, "乙篇")
    p1, p2, p3 = (add_photo(web_env, "contributor", caption=f"图{i}", status=ReviewState.accepted,
                            chapter_id=a, position=i) for i in (1, 2, 3))
    page = editor.get(f"/editor/chapter/{a}").get_data(as_text=True)
    assert page.index("图1") < page.index("图2") < page.index("图3")

    assert editor.post(f"/editor/api/chapter/{a}/order", json={"ids": [p3, p1, p2]}).status_code == 200
    page = editor.get(f"/editor/chapter/{a}").get_data(as_text=True)
    assert page.index("图3") < page.index("图1") < page.index("图2")
    wrong = editor.post(f"/editor/api/chapter/{b}/order", json={"ids": [p3, p1, p2]})
    assert wrong.status_code == 409

    moved = editor.post(f"/editor/api/photo/{p1}/move", json={"chapter_id": b})
    assert moved.status_code == 200 and photo(web_env, p1).chapter_id == b
    out = editor.post(f"/editor/api/photo/{p2}/move", json={"chapter_id": None})
    assert out.status_code == 200 and photo(web_env, p2).chapter_id is None
    assert "图2" in editor.get("/editor/unassigned").get_data(as_text=True)
    assert editor.post(f"/editor/api/photo/{p2}/move", json={"chapter_id": 9999}).status_code == 404

    focal = editor.post(f"/editor/api/photo/{p3}/focal", json={"x": 0.25, "y": 0.8})
    assert focal.get_json() == {"ok": True, "x": 0.25, "y": 0.8}
    assert (photo(web_env, p3).focal_x, photo(web_env, p3).focal_y) == (0.25, 0.8)
    outside = editor.post(f"/editor/api/photo/{p3}/focal", json={"x": 1.5, "y": 0.5})
    assert outside.status_code == 422 and "0 到 1" in outside.get_json()["error"]
    assert photo(web_env, p3).focal_x == 0.25

    editor.post("/editor/pins", data={"template": "two-wide", "photo": [p3, p1], "back": f"/editor/chapter/{a}"})
    editor.post("/editor/pins", data={"template": "alone", "photo": [p1]})
    unknown = editor.post("/editor/pins", data={"template": "no-such", "photo": [p3]}, follow_redirects=True)
    assert "没有名为 no-such 的版式" in unknown.get_data(as_text=True)
    with transaction(web_env.home.factory) as session:
        pins = [(p.template, p.photo_ids) for p in session.query(Pin)]
    assert pins == [("alone", [p1])]  # the new pin replaced the one that held p1
    page = editor.get(f"/editor/chapter/{b}").get_data(as_text=True)
    assert "单独成页" in page and "two-wide" in page  # the pin badge and the template list


def test_editor_edits_caption_with_version_check(web_env: WebEnv, editor: FlaskClient) -> None:
    p = add_photo(web_env, "contributor", caption="原文")
    page = editor.get(f"/editor/photo/{p}").get_data(as_text=True)
    assert 'name="version" value="1"' in page and "focal-img" in page
    saved = editor.post(f"/editor/photo/{p}", data={"caption": "改后", "photographer": "李四", "version": 1})
    assert saved.status_code == 302
    stale = editor.post(f"/editor/photo/{p}", data={"caption": "覆盖", "version": 1})
    assert stale.status_code == 409
    assert photo(web_env, p).caption == "改后" and photo(web_env, p).photographer == "李四"


def test_album_settings(web_env: WebEnv, editor: FlaskClient) -> None:
    form = {"title": "脱贫攻坚纪实", "subtitle": "2016—2020", "trim": "A4", "preface": "前言正文",
            "afterword": "后记", "copyright_text": "版权所有", "page_multiple": "8",
            "paper_caliper_mm": "0.12", "icc_profile_path": "", "version": "1"}
    assert editor.post("/editor/settings", data=form).status_code == 302
    with transaction(web_env.home.factory) as session:
        album = session.get(Album, web_env.album_id())
        assert (album.title, album.trim_width_mm, album.trim_height_mm) == ("脱贫攻坚纪实", 210, 297)
        assert (album.page_multiple, album.paper_caliper_mm, album.preface) == (8, 0.12, "前言正文")
    stale = editor.post("/editor/settings", data={**form, "title": "旧"})
    assert stale.status_code == 409
    bad = editor.post("/editor/settings", data={**form, "version": "2", "trim": "9x9"})
    assert bad.status_code == 200 and "超出可印范围" in bad.get_data(as_text=True)
    no_icc = editor.post("/editor/settings", data={**form, "version": "2", "icc_profile_path": "/nope.icc"})
    assert "找不到 ICC" in no_icc.get_data(as_text=True)


def test_unexpected_error_is_a_chinese_500_without_traceback(tmp_path: Path) -> None:
    env = make_env(tmp_path)

    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    env.app.add_url_rule("/boom", "boom", requires(PUBLIC)(boom))
    env.app.add_url_rule("/api/boom", "api_boom", requires(PUBLIC)(boom))
    page = env.client().get("/boom")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "服务器出错" in text and "secret internals" not in text and "Traceback" not in text
    api = env.client().get("/api/boom")
    assert api.status_code == 500 and api.is_json and "secret" not in api.get_data(as_text=True)


def test_lists_stay_fast_with_two_thousand_photos(tmp_path: Path) -> None:
    import time

    env = make_env(tmp_path)
    chapter = add_chapter(env, "大篇")
    with transaction(env.home.factory) as session:
        session.add_all(
            Photo(album_id=env.album_id(), sha256=f"{i:064x}", original_name=f"{i}.jpg", format="JPEG",
                  width_px=600, height_px=400, caption=f"批量{i}", submitter_id=env.user_ids["contributor"],
                  chapter_id=chapter if i % 2 else None, position=i)
            for i in range(2000)
        )
    editor, contributor = env.client("editor"), env.client("contributor")
    for client, url in ((editor, "/editor/review"), (editor, f"/editor/review?chapter={chapter}&page=10"),
                        (contributor, "/contribute/mine?page=20")):
        started = time.perf_counter()
        page = client.get(url).get_data(as_text=True)
        assert time.perf_counter() - started < 1.5, url
        assert page.count("/thumb") == 60, url
    assert "共 2000 张" in editor.get("/editor/review").get_data(as_text=True)


def test_editor_picks_the_opener_photo(web_env: WebEnv, editor: FlaskClient,
                                       contributor: FlaskClient) -> None:
    a, b = add_chapter(web_env, "甲篇"), add_chapter(web_env, "乙篇")
    p1, p2 = (add_photo(web_env, "contributor", caption=f"图{i}", status=ReviewState.accepted,
                        chapter_id=a, position=i) for i in (1, 2))
    pending = add_photo(web_env, "contributor", caption="待审", chapter_id=a, position=3)
    elsewhere = add_photo(web_env, "contributor", caption="乙篇的图", status=ReviewState.accepted,
                          chapter_id=b, position=1)
    url = f"/editor/chapter/{a}/opener-photo"

    page = editor.get(f"/editor/chapter/{a}").get_data(as_text=True)
    buttons = 'formnovalidate name="opener_photo" value='
    assert page.count(buttons) == 2 and "由系统选择" in page  # accepted photos only

    done = editor.post(url, data={"opener_photo": str(p2)}, follow_redirects=True).get_data(as_text=True)
    assert "已设定篇章页照片" in done and "编辑选定的照片 #" + str(p2) in done
    assert done.count(buttons) == 1 and "篇章页照片</span>" in done  # p2 now shows as the opener photo
    with transaction(web_env.home.factory) as session:
        assert session.get(Chapter, a).opener_photo_id == p2

    for wrong, message in ((elsewhere, "不在篇目“甲篇”中"), (pending, "尚未采用")):
        refused = editor.post(url, data={"opener_photo": str(wrong)}, follow_redirects=True)
        assert message in refused.get_data(as_text=True)
    assert contributor.post(url, data={"opener_photo": str(p1)}).status_code == 403
    with transaction(web_env.home.factory) as session:
        assert session.get(Chapter, a).opener_photo_id == p2

    editor.post(url, data={"opener_photo": "0"})
    with transaction(web_env.home.factory) as session:
        assert session.get(Chapter, a).opener_photo_id is None

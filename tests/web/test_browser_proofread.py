"""In a real Chromium: the editor sees the caption findings on the photo page and applies one with
its 应用 button; screenshots of the photo page and the glossary page go to /tmp/shots/."""

from __future__ import annotations

import pytest

from album.db import transaction
from album.models import Photo, ReviewState
from test_browser import browser, sign_in, shoot  # noqa: F401  (browser is a fixture)
from web_support import add_chapter, add_photo, make_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIRTY = ('2019-2021年,昭觉县 阿土列尔村(悬崖村)的"钢梯"换新了...全村3千人搬进新居，，'
         "人均收入增长15～30%。")


def test_editor_applies_a_finding(tmp_path, serve_app, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    base = serve_app(env.app)
    chapter = add_chapter(env, "易地搬迁")
    photo_id = add_photo(env, "contributor", caption=DIRTY, status=ReviewState.accepted, chapter_id=chapter)
    other = add_photo(env, "contributor", caption="凉山州布拖县的花椒园。", status=ReviewState.accepted,
                      chapter_id=chapter)
    with transaction(env.home.factory) as session:
        session.get(Photo, photo_id).photographer = "吉克 阿呷"
        session.get(Photo, other).photographer = "吉克阿呷"
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "editor")
    page.goto(f"{base}/editor/photo/{photo_id}")
    items = page.locator(".findings li")
    assert items.count() == 9
    shoot(page, "proofread-photo")

    year = items.filter(has_text="年份起止用一字线")
    assert year.locator("mark").inner_text() == "2019-2021"
    year.get_by_role("button", name="应用").click()
    page.wait_for_load_state()
    assert "已将“2019-2021”改为“2019—2021”" in page.locator(".flashes").inner_text()
    assert page.locator("textarea[name=caption]").input_value().startswith("2019—2021年,昭觉县")
    assert page.locator(".findings li").count() == 8

    page.get_by_role("button", name="全部应用").click()
    page.wait_for_load_state()
    with transaction(env.home.factory) as session:
        assert session.get(Photo, photo_id).caption == (
            "2019—2021年，昭觉县阿土列尔村（悬崖村）的“钢梯”换新了……全村3000人搬进新居，人均收入增长15%～30%。")
    assert "未发现标点、数字用法问题" in page.content()
    shoot(page, "proofread-photo-fixed")

    page.goto(f"{base}/editor/glossary")
    assert "摄影：“吉克 阿呷”（1）、“吉克阿呷”（1） → 建议“吉克阿呷”" in page.locator(".split").inner_text()
    page.fill("input[name=correct]", "凉山彝族自治州")
    page.fill("input[name=variants]", "凉山州")
    page.locator("button.primary", has_text="加入词表").click()
    page.wait_for_load_state()
    assert page.locator(".glossary-changes tbody tr").count() == 1
    page.locator("form", has=page.locator("input[name=correct][value=吉克阿呷]")).get_by_role(
        "button", name="加入词表").click()
    page.wait_for_load_state()
    assert page.locator(".glossary-changes tbody tr").count() == 2
    shoot(page, "proofread-glossary")
    assert errors == []

"""In a real Chromium: a contributor uploads photos, gives two of them a county's 供稿单位 with
应用到所选 and saves them with 全部保存; the editor's 征集进度 figure for that county changes.
Screenshots of the dashboard go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from album.campaign.rounds import add_round, set_target
from album.campaign.units import save_unit
from album.db import transaction
from album.models import Album, Photo, UnitLevel, User
from test_browser import CHROMIUM, browser, shoot, sign_in  # noqa: F401  (browser: the fixture)
from web_support import make_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: a real Chromium, about 10 s


@pytest.fixture
def served(tmp_path: Path, serve_app):  # type: ignore[no-untyped-def]
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    with transaction(env.home.factory) as s:
        city = save_unit(s, None, name="凉山彝族自治州", level=UnitLevel.city, aliases=["凉山州"])
        county = save_unit(s, None, name="昭觉县", level=UnitLevel.county, parent_id=city.id,
                           aliases=["昭觉县融媒体中心"])
        s.get(User, env.user_ids["contributor"]).unit_id = city.id
        today = date.today()
        found = add_round(s, s.get(Album, env.album_id()), today - timedelta(days=10), today + timedelta(days=20))
        set_target(s, found, 15, level=UnitLevel.county)
        set_target(s, found, 40, level=UnitLevel.city)
        ids = {"city": city.id, "county": county.id}
    return env, serve_app(env.app), ids


def _cells(page, unit_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    row = page.locator(f'#by-unit tr[data-key="{unit_id}"]')
    return {key: row.locator(f"td.col-{key}").inner_text().strip() for key in ("submitted", "actual", "target", "lagging")}


def test_contributors_saved_credits_move_the_editors_dashboard(served, browser, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    env, base, ids = served
    editor = browser.new_context(viewport={"width": 1500, "height": 900}, locale="zh-CN").new_page()
    contributor = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
    errors: list[str] = []
    for page in (editor, contributor):
        page.set_default_timeout(60_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(editor, base, "editor")
    editor.goto(f"{base}/editor/progress")
    assert _cells(editor, ids["county"]) == {"submitted": "0", "actual": "0", "target": "15", "lagging": "滞后"}

    sign_in(contributor, base, "contributor")
    contributor.goto(f"{base}/contribute/upload")
    names = ["Canon_40D.jpg", "Reconyx_HC500_Hyperfire.jpg", "gps/DSCN0010.jpg"]
    contributor.set_input_files("#files", [str(corpus / "exif/jpg" / n) for n in names])
    contributor.wait_for_function("() => document.querySelectorAll('.upload.uploaded').length === 3")
    items = contributor.locator(".upload.uploaded")
    for i, caption in enumerate(["村民在新建的蔬菜大棚里采收", "合作社的冷库"]):
        items.nth(i).locator(".select-photo").check()
        items.nth(i).locator("textarea[name=caption]").fill(caption)
    contributor.fill("#bulk input[name=unit]", "昭觉县融媒体中心")
    contributor.fill("#bulk input[name=photographer]", "李四")
    contributor.click("#apply-selected")
    contributor.click("#save-all")
    contributor.locator("#bulk-status", has_text="已全部保存").wait_for()

    editor.reload()
    assert _cells(editor, ids["county"])["submitted"] == "2"
    assert _cells(editor, ids["county"])["actual"] == "2"
    city = _cells(editor, ids["city"])
    assert (city["submitted"], city["actual"]) == ("1", "3")  # its own photo, and its county's two
    shoot(editor, "12-progress-dashboard")

    long_caption = "昭觉县三河村易地扶贫搬迁安置点全景。" * 8
    with transaction(env.home.factory) as s:
        photo = s.scalars(select(Photo).where(Photo.caption == "合作社的冷库")).one()
        photo.caption = long_caption
    editor.goto(f"{base}/editor/review?city={ids['city']}")
    summary = editor.locator("details.caption-full summary", has_text="三河村").first
    clamped = summary.bounding_box()["height"]
    summary.click()
    assert editor.locator("details.caption-full[open]").count() == 1
    assert summary.bounding_box()["height"] > clamped * 1.5  # the whole caption, no longer three lines
    shoot(editor, "12-review-caption-open")
    editor.goto(f"{base}/editor/rounds")
    assert editor.locator("#targets tbody tr").count() == 2
    shoot(editor, "12-rounds-targets")
    editor.goto(f"{base}/editor/units")
    shoot(editor, "12-units")

    contributor.goto(f"{base}/contribute/mine")
    panel = contributor.locator("#unit-progress").inner_text()
    assert "凉山彝族自治州（含所辖县）：有效报送 3 张，目标 40 张，尚差 37 张" in panel
    shoot(contributor, "12-mine-unit-progress")
    assert errors == []

"""The whole web flow in a real Chromium (Playwright), against the app served on a loopback port.

A contributor uploads photos (one with EXIF orientation 6, one broken), an editor accepts, makes a
chapter, drags the photos into a new order, sets a focal point and renders a proof, whose PDF is
read back. Screenshots of each main page go to /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from album.db import transaction
from album.models import Photo, ReviewState
from web_support import WebEnv, add_chapter, add_photo, add_proof, make_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: about 10 s, a real Chromium rendering a proof
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/shots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def served(tmp_path: Path, serve_app) -> tuple[WebEnv, str]:  # type: ignore[no-untyped-def]
    env = make_env(tmp_path, WTF_CSRF_ENABLED=True)
    return env, serve_app(env.app)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    # Missing pieces fail, not skip: the README's test command (scripts/test) installs both.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is not installed ({CHROMIUM} missing): run scripts/test, "
                    "or apt-get install chromium")
    try:
        from playwright import sync_api
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}): run scripts/test, or .venv/bin/pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-1")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")  # the sticky bar belongs at the top of the picture
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_contributor_to_proof(served, browser, corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 860}, accept_downloads=True,
                                  locale="zh-CN")
    context.set_default_timeout(120_000)  # a loaded 2-core CI machine renders slowly; never hang forever
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/api/upload") else None)

    # --- contributor: upload three photos and a broken file ---------------------------------
    sign_in(page, base, "contributor")
    page.goto(f"{base}/contribute/upload")
    files = [corpus / "exif/jpg/gps/DSCN0010.jpg", corpus / "exif/jpg/orientation/landscape_6.jpg",
             corpus / "exif/jpg/exif-org/fujifilm-dx10.jpg", corpus / "pillow/truncated_jpeg.jpg"]
    page.set_input_files("#files", [str(f) for f in files])
    page.wait_for_function("() => document.querySelectorAll('.upload.uploaded, .upload.refused').length === 4")
    assert page.locator(".upload.uploaded").count() == 3
    refused = page.locator(".upload.refused")
    assert refused.count() == 1
    assert "truncated_jpeg.jpg" in refused.locator(".upload-name").inner_text()
    reason = refused.locator(".upload-status").inner_text()
    assert reason.startswith("未通过：") and len(reason) > len("未通过：")

    rotated = page.locator(".upload.uploaded", has_text="landscape_6.jpg")
    img = rotated.locator("img.thumb")
    img.evaluate("i => i.decode()")
    width, height = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert width > height, (width, height)  # stored 450×600 with orientation 6: upright is landscape

    captions = {"DSCN0010.jpg": "梯田里的春耕", "landscape_6.jpg": "新修的通村公路"}
    for name, caption in captions.items():
        item = page.locator(".upload.uploaded", has_text=name)
        item.locator("textarea[name=caption]").fill(caption)
        item.locator("input[name=photographer]").fill("王摄影")
        item.locator("button[type=submit]").click()
        item.locator(".save-status", has_text="已保存").wait_for()
    gps = page.locator(".upload.uploaded", has_text="DSCN0010.jpg")
    assert gps.locator("input[name=place]").input_value() == ""  # GPS is a hint, not the place
    assert "北纬" in (gps.locator("input[name=place]").get_attribute("placeholder") or "")
    assert gps.locator("input[name=date_text]").input_value().startswith("2008-")
    shoot(page, "1-upload")

    page.goto(f"{base}/contribute/mine")
    assert page.locator(".tile").count() == 3
    assert page.locator(".badge-submitted").count() == 3
    shoot(page, "2-my-submissions")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login")

    # --- editor: accept two, make a chapter, arrange ---------------------------------------
    sign_in(page, base, "editor")
    page.goto(f"{base}/editor/review")
    shoot(page, "3-review-queue")
    for caption in captions.values():
        page.locator(".tile", has_text=caption).locator("input[name=photo]").check()
    page.click("button[value=accept]")
    page.locator(".flash", has_text="已采用 2 张照片").wait_for()

    page.goto(f"{base}/editor/chapters")
    page.fill("input[name=title]", "山乡巨变")
    page.fill("textarea[name=opener_text]", "十年间，山乡换了新颜。")
    page.click("button:has-text('新建')")
    page.locator(".chapter-list li", has_text="山乡巨变").wait_for()
    shoot(page, "4a-chapters")

    page.goto(f"{base}/editor/unassigned")
    for caption in captions.values():
        tile = page.locator("#photo-grid > li", has_text=caption)
        tile.locator("select.move").select_option(label="山乡巨变")
        tile.wait_for(state="detached")
    page.click("a:has-text('篇目编排')")
    page.click(".chapter-list a:has-text('山乡巨变')")
    tiles = page.locator("#photo-grid > li")
    assert tiles.count() == 2
    first_before = tiles.nth(0).locator(".caption").inner_text()
    second = tiles.nth(1)
    second.drag_to(tiles.nth(0), target_position={"x": 10, "y": 60})
    page.locator("#order-status", has_text="顺序已保存").wait_for()
    page.reload()
    assert page.locator("#photo-grid > li").nth(1).locator(".caption").inner_text() == first_before
    first_caption = page.locator("#photo-grid > li").nth(0).locator(".caption").inner_text()
    shoot(page, "4-chapter-arrangement")

    page.locator("#photo-grid > li").nth(0).locator("a").first.click()
    focal = page.locator("#focal-img")
    focal.evaluate("i => i.decode()")
    box = focal.bounding_box()
    focal.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    page.locator("#focal-status", has_text="焦点已保存").wait_for()
    assert page.locator("#focal-marker.shown").is_visible()
    shoot(page, "4b-focal-point")
    with transaction(env.home.factory) as session:
        chosen = session.query(Photo).filter(Photo.caption == first_caption).one()
        assert abs(chosen.focal_x - 0.25) < 0.02 and abs(chosen.focal_y - 0.75) < 0.02
        assert session.query(Photo).filter(Photo.status == ReviewState.accepted).count() == 2

    # --- proof: start, watch progress, view pages, download --------------------------------
    page.goto(f"{base}/proofs/")
    page.click("button:has-text('开始渲染')")
    row = page.locator("#proof-table tbody tr").first
    row.locator(".badge-done").wait_for(timeout=180_000)
    assert row.locator(".percent").inner_text().strip() == "100 %"
    shoot(page, "5-proofs")
    row.locator("a:has-text('查看页面')").click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.page-grid img')).every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator(".page-grid img").count() >= 4
    shoot(page, "6-proof-viewer")
    page.click(".tabs a:has-text('跨页')")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.spreads img')).every(i => i.complete && i.naturalWidth > 0)")
    shoot(page, "7-proof-spreads")
    with page.expect_download() as info:
        page.click("#download-pdf")
    pdf = tmp_path / "proof.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for caption in captions.values():
        assert caption in text
    other = next(c for c in captions.values() if c != first_caption)
    assert text.index(first_caption) < text.index(other)  # the dragged order reached the book
    assert not errors, errors
    context.close()



def test_upload_page_applies_credits_to_selected_saves_all_and_warns_before_leaving(
        served, browser, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    """A county office uploads a batch by one photographer: credits typed once, applied to the
    selected photos, all saved with one click; closing the page with unsaved text asks first."""
    env, base = served
    page = browser.new_page(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "contributor")
    page.goto(f"{base}/contribute/upload")
    names = ["Canon_40D.jpg", "Reconyx_HC500_Hyperfire.jpg", "gps/DSCN0010.jpg"]
    page.set_input_files("#files", [str(corpus / "exif/jpg" / n) for n in names])
    page.wait_for_function("() => document.querySelectorAll('.upload.uploaded').length === 3")
    items = page.locator(".upload.uploaded")
    assert items.count() == 3 and page.locator("#bulk").is_visible()

    # Nothing selected: the bar says so and changes nothing.
    page.fill("#bulk input[name=photographer]", "李四")
    page.click("#apply-selected")
    assert "请先勾选照片" in page.locator("#bulk-status").inner_text()

    first, second, third = (items.nth(i) for i in range(3))
    first.locator(".select-photo").check()
    second.locator(".select-photo").check()
    page.fill("#bulk input[name=unit]", "昭觉县融媒体中心")
    page.fill("#bulk input[name=place]", "凉山州昭觉县")
    page.click("#apply-selected")
    for item in (first, second):
        assert item.locator("input[name=photographer]").input_value() == "李四"
        assert item.locator("input[name=unit]").input_value() == "昭觉县融媒体中心"
        assert item.locator("input[name=place]").input_value() == "凉山州昭觉县"
        assert item.locator(".save-status").inner_text() == "未保存"
    assert third.locator("input[name=photographer]").input_value() == ""  # not selected: untouched

    # Leaving with unsaved descriptions asks first; staying (dismissing) keeps the page.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with pytest.raises(Exception, match="ERR_ABORTED"):
        page.goto(f"{base}/contribute/mine")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/contribute/upload")

    # Save all: the one without a caption is named, the others are stored.
    first.locator("textarea[name=caption]").fill("村民在新建的蔬菜大棚里采收")
    page.click("#save-all")
    page.locator("#bulk-status", has_text="1 张未保存").wait_for()
    assert second.locator(".save-status").inner_text() == "请填写图片说明"
    second.locator("textarea[name=caption]").fill("合作社的冷库")
    page.click("#save-all")
    page.locator("#bulk-status", has_text="已全部保存（1 张）").wait_for()
    with transaction(env.home.factory) as session:
        stored = {p.original_name: (p.photographer, p.unit, p.place, p.caption) for p in session.query(Photo)}
    assert stored["Canon_40D.jpg"] == ("李四", "昭觉县融媒体中心", "凉山州昭觉县", "村民在新建的蔬菜大棚里采收")
    assert stored["Reconyx_HC500_Hyperfire.jpg"] == ("李四", "昭觉县融媒体中心", "凉山州昭觉县", "合作社的冷库")
    assert stored["DSCN0010.jpg"][0] == ""
    shoot(page, "1b-upload-bulk")

    # Everything saved: the page is left without a question.
    dialogs.clear()
    page.goto(f"{base}/contribute/mine")
    assert dialogs == [] and page.url.endswith("/contribute/mine")
    assert errors == []


def test_expert_signs_an_opinion_and_the_editor_finds_it_on_the_review_sheet(  # type: ignore[no-untyped-def]
        served, browser, tmp_path: Path) -> None:
    env, base = served
    proof_id = add_proof(env, pages=4)
    context = browser.new_context(viewport={"width": 1366, "height": 860}, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(60_000)
    page = context.new_page()
    sign_in(page, base, "expert")
    assert page.url.endswith("/proofs/")
    page.goto(f"{base}/proofs/{proof_id}")
    assert page.locator("#sign-form select[name=stage] option").all_inner_texts() == ["专家审读"]
    page.select_option("#sign-form select[name=decision]", "pass_with_changes")
    page.fill("#sign-form textarea[name=opinion]", "建议第2页补充合作社全称")
    page.click("#sign-form button[type=submit]")
    page.wait_for_selector("#signoff tr[data-stage=expert]")
    shoot(page, "proof-signoff-expert")
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 860}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, "editor")
    page.goto(f"{base}/proofs/{proof_id}")
    assert "建议第2页补充合作社全称" in page.locator("#signoff").inner_text()
    with page.expect_download() as download:
        page.click("#download-review-sheet")
    sheet = tmp_path / "审稿单.pdf"
    download.value.save_as(sheet)
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    assert "专家审读" in text and "修改后通过" in text and "expert-姓名" in text
    assert "建议第2页补充合作社全称" in text.replace(" ", "")
    context.close()


def test_keyboard_reordering_of_chapters_and_photos_persists(served, browser) -> None:  # type: ignore[no-untyped-def]
    env, base = served
    titles = ["旗帜引领", "时代先锋", "产业就业扶贫"]
    chapters = [add_chapter(env, title) for title in titles]
    photos = [add_photo(env, "contributor", caption=f"照片{n}", status=ReviewState.accepted,
                        chapter_id=chapters[0], position=n) for n in range(3)]
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    context.set_default_timeout(60_000)
    page = context.new_page()
    sign_in(page, base, "editor")

    page.goto(f"{base}/editor/chapters")
    page.locator(f"#chapter-list li[data-id='{chapters[2]}']").focus()
    page.keyboard.press("Alt+ArrowUp")
    page.locator("#order-status", has_text="移到第 2 位").wait_for()
    page.keyboard.press("Alt+ArrowUp")  # focus stayed on the moved item
    page.locator("#order-status", has_text="移到第 1 位").wait_for()
    shoot(page, "chapters-keyboard")
    page.reload()
    assert page.locator("#chapter-list li a").all_inner_texts() == ["产业就业扶贫", "旗帜引领", "时代先锋"]

    page.goto(f"{base}/editor/chapter/{chapters[0]}")
    page.locator(f"#photo-grid li[data-id='{photos[0]}'] button[data-step='1']").focus()
    page.keyboard.press("Enter")  # 下移, from the keyboard
    page.locator("#order-status", has_text="移到第 2 位").wait_for()
    page.keyboard.press("Enter")
    page.locator("#order-status", has_text="移到第 3 位").wait_for()
    page.reload()
    order = [int(i) for i in page.locator("#photo-grid li").evaluate_all("els => els.map(e => e.dataset.id)")]
    assert order == [photos[1], photos[2], photos[0]]
    assert page.locator("#photo-grid .position").all_inner_texts() == ["1", "2", "3"]
    with transaction(env.home.factory) as session:
        rows = session.query(Photo).filter(Photo.chapter_id == chapters[0]).order_by(Photo.position).all()
        assert [p.id for p in rows] == order
    context.close()


def test_touch_drag_reorders_chapters(served, browser) -> None:  # type: ignore[no-untyped-def]
    """A finger resting on a chapter picks it up (SortableJS's touch delay) and drags it down."""
    env, base = served
    chapters = [add_chapter(env, title) for title in ("旗帜引领", "时代先锋", "产业就业扶贫")]
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="zh-CN", has_touch=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    sign_in(page, base, "editor")
    page.goto(f"{base}/editor/chapters")
    first = page.locator(f"#chapter-list li[data-id='{chapters[0]}'] .handle").bounding_box()
    last = page.locator(f"#chapter-list li[data-id='{chapters[2]}']").bounding_box()
    cdp = context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    x, y = first["x"] + first["width"] / 2, first["y"] + first["height"] / 2
    touch("touchStart", x, y)
    page.wait_for_timeout(400)  # longer than the 200 ms pick-up delay
    target_y = last["y"] + last["height"] * 0.8
    for step in range(1, 11):
        touch("touchMove", x, y + (target_y - y) * step / 10)
        page.wait_for_timeout(30)
    touch("touchEnd", x, target_y)
    page.locator("#order-status", has_text="顺序已保存").wait_for()
    page.reload()
    assert page.locator("#chapter-list li a").all_inner_texts() == ["时代先锋", "产业就业扶贫", "旗帜引领"]
    context.close()

"""Caption proofreading on the editor's photo page (one-click 应用, 全部应用) and the glossary page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from album.db import transaction
from album.models import Photo, ReviewState
from web_support import WebEnv, add_chapter, add_photo

DIRTY = "布拖县(乐安镇)的安置点,共安置3千人。"


def caption(env: WebEnv, photo_id: int) -> str:
    with transaction(env.home.factory) as session:
        return session.get(Photo, photo_id).caption


def apply_forms(page: str) -> list[dict[str, str]]:
    """The hidden fields of each 应用 form on the page."""
    forms = re.findall(r'<form method="post" action="[^"]*/proofread" class="inline">(.*?)</form>', page, re.DOTALL)
    return [dict(re.findall(r'name="(\w+)" value="([^"]*)"', form)) for form in forms]


def test_apply_one_finding_then_all(web_env: WebEnv, editor: FlaskClient) -> None:
    photo_id = add_photo(web_env, "contributor", caption=DIRTY, status=ReviewState.accepted)
    page = editor.get(f"/editor/photo/{photo_id}").get_data(as_text=True)
    assert "校对建议（3）" in page and "中文里的括号应用全角“（）”" in page
    assert "<mark>(乐安镇)</mark>" in page and "<mark>3千</mark>" in page
    forms = apply_forms(page)
    assert [(f["rule"], f["start"], f["end"]) for f in forms] == [
        ("punct.halfwidth", "3", "8"), ("punct.halfwidth", "12", "13"), ("num.magnitude", "16", "18")]

    applied = editor.post(f"/editor/photo/{photo_id}/proofread", data=forms[2], follow_redirects=True)
    assert caption(web_env, photo_id) == "布拖县(乐安镇)的安置点,共安置3000人。"
    assert "已将“3千”改为“3000”" in applied.get_data(as_text=True)
    assert "校对建议（2）" in applied.get_data(as_text=True)

    stale = editor.post(f"/editor/photo/{photo_id}/proofread", data=forms[0])  # the old page's version
    assert stale.status_code == 409
    assert caption(web_env, photo_id) == "布拖县(乐安镇)的安置点,共安置3000人。"

    fresh = apply_forms(editor.get(f"/editor/photo/{photo_id}").get_data(as_text=True))
    done = editor.post(f"/editor/photo/{photo_id}/proofread", data={"version": fresh[0]["version"], "all": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert caption(web_env, photo_id) == "布拖县（乐安镇）的安置点，共安置3000人。"
    assert "已按校对建议修改 2 处" in done and "未发现标点、数字用法问题" in done

    gone = editor.post(f"/editor/photo/{photo_id}/proofread",
                       data={**fresh[0], "version": str(int(fresh[0]["version"]) + 1)}, follow_redirects=True)
    assert "这条校对建议已不适用" in gone.get_data(as_text=True)


def test_contributor_cannot_apply(web_env: WebEnv, contributor: FlaskClient) -> None:
    photo_id = add_photo(web_env, "contributor", caption=DIRTY)
    answer = contributor.post(f"/editor/photo/{photo_id}/proofread", data={"all": "1"})
    assert answer.status_code == 403 and caption(web_env, photo_id) == DIRTY


def test_glossary_page_preview_and_apply(web_env: WebEnv, editor: FlaskClient) -> None:
    chapter = add_chapter(web_env, "易地搬迁")
    first = add_photo(web_env, "contributor", caption="凉山州昭觉县的安置点。", status=ReviewState.accepted,
                      chapter_id=chapter)
    second = add_photo(web_env, "contributor", caption="凉山州布拖县的花椒园。", status=ReviewState.accepted,
                       chapter_id=chapter)
    page = editor.get("/editor/glossary").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    added = editor.post("/editor/glossary", data={"version": version, "correct": "凉山彝族自治州",
                                                  "variants": "凉山州、凉山 州", "action": "add"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已加入词表：凉山彝族自治州" in added and "预览（2 处）" in added
    assert "<td>凉山州昭觉县的安置点。</td>" in added and "<td>凉山<ins>彝族自治</ins>州昭觉县的安置点。</td>" in added
    seen = re.findall(r'name="seen" value="([^"]+)"', added)
    assert sorted(seen) == sorted([f"{first}:1", f"{second}:1"])

    with transaction(web_env.home.factory) as session:  # someone edits a photo after the preview
        session.get(Photo, second).caption = "凉山州布拖县的新花椒园。"
    refused = editor.post("/editor/glossary/apply", data={"seen": seen})
    assert refused.status_code == 409 and "重新预览" in refused.get_data(as_text=True)
    assert caption(web_env, first) == "凉山州昭觉县的安置点。"  # all or nothing

    again = re.findall(r'name="seen" value="([^"]+)"', editor.get("/editor/glossary").get_data(as_text=True))
    done = editor.post("/editor/glossary/apply", data={"seen": again}, follow_redirects=True).get_data(as_text=True)
    assert "已按词表修改 2 张照片的 2 处" in done and "词表没有可替换的内容" in done
    assert caption(web_env, second) == "凉山彝族自治州布拖县的新花椒园。"

    bad = editor.post("/editor/glossary/apply", data={"seen": "x:1"})
    assert bad.status_code == 422

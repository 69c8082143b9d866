"""The campaign pages through the Flask client: the dashboard shows the service's figures in a
constant number of queries, units are imported, mapped and merged from the browser's forms, a bad
unit list is a message (never a 500), contributors see their unit's progress."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from album.campaign.progress import campaign_progress
from album.db import transaction
from album.models import Album, Photo, Unit, User
from campaign_support import build_campaign
from web_support import make_env

ROW = re.compile(r'<tr class="(lagging)?" data-key="(\d+)">(.*?)</tr>', re.S)


def _cell(row_html: str, key: str) -> str:
    return re.search(rf'<td class="col-{key}">(.*?)</td>', row_html, re.S)[1].strip()


@pytest.fixture
def campaign_env(tmp_path):  # type: ignore[no-untyped-def]
    env = make_env(tmp_path)
    with transaction(env.home.factory) as s:
        s.query(Album).delete()  # the synthetic campaign brings its own album
        camp = build_campaign(s)
    return env, camp


def test_dashboard_shows_the_services_figures_and_marks_lagging_units(campaign_env) -> None:
    env, camp = campaign_env
    html = env.client("editor").get("/editor/progress?round=2").get_data(as_text=True)
    with transaction(env.home.factory) as s:
        progress = campaign_progress(s, s.get(Album, camp.album_id), round_number=2)
    table = html[html.index('id="by-unit"'):html.index('id="by-city"')]
    shown = {int(key): (bool(lagging), body) for lagging, key, body in ROW.findall(table)}
    assert len(shown) == len(progress.units) == 81
    for row in progress.units:
        lagging, body = shown[row.key]
        assert lagging == row.lagging, row.name
        assert (_cell(body, "submitted"), _cell(body, "accepted"), _cell(body, "actual"), _cell(body, "target")) == (
            str(row.figures.submitted), str(row.figures.accepted), str(row.actual), str(row.target)), row.name
    assert html.count('class="bar-lagging"') == sum(1 for r in progress.cities if r.lagging)
    sorted_html = env.client("editor").get("/editor/progress?round=2&sort=shortfall&desc=1").get_data(as_text=True)
    first = ROW.search(sorted_html[sorted_html.index('id="by-unit"'):])
    assert int(first[2]) == max(progress.units, key=lambda r: r.shortfall).key


def _count_queries(env, url: str) -> int:  # type: ignore[no-untyped-def]
    client = env.client("editor")
    client.get(url)  # warm: the session's user, the album
    count = 0

    def counted(*_args) -> None:  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1

    event.listen(env.home.engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(env.home.engine, "before_cursor_execute", counted)
    return count


def test_dashboard_request_takes_as_many_queries_for_300_units_as_for_10(tmp_path, make_database_url,
                                                                          monkeypatch) -> None:
    counts = []
    for name, sizes in (("small", dict(cities=3, counties=7, contributors=10, photos=100)),
                        ("large", dict(cities=21, counties=219, departments=60, contributors=300, photos=3000))):
        monkeypatch.setenv("ALBUM_DATABASE_URL", make_database_url())  # each app a database of its own
        env = make_env(tmp_path / name)
        with transaction(env.home.factory) as s:
            s.query(Album).delete()
            build_campaign(s, **sizes)
        counts.append(_count_queries(env, "/editor/progress?sort=actual"))
    print("queries per dashboard request:", counts)
    assert counts[0] == counts[1] < 20, counts


def test_units_are_imported_mapped_and_merged_from_the_web_forms(web_env, editor, add_photo_with_unit) -> None:
    bad = editor.post("/editor/units/import", data={"file": (io.BytesIO("单位名称,上级单位\n甲县,乙州\n".encode("gb18030")),
                                                             "名单.csv")}, follow_redirects=True)
    assert bad.status_code == 200 and "上级单位“乙州”不在名单中" in bad.get_data(as_text=True)
    good = "单位名称,上级单位,联系人,电话,邮箱,别名\n凉山州,,阿依,1,,\n昭觉县,凉山州,吉克,2,,昭觉\n西昌市,凉山州,,,,\n"
    page = editor.post("/editor/units/import", data={"file": (io.BytesIO(good.encode("gb18030")), "名单.csv")},
                       follow_redirects=True).get_data(as_text=True)
    assert "新增 3 个" in page and "1 张照片对应到了单位" in page  # the photo whose text was 昭觉
    assert "昭觉县文旅局" in page  # unmatched, offered for mapping
    with transaction(web_env.home.factory) as s:
        ids = {u.name: u.id for u in s.scalars(select(Unit))}
    page = editor.post("/editor/units/map", data={"map:昭觉县文旅局": str(ids["西昌市"])},
                       follow_redirects=True).get_data(as_text=True)
    assert "已对应 1 个名称，2 张照片" in page
    page = editor.post("/editor/units/merge", data={"keep": ids["昭觉县"], "other": ids["西昌市"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "已将 西昌市 并入 昭觉县：2 张照片" in page
    with transaction(web_env.home.factory) as s:
        assert {p.unit_id for p in s.scalars(select(Photo))} == {ids["昭觉县"]}
    page = editor.post(f"/editor/units/{ids['昭觉县']}", data={"name": "凉山州", "level": "county"}).get_data(as_text=True)
    assert "已是单位“凉山州”的名称或别名" in page


@pytest.fixture
def add_photo_with_unit(web_env):  # type: ignore[no-untyped-def]
    from web_support import add_photo

    for text in ("昭觉", "昭觉县文旅局", "昭觉县文旅局"):
        photo_id = add_photo(web_env, "contributor")
        with transaction(web_env.home.factory) as s:
            s.get(Photo, photo_id).unit = text


def test_contributor_sees_their_units_progress_and_reports_download(web_env, contributor, editor) -> None:
    from album.campaign.rounds import add_round, set_target
    from album.campaign.units import save_unit
    from album.models import UnitLevel
    from web_support import add_photo

    with transaction(web_env.home.factory) as s:
        county = save_unit(s, None, name="昭觉县", level=UnitLevel.county)
        s.get(User, web_env.user_ids["contributor"]).unit_id = county.id
        found = add_round(s, s.get(Album, web_env.album_id()), date(2020, 1, 1), date(2099, 12, 31))
        set_target(s, found, 15, level=UnitLevel.county)
    for _ in range(2):
        add_photo(web_env, "contributor")
    with transaction(web_env.home.factory) as s:
        for photo in s.scalars(select(Photo)):
            photo.unit_id = county.id
    page = contributor.get("/contribute/mine").get_data(as_text=True)
    assert re.search(r'有效报送 <strong class="actual">2</strong> 张，目标 <strong class="target">15</strong> 张，'
                     r'<span class="warn">尚差 13 张</span>', page), page
    xlsx = editor.post("/editor/progress/report", data={"format": "xlsx"})
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert [c.value for c in book["滞后单位"][2]][:5] == ["昭觉县", None, 15, 2, 13]
    letters = editor.post("/editor/progress/letters", data={"format": "pdf", "due": "2099-01-01"})
    assert letters.status_code == 200 and letters.data.startswith(b"%PDF")
    again = editor.post("/editor/progress/letters", data={"format": "pdf", "due": "明天"})
    assert again.status_code == 422 and "日期“明天”无效" in again.get_data(as_text=True)


def test_review_queue_filters_by_unit_city_and_round_and_shows_whole_captions(campaign_env) -> None:
    env, camp = campaign_env
    editor = env.client("editor")
    city_id = next(u for u, i in camp.units.items() if i["level"].value == "city")
    county_id = next(u for u, i in camp.units.items() if i["parent_id"] == city_id)
    in_city = {city_id} | {u for u, i in camp.units.items() if i["parent_id"] == city_id}

    def shown(query: str) -> set[int]:
        html = editor.get(f"/editor/review?status=all&{query}").get_data(as_text=True)
        return {int(i) for i in re.findall(r'name="photo" value="(\d+)"', html)}

    with transaction(env.home.factory) as s:
        ids = {p.sha256: p.id for p in s.scalars(select(Photo))}
    rows = [dict(p, id=ids[p["sha256"]]) for p in camp.photos]
    by_time = sorted(rows, key=lambda p: (p["created_at"], p["id"]))
    assert len(shown("")) == 60 and shown("") == {p["id"] for p in by_time[:60]}  # oldest first
    assert shown(f"unit_id={county_id}") == {p["id"] for p in rows if p["unit_id"] == county_id}
    city_rows = sorted((p for p in rows if p["unit_id"] in in_city), key=lambda p: (p["created_at"], p["id"]))
    assert shown(f"city={city_id}") == {p["id"] for p in city_rows[:60]}
    round_two = [p for p in city_rows if p["created_at"].date() >= date(2026, 11, 1)]
    assert shown(f"city={city_id}&round=2") == {p["id"] for p in round_two[:60]}
    long_caption = "村" * 300
    with transaction(env.home.factory) as s:
        s.get(Photo, by_time[0]["id"]).caption = long_caption
    html = editor.get("/editor/review?status=all").get_data(as_text=True)
    assert f'<details class="caption-full"><summary class="caption" title="点击展开或收起全文">{long_caption}</summary>' in html


def test_rounds_and_targets_are_set_from_the_web_forms(web_env, editor) -> None:
    from album.campaign.units import save_unit
    from album.models import UnitLevel

    with transaction(web_env.home.factory) as s:
        county = save_unit(s, None, name="昭觉县", level=UnitLevel.county)
    page = editor.post("/editor/rounds", data={"name": "第一批", "start": "2026-09-01", "deadline": "2026-10-31"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已添加第 1 批征集" in page
    page = editor.post("/editor/rounds", data={"start": "2026-10-01", "deadline": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写截止日期" in page
    editor.post("/editor/rounds/target", data={"round": "1", "whom": "level:county", "count": "15"})
    page = editor.post("/editor/rounds/target", data={"round": "1", "whom": str(county.id), "count": "8"},
                       follow_redirects=True).get_data(as_text=True)
    rows = re.findall(r"<tr><td>第一批</td><td>(.*?)</td><td>(.*?)</td><td>(\d+)</td></tr>", page)
    assert rows == [("每个县（市、区）", "全部", "15"), ("昭觉县", "全部", "8")]
    with transaction(web_env.home.factory) as s:
        row = next(r for r in campaign_progress(s, s.get(Album, web_env.album_id())).units if r.key == county.id)
    assert row.target == 8
    bad = editor.post("/editor/rounds/target", data={"round": "7", "whom": "level:county", "count": "1"},
                      follow_redirects=True)
    assert bad.status_code == 200 and "没有第 7 批征集" in bad.get_data(as_text=True)

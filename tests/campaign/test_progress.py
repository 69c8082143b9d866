"""The campaign's figures on a synthetic campaign (21 市州, 60 县, 300 contributors, 3,000 photos,
2 rounds), against counts made here from the inserted rows, and in a constant number of queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import event

from album.campaign.progress import campaign_progress
from album.db import transaction
from album.models import Album, UnitLevel
from campaign_support import CITY_TARGET, COUNTY_TARGET, ROUNDS, build_campaign

TODAY = date(2026, 11, 20)


@pytest.fixture
def campaign(db):
    with transaction(db) as s:
        return build_campaign(s)


def _expected(camp, round_index: int | None) -> dict[int | None, dict]:
    """Per unit id: counts straight from the rows, with no SQL."""
    out: dict[int | None, dict] = defaultdict(lambda: Counter())
    twins = Counter(p["dhash"] for p in camp.photos)
    for p in camp.photos:
        if round_index is not None:
            start, end = ROUNDS[round_index]
            if not start <= p["created_at"].date() <= end:
                continue
        c = out[p["unit_id"]]
        c["submitted"] += 1
        c[{"submitted": "pending", "accepted": "accepted", "rejected": "rejected"}[p["status"]]] += 1
        c["with_caption"] += bool(p["caption"])
        c["with_place"] += bool(p["place"])
        c["low_ppi"] += p["width_px"] < 2480  # 300 ppi across 210 mm
        c["duplicates"] += twins[p["dhash"]] > 1
        if p["status"] == "rejected":
            c["reason:" + (p["reject_reason"] or "未注明原因")] += 1
    return out


@pytest.mark.parametrize("round_index", [None, 0, 1])
def test_figures_equal_counts_made_from_the_rows(db, campaign, round_index) -> None:
    with transaction(db) as s:
        progress = campaign_progress(s, s.get(Album, campaign.album_id), today=TODAY,
                                     round_number=None if round_index is None else round_index + 1)
    expected = _expected(campaign, round_index)
    rounds = 2 if round_index is None else 1
    assert len(progress.units) == 81 and len(progress.cities) == 21
    for row in progress.units:
        want = expected.get(row.key, Counter())
        f = row.figures
        assert (f.submitted, f.pending, f.accepted, f.rejected, f.with_caption, f.with_place, f.low_ppi,
                f.duplicates) == (want["submitted"], want["pending"], want["accepted"], want["rejected"],
                                  want["with_caption"], want["with_place"], want["low_ppi"], want["duplicates"]), row.name
        assert f.rejected_by_reason == {k[7:]: v for k, v in want.items() if k.startswith("reason:")}
        info = campaign.units[row.key]
        per_round = campaign.overrides.get(row.key, CITY_TARGET if info["level"] == UnitLevel.city else COUNTY_TARGET)
        assert row.target == per_round * rounds
        if info["level"] == UnitLevel.city:
            children = [u for u, i in campaign.units.items() if i["parent_id"] == row.key]
            counted = sum(expected.get(u, Counter())["submitted"] - expected.get(u, Counter())["rejected"]
                          for u in [row.key, *children])
            assert row.actual == counted
        else:
            assert row.actual == want["submitted"] - want["rejected"]
        assert row.lagging == (row.actual < row.target)
    assert progress.without_unit.submitted == expected[None]["submitted"] > 0
    assert progress.totals.submitted == sum(c["submitted"] for c in expected.values())
    assert sum(r.figures.submitted for r in progress.chapters) == progress.totals.submitted
    assert progress.days_left == (ROUNDS[-1 if round_index is None else round_index][1] - TODAY).days
    lagging = {r.name for r in progress.lagging}
    assert lagging and lagging == {r.name for r in progress.units if r.actual < r.target}


def test_a_city_filter_keeps_the_city_and_its_counties(db, campaign) -> None:
    with transaction(db) as s:
        album = s.get(Album, campaign.album_id)
        city_id = next(u for u, i in campaign.units.items() if i["level"] == UnitLevel.city)
        progress = campaign_progress(s, album, city_id=city_id, today=TODAY)
    assert {r.key for r in progress.units} == {city_id} | {
        u for u, i in campaign.units.items() if i["parent_id"] == city_id}
    assert [r.key for r in progress.cities] == [city_id]


def _queries_for(db, **sizes) -> int:
    with transaction(db) as s:
        camp = build_campaign(s, **sizes)
    count = 0

    def counted(*_args) -> None:  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1

    engine = db.kw["bind"]
    event.listen(engine, "before_cursor_execute", counted)
    try:
        with transaction(db) as s:
            progress = campaign_progress(s, s.get(Album, camp.album_id), today=TODAY)
            assert progress.units
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


@pytest.mark.db
def test_query_count_does_not_grow_with_the_units(make_database_url) -> None:
    """10 units and 300 units (21 市州, 219 县, 60 省直) take the same number of queries."""
    from album.db import make_engine, session_factory
    from album.migrations import upgrade

    counts = []
    for sizes in (dict(cities=3, counties=7, contributors=10, photos=100),
                  dict(cities=21, counties=219, departments=60, contributors=300, photos=3000)):
        engine = make_engine(make_database_url())
        upgrade(engine)
        try:
            counts.append(_queries_for(session_factory(engine), **sizes))
        finally:
            engine.dispose()
    assert counts[0] == counts[1] <= 10, counts

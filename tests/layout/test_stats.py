"""Page-quality figures (``album book --stats``) and the white-space warning they feed."""

from __future__ import annotations

import pytest
from cli_support import run_album
from locations import CORPUS, LAYOUTS
from test_paginate import check_book, varied_album

from album.layout.book import Book, Crop, Margins, Page, PhotoFrame, Rect
from album.layout.paginate import paginate
from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot
from album.layout.stats import RUN_LIMIT, WHITE_LIMIT, book_stats
from album.layout.templates import load_templates
from album.preflight.checks import PreflightInput, PreflightPhoto, run_preflight

W, H, BLEED = 210.0, 285.0, 3.0
MARGINS = Margins(top=20, bottom=24, inner=20, outer=15)
LIVE = (W - 20 - 15) * (H - 20 - 24)


def photo_page(number: int, *rects: Rect, family: str = "f", pinned: bool = False,
               crop: Crop = Crop()) -> Page:
    frames = [PhotoFrame(rect=r, photo_id=number * 10 + i, sha256="x", crop=crop) for i, r in enumerate(rects)]
    return Page(number=number, kind="photo", template=family, frames=frames, chapter_id=1, family=family,
                pinned=pinned)


def snapshot_for(pages: list[Page], width_px: int = 3000, height_px: int = 2000) -> AlbumSnapshot:
    photos = tuple(PhotoSnapshot(id=f.photo_id, sha256="x", width_px=width_px, height_px=height_px)
                   for p in pages for f in p.photo_frames())
    return AlbumSnapshot(title="t", chapters=(ChapterSnapshot(id=1, title="旗帜引领", photos=photos),))


def test_cover_white_crop_ppi_and_full_bleed_per_page() -> None:
    small = Rect(35, 20, 100, 60)
    bleed = Rect(-BLEED, -BLEED, W + 2 * BLEED, H + 2 * BLEED)
    pages = [photo_page(1, small), photo_page(2, bleed, crop=Crop(0.1, 0.0, 0.9, 1.0))]
    book = Book(title="t", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED, pages=pages, styles={},
                margins=MARGINS)
    stats = book_stats(book, snapshot_for(pages))
    first, second = stats.pages
    assert first.coverage == pytest.approx(100 * 60 / LIVE)
    assert first.empty == pytest.approx(1 - 6000 / LIVE) and first.empty > WHITE_LIMIT
    assert not first.full_bleed and second.full_bleed and second.empty == 0.0
    assert second.coverage == pytest.approx(1.0)  # margins a photo bleeds over earn no credit
    assert second.photos[0].crop_loss == pytest.approx(0.2)
    # 80 % of 3000 px across 216 mm; all 2000 px down 291 mm: the poorer axis wins.
    assert second.photos[0].effective_ppi == pytest.approx(2000 / (291 / 25.4), rel=1e-3)
    assert [p.number for p in stats.over_white] == [1]
    assert stats.over_crop == []  # a 20 % crop is inside the 30 % limit
    pinned_deep = photo_page(3, small, crop=Crop(0.0, 0.0, 0.5, 1.0), pinned=True)
    deep = photo_page(4, small, crop=Crop(0.0, 0.0, 0.5, 1.0))
    book.pages += [pinned_deep, deep]
    stats = book_stats(book, snapshot_for(book.pages))
    assert [(n, s.photo_id) for n, s in stats.over_crop] == [(4, 40)]  # the pinned one is the editor's choice


def test_only_photo_inside_the_margin_box_counts() -> None:
    """A hero photo bleeding left and right from the top margin, 142.5 mm tall: to the eye the
    lower part of the margin box is white, and the figure says so, on either page side."""
    hero = Rect(-BLEED, 20, W + 2 * BLEED, 142.5)
    inset = Rect(10, 30, 100, 100)  # 10 mm in the recto's inner margin, 5 in the verso's outer
    pages = [photo_page(1, hero), photo_page(2, hero), photo_page(3, inset), photo_page(4, inset)]
    book = Book(title="t", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED, pages=pages, styles={},
                margins=MARGINS)
    recto, verso, inset_recto, inset_verso = book_stats(book, snapshot_for(pages)).pages
    assert recto.coverage == pytest.approx(142.5 / (H - 20 - 24))
    assert verso.coverage == pytest.approx(recto.coverage) and recto.empty > WHITE_LIMIT
    assert inset_recto.coverage == pytest.approx(90 * 100 / LIVE)
    assert inset_verso.coverage == pytest.approx(95 * 100 / LIVE)


def test_runs_of_one_family_are_counted() -> None:
    families = ["hero", "hero", "pair", "pair", "pair", "pair", "hero"]
    pages = [photo_page(n, Rect(35, 20, 160, 200), family=f) for n, f in enumerate(families, start=1)]
    book = Book(title="t", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED, pages=pages, styles={},
                margins=MARGINS)
    stats = book_stats(book, snapshot_for(pages))
    assert stats.runs() == [("hero", 2, 1), ("pair", 4, 3), ("hero", 1, 7)]
    assert stats.long_runs == [("pair", 4, 3)]


def test_white_space_warning_names_the_page() -> None:
    pages = [photo_page(1, Rect(35, 20, 100, 60)), photo_page(2, Rect(35, 20, 160, 200))]
    book = Book(title="t", trim_width_mm=W, trim_height_mm=H, bleed_mm=BLEED, pages=pages, styles={},
                margins=MARGINS)
    inp = PreflightInput.of([PreflightPhoto(id=f.photo_id, width_px=4000, height_px=3000, sha256="x",
                                            caption="说明", photographer="李明", unit="县文化馆")
                             for p in pages for f in p.photo_frames()])
    found = [i for i in run_preflight(book, inp, pdf_path=None).items if i.code == "white-space"]
    assert [(i.severity, i.page) for i in found] == [("warning", 1)]
    assert "空白 86%" in found[0].message


def test_a_very_wide_panorama_is_a_declared_band_not_a_white_space_fault(templates) -> None:
    """A 4.5:1 panorama would lose over 30 % filling two thirds of the spread: it is set whole as
    a band, whose white the template declares deliberate, so neither the stats nor preflight
    count it; the 2.4:1 panorama fills spread-panorama's taller frame within the limit."""
    shots = tuple(PhotoSnapshot(id=i, sha256=f"{i:064x}", width_px=w, height_px=2000, caption="江畔全景。")
                  for i, w in ((1, 3000), (2, 9000), (3, 4800), (4, 3000), (5, 3000)))
    snap = AlbumSnapshot(title="t", chapters=(ChapterSnapshot(id=1, title="江畔纪事", photos=shots),))
    book = paginate(snap, templates)
    check_book(book, snap)
    stats = book_stats(book, snap)
    on = {s.photo_id: p for p in stats.pages for s in p.photos}
    assert on[2].template == "spread-panorama-band" and on[2].deliberate_white
    assert on[2].empty == pytest.approx(1 - 0.42 * H / (H - 20 - 24)) and on[2].empty > WHITE_LIMIT
    assert on[3].template == "spread-panorama" and on[3].empty <= WHITE_LIMIT
    assert stats.over_white == []
    inp = PreflightInput.of([PreflightPhoto(id=p.id, width_px=p.width_px, height_px=p.height_px, sha256=p.sha256,
                                            caption=p.caption) for p in shots])
    warned = [i.page for i in run_preflight(book, inp, pdf_path=None).items if i.code == "white-space"]
    assert warned == []


def test_paginated_book_records_families_and_margins() -> None:
    photos = tuple(PhotoSnapshot(id=i, sha256=f"s{i}", width_px=4000, height_px=2600, caption="说明")
                   for i in range(1, 9))
    snapshot = AlbumSnapshot(title="t", trim_width_mm=W, trim_height_mm=H,
                             chapters=(ChapterSnapshot(id=1, title="产业就业扶贫", photos=photos),))
    templates = load_templates(LAYOUTS)
    book = paginate(snapshot, templates)
    stats = book_stats(book, snapshot)
    assert book.margins == MARGINS
    assert stats.pages and all(p.family == (templates[p.template].family or p.template) for p in stats.pages)
    opener = next(p for p in book.pages if p.kind == "opener")
    assert [f.photo_id for f in opener.photo_frames()] == [1]  # shown on the opener only
    assert sorted(s.photo_id for p in stats.pages for s in p.photos) == list(range(2, 9))


@pytest.fixture(scope="module")
def templates():
    return load_templates(LAYOUTS)


@pytest.mark.parametrize("seed", range(12))
def test_varied_albums_meet_the_page_limits(templates, seed) -> None:
    """No photo page over the white-space limit, no unpinned crop over the crop limit, and a run
    of one family longer than RUN_LIMIT only of panorama spreads (a panorama fits nothing else)."""
    snap = varied_album(seed)
    book = paginate(snap, templates)
    check_book(book, snap)
    stats = book_stats(book, snap)
    assert [(p.number, p.template, round(p.empty, 2)) for p in stats.over_white] == []
    assert stats.over_crop == []
    assert {family for family, _n, _first in stats.long_runs} <= {"spread-panorama"}, RUN_LIMIT


def test_a_chapter_with_a_sharp_photo_gets_a_full_bleed_page(templates) -> None:
    """24 MP landscapes would print at ≥ 250 ppi across a spread: the chapter gets one, its left
    page wholly photo, and the photo keeps its caption on the right page."""
    shots = tuple(PhotoSnapshot(id=i, sha256=f"{i:064x}", width_px=6000, height_px=4000,
                                caption=f"第{i}张照片的说明。", photographer="张伟") for i in range(1, 9))
    snap = AlbumSnapshot(title="t", chapters=(ChapterSnapshot(id=1, title="产业兴旺", photos=shots),))
    book = paginate(snap, templates)
    check_book(book, snap)
    chapter = book_stats(book, snap).chapters[0]
    assert chapter.candidates == 8 and chapter.has_full_bleed
    left, right = [p for p in book.pages if p.template == "spread-bleed-side"]
    assert left.number % 2 == 0 and right.number == left.number + 1
    (photo,) = left.photo_frames()
    assert photo.rect.x_mm < 0 and photo.rect.y_mm < 0 and photo.rect.right_mm >= W
    assert photo.rect.bottom_mm > H
    captions = [f for f in right.text_frames() if f.role == "caption"]
    assert [f.photo_ids for f in captions] == [(photo.photo_id,)]
    assert captions[0].rect.x_mm >= right.photo_frames()[0].rect.right_mm


def test_small_photos_ask_for_no_full_bleed_page(templates) -> None:
    """At 1600 px across a spread a photo prints at 95 ppi: no chapter is owed a full bleed."""
    shots = tuple(PhotoSnapshot(id=i, sha256=f"{i:064x}", width_px=2400, height_px=1600,
                                caption="说明。") for i in range(1, 9))
    snap = AlbumSnapshot(title="t", chapters=(ChapterSnapshot(id=1, title="产业兴旺", photos=shots),))
    stats = book_stats(paginate(snap, templates), snap)
    assert stats.chapters[0].candidates == 0 and stats.chapters_lacking_bleed == []


@pytest.mark.slow
def test_album_book_stats_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    run_album(home, "init", "--title", "版式统计")
    run_album(home, "import", *map(str, sorted((CORPUS / "photos").glob("kde-*.jpg"))[:6]), "--chapter", "第一篇")
    lines = run_album(home, "book", "--stats").stdout.splitlines()
    plan = run_album(home, "book").stdout.splitlines()
    photo_pages = [line.split()[0] for line in plan if line.split()[1] == "photo"]
    assert lines[0].startswith("页码") and [line.split()[0] for line in lines[1:1 + len(photo_pages)]] == photo_pages
    assert any(line.startswith(f"照片页 {len(photo_pages)} 页") for line in lines)
    assert any("空白超过 35% 的照片页" in line for line in lines)

"""Pagination on tiny synthetic albums (aspect ratios only, no files): one rule per test,
plus a shared check of the invariants every Book must meet."""

from __future__ import annotations

import itertools
import random

import pytest

from album.layout.book import Book, Crop, TextFrame
from album.errors import LayoutError
from album.layout.templates import load_templates
from album.layout.paginate import MAX_CROP_LOSS, describe_book, paginate
from album.layout.front_matter import chinese_ordinal, index_sort_key, page_ranges
from album.layout.photo_pages import MAX_PANORAMA_MOVE, PANORAMA_ASPECT, fill_crop
from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot, PinSnapshot
from locations import LAYOUTS

MAX_SAME_RUN = 2  # no more than this many consecutive photo pages on one template
PEOPLE = ["张伟", "李娜", "王芳", "刘强", "Anna Berg"]


@pytest.fixture(scope="module")
def templates():
    return load_templates(LAYOUTS)


def photos(aspects: list[float], start: int = 1, caption: str = "县城新貌，远处是新建的大桥。"):
    return tuple(PhotoSnapshot(id=start + i, sha256=f"{start + i:064x}", width_px=round(3000 * a),
                               height_px=3000, caption=caption, photographer=PEOPLE[i % len(PEOPLE)],
                               unit="县文化馆" if i % 2 else "")
                 for i, a in enumerate(aspects))


def album(*chapters: list[float], pins=(), **kw) -> AlbumSnapshot:
    made, next_id = [], 1
    for n, aspects in enumerate(chapters, 1):
        made.append(ChapterSnapshot(id=100 + n, title=f"第{n}章标题", opener_text="本篇导语。" * 10,
                                    photos=photos(aspects, next_id)))
        next_id += len(aspects)
    kw.setdefault("preface", "前言的一段话。" * 40)
    kw.setdefault("afterword", "后记。" * 30)
    return AlbumSnapshot(title="某县影像志", subtitle="一九四九—二〇二四", publisher="某县文化局",
                         chapters=tuple(made), pins=tuple(pins), **kw)


def varied_album(seed: int) -> AlbumSnapshot:
    """A random album of 1–5 chapters of 1–9 photos of mixed aspects (panoramas included), each
    3000 px high, padded to a random page multiple."""
    rng = random.Random(seed)
    aspects = [1.5, 0.667, 1.333, 0.75, 1.0, 1.78, 2.8, 0.5, 1.2, 3.0]
    chapters = [[rng.choice(aspects) for _ in range(rng.randint(1, 9))] for _ in range(rng.randint(1, 5))]
    return album(*chapters, page_multiple=rng.choice((4, 8, 16)))


def photo_pages(book: Book) -> dict[int, list[int]]:
    seen: dict[int, list[int]] = {}
    for page in book.pages:
        for f in page.photo_frames():
            seen.setdefault(f.photo_id, []).append(page.number)
    return seen


def kept_share(book: Book, photo_id: int) -> float:
    """Share of the photo that shows, with the halves of a spread put back together."""
    crops = [f.crop for p in book.pages for f in p.photo_frames() if f.photo_id == photo_id]
    return Crop(min(c.left for c in crops), crops[0].top, max(c.right for c in crops),
                crops[0].bottom).kept_share


def check_book(book: Book, snap: AlbumSnapshot, pinned: set[int] = frozenset()) -> None:
    """Invariants of every paginated book."""
    assert [p.number for p in book.pages] == list(range(1, book.page_count + 1))
    assert book.page_count % snap.page_multiple == 0
    seen = photo_pages(book)
    all_ids = [p.id for c in snap.chapters for p in c.photos]
    assert all_ids, "the album under test has no photos"
    assert sorted(seen) == sorted(all_ids), "every photo exactly once"
    for pid, pages in seen.items():
        if len(pages) == 2:  # a spread: left half on an even page, right half on the next
            assert pages[0] % 2 == 0 and pages[1] == pages[0] + 1
            assert book.pages[pages[0] - 1].template == book.pages[pages[1] - 1].template
        else:
            assert len(pages) == 1, f"photo {pid} on {pages}"
        if pid not in pinned:
            assert 1 - kept_share(book, pid) <= MAX_CROP_LOSS + 1e-9, pid
    # An opener photo is shown once, on its own chapter's opener, and not again on the photo
    # pages; the rest keep the editor's order.
    chapter_of = {p.id: c.id for c in snap.chapters for p in c.photos}
    on_openers = {f.photo_id for p in book.pages if p.kind == "opener" for f in p.photo_frames()}
    for page in book.pages:
        if page.kind == "opener":
            assert len(page.photo_frames()) <= 1 and page.is_recto
            assert all(chapter_of[f.photo_id] == page.chapter_id for f in page.photo_frames())
    order = [k for k, _ in itertools.groupby(f.photo_id for p in book.pages if p.kind != "opener"
                                              for f in p.photo_frames())]
    panoramas = {p.id for c in snap.chapters for p in c.photos if p.aspect > PANORAMA_ASPECT}
    on_pages = [i for i in all_ids if i not in on_openers]
    assert [i for i in order if i not in panoramas] == [i for i in on_pages if i not in panoramas], \
        "photo order kept"
    for pid in panoramas:  # a panorama may move a little to reach a spread
        if pid not in on_openers:
            assert abs(order.index(pid) - on_pages.index(pid)) <= MAX_PANORAMA_MOVE, pid
    openers = [p for p in book.pages if p.kind == "opener" and p.frames]
    assert openers, "no chapter opener"
    assert all(p.is_recto for p in openers), "chapters start on right-hand pages"
    w, h, bleed = book.trim_width_mm, book.trim_height_mm, book.bleed_mm
    for page in book.pages:
        for f in page.frames:
            r = f.rect
            if isinstance(f, TextFrame):
                assert r.x_mm >= 6 - 1e-6 and r.y_mm >= 6 - 1e-6, (page.number, f)
                assert r.right_mm <= w - 6 + 1e-6 and r.bottom_mm <= h - 6 + 1e-6, (page.number, f)
            else:
                for edge in (r.x_mm, r.y_mm, w - r.right_mm, h - r.bottom_mm):
                    assert edge >= -bleed - 1e-6
                    assert f.bleeds or edge >= -1e-6
                    assert edge >= -1e-6 or edge == pytest.approx(-bleed)
        if page.kind in ("opener", "blank", "title", "half-title"):
            assert not any(f.role in ("folio", "running-head") for f in page.text_frames())
    # the TOC points at the real opener pages
    toc = [b for p in book.pages if p.kind == "toc" for f in p.text_frames() if f.role == "toc"
           for b in f.blocks]
    chapter_entries = [b for b in toc if b.text.startswith("第")]
    assert [int(b.trailing) for b in chapter_entries] == [p.number for p in openers]


def max_run(book: Book) -> int:
    runs = [len(list(g)) for k, g in itertools.groupby(
        p.template for p in book.pages if p.kind == "photo" and p.template.count("spread") == 0)]
    return max(runs, default=0)


def test_all_landscapes(templates) -> None:
    snap = album([1.5] * 30)
    book = paginate(snap, templates)
    check_book(book, snap)
    assert max_run(book) <= MAX_SAME_RUN
    assert len({p.template for p in book.pages if p.kind == "photo"}) >= 3


def test_all_portraits(templates) -> None:
    snap = album([0.667, 0.75] * 12)
    book = paginate(snap, templates)
    check_book(book, snap)
    assert max_run(book) <= MAX_SAME_RUN


def test_mixed_aspects_and_other_page_multiples(templates) -> None:
    mix = [1.5, 0.667, 1.333, 0.75, 1.0, 1.78, 2.8, 0.5, 1.5, 1.5, 0.8, 3.5, 1.2]
    for multiple in (8, 16):
        snap = album(mix * 2, mix[::-1], page_multiple=multiple)
        check_book(paginate(snap, templates), snap)


def test_panoramas_get_a_wide_slot_or_a_spread(templates) -> None:
    snap = album([2.6, 3.0, 2.4, 4.0, 2.5])
    book = paginate(snap, templates)
    check_book(book, snap)
    for page in book.pages:
        if page.photo_frames():
            assert page.template != templates.rules.fallback
    assert any(p.template.startswith("spread") for p in book.pages)


def test_extreme_aspect_falls_back_to_the_uncropped_slot(templates) -> None:
    snap = album([12.0, 0.1])
    book = paginate(snap, templates)
    check_book(book, snap)
    frames = [f for p in book.pages for f in p.photo_frames()]
    assert frames, "no photo placed"
    assert all(f.crop == Crop() for f in frames)
    for f in frames:  # placed at the photo's own aspect
        aspect = 12.0 if f.photo_id == 1 else 0.1
        assert f.rect.width_mm / f.rect.height_mm == pytest.approx(aspect, rel=1e-3)


def test_single_photo_and_empty_chapters(templates) -> None:
    snap = album([1.5], [], [0.75])
    book = paginate(snap, templates)
    check_book(book, snap)
    assert any("第2篇" in w and "没有照片" in w for w in book.warnings)
    assert sum(1 for p in book.pages if p.kind == "opener") == 3


def test_many_chapters_with_a_long_toc(templates) -> None:
    snap = album(*[[1.5, 0.75, 1.333][: 1 + n % 3] for n in range(40)])
    book = paginate(snap, templates)
    check_book(book, snap)
    assert sum(1 for p in book.pages if p.kind == "toc") >= 2
    toc_text = [b for p in book.pages if p.kind == "toc" for f in p.text_frames()
                if f.role == "toc" for b in f.blocks]
    assert toc_text[0].text == "第一篇　第1章标题"
    assert toc_text[39].text == "第四十篇　第40章标题"
    sections = {b.text: int(b.trailing) for b in toc_text if not b.text.startswith("第")}
    for title, kind in (("摄影者索引", "index"), ("后记", "afterword")):
        assert book.pages[sections[title] - 1].kind == kind


def test_index_lists_the_real_pages_of_each_photographer(templates) -> None:
    snap = album([1.5, 0.75, 2.8, 1.333] * 4, [0.667] * 5)
    book = paginate(snap, templates)
    check_book(book, snap)
    expected: dict[str, set[int]] = {}
    seen = photo_pages(book)
    for chapter in snap.chapters:
        for p in chapter.photos:
            expected.setdefault(p.photographer, set()).update(seen[p.id])
    entries = [b for p in book.pages if p.kind == "index" for f in p.text_frames()
               if f.role == "index" for b in f.blocks]
    assert [b.text for b in entries] == sorted(expected, key=index_sort_key)
    assert [b.text for b in entries][:2] == ["Anna Berg", "李娜"]  # Latin first, then pinyin: li < liu
    for b in entries:
        got: set[int] = set()
        for part in b.trailing.split(", "):
            lo, _, hi = part.partition("–")
            got.update(range(int(lo), int(hi or lo) + 1))
        assert got == expected[b.text]


def test_pins_are_honoured_even_when_they_crop_more(templates) -> None:
    pins = [PinSnapshot("four-grid", (3, 4, 5, 6)), PinSnapshot("alone", (8,)),
            PinSnapshot("spread", (10,)), PinSnapshot("full-bleed", (12,))]
    snap = album([1.5, 1.5, 0.667, 0.667, 0.667, 0.667, 1.5, 1.5, 1.5, 0.75, 1.5, 1.5], pins=pins)
    book = paginate(snap, templates)
    check_book(book, snap, pinned={3, 4, 5, 6, 10, 12})
    assert 1 - kept_share(book, 8) <= MAX_CROP_LOSS  # "alone" still avoids needless crops
    where = photo_pages(book)
    grid = book.pages[where[3][0] - 1]
    assert grid.template == "four-grid" and [f.photo_id for f in grid.photo_frames()] == [3, 4, 5, 6]
    assert len(book.pages[where[8][0] - 1].photo_frames()) == 1
    assert len(where[10]) == 2 and book.pages[where[10][0] - 1].template.startswith("spread")
    assert book.pages[where[12][0] - 1].template == "full-bleed"
    assert any("#3" in w and "four-grid" in w for w in book.warnings), book.warnings
    assert any("#12" in w and "图注未排入" in w for w in book.warnings)


def test_bad_pins_are_dropped_with_a_warning(templates) -> None:
    pins = [PinSnapshot("two-side", (1, 3)), PinSnapshot("no-such", (2,)),
            PinSnapshot("two-side", (4,)), PinSnapshot("alone", (999,))]
    snap = album([0.75] * 5, pins=pins)
    book = paginate(snap, templates)
    check_book(book, snap)
    assert len([w for w in book.warnings if "固定版式" in w]) == 4


def test_spread_halves_share_the_crop_at_the_gutter(templates) -> None:
    snap = album([1.8], pins=[PinSnapshot("spread", (1,))])
    book = paginate(snap, templates)
    left, right = [f for p in book.pages for f in p.photo_frames()]
    assert left.rect.right_mm == pytest.approx(book.trim_width_mm)
    assert right.rect.x_mm == pytest.approx(0.0)
    assert left.crop.right == pytest.approx(right.crop.left)
    share = left.rect.width_mm / (left.rect.width_mm + right.rect.width_mm)
    assert (left.crop.right - left.crop.left) == pytest.approx(share * (right.crop.right - left.crop.left))


def test_crop_keeps_the_focal_point_in_view() -> None:
    def photo(fx: float, fy: float = 0.5) -> PhotoSnapshot:
        return PhotoSnapshot(id=1, sha256="x", width_px=3000, height_px=1000, focal_x=fx, focal_y=fy)
    assert fill_crop(photo(0.5), 1.5) == Crop(0.25, 0.0, 0.75, 1.0)
    assert fill_crop(photo(0.95), 1.5) == Crop(0.5, 0.0, 1.0, 1.0)  # clamped to the image
    c = fill_crop(photo(0.3), 1.5)
    assert c.left < 0.3 < c.right and (c.left + c.right) / 2 == pytest.approx(0.3)
    tall = PhotoSnapshot(id=2, sha256="y", width_px=1000, height_px=2000, focal_y=0.2)
    c = fill_crop(tall, 1.0)
    assert (c.top, c.bottom) == pytest.approx((0.0, 0.5))


def test_captions_carry_text_and_credit(templates) -> None:
    snap = album([1.5, 1.5])
    book = paginate(snap, templates)
    caps = {f.photo_ids: f for p in book.pages for f in p.text_frames() if f.role == "caption"}
    assert [b.style for b in caps[(1,)].blocks] == ["caption", "credit"]
    assert caps[(1,)].blocks[1].text == "摄影：张伟"
    assert caps[(2,)].blocks[1].text == "摄影：李娜\u3000供稿：县文化馆"


def test_long_caption_gets_room(templates) -> None:
    snap = AlbumSnapshot(title="t", chapters=(ChapterSnapshot(1, "章", photos=photos(
        [1.5, 1.5], caption="这是一段很长的图片说明，介绍了拍摄的背景和人物。" * 12)),))
    book = paginate(snap, templates)
    assert not [w for w in book.warnings if "放不下" in w], book.warnings


def test_folios_and_running_heads(templates) -> None:
    snap = album([1.5] * 6)
    book = paginate(snap, templates)
    photo_page = [p for p in book.pages if p.kind == "photo" and not p.template.startswith("spread")]
    assert photo_page, "no single photo page"
    for page in photo_page:
        roles = {f.role: f for f in page.text_frames()}
        assert roles["folio"].blocks[0].text == str(page.number) == page.folio
        expected = "第1章标题" if page.is_recto else "某县影像志"
        assert roles["running-head"].blocks[0].text == expected == page.running_head
    for page in book.pages:
        if page.kind in ("opener", "blank", "title"):
            assert page.folio is None and page.running_head is None


def test_long_preface_flows_over_pages_without_losing_text(templates) -> None:
    text = "\n".join(f"第{i}段。" + "这一段讲述了县城七十年的变化。" * 8 for i in range(30))
    snap = album([1.5], preface=text)
    book = paginate(snap, templates)
    pages = [p for p in book.pages if p.kind == "preface"]
    assert len(pages) >= 3
    assert pages[0].is_recto
    body = "".join(b.text for p in pages for f in p.text_frames() if f.role == "text"
                   for b in f.blocks if b.style == "body")
    assert body == text.replace("\n", "")
    headings = [f for p in pages for f in p.text_frames() if f.role == "title"]
    assert len(headings) == 1


def test_other_trim_sizes(templates) -> None:
    for w, h in ((210, 297), (285, 210), (250, 250)):
        snap = album([1.5, 0.75, 2.8, 1.0, 0.667] * 3, trim_width_mm=w, trim_height_mm=h)
        book = paginate(snap, templates)
        check_book(book, snap)
        assert (book.trim_width_mm, book.trim_height_mm) == (w, h)


def test_paginate_is_deterministic_and_described_line_by_line(templates) -> None:
    snap = album([1.5, 0.75, 2.8] * 5)
    a, b = paginate(snap, templates), paginate(snap, templates)
    assert a == b
    lines = describe_book(a)
    assert len(lines) == a.page_count
    assert any("#1" in line and "photo" in line for line in lines)


def test_invalid_input_is_refused(templates) -> None:
    with pytest.raises(LayoutError, match="倍数"):
        paginate(album([1.5], page_multiple=5), templates)
    bad = AlbumSnapshot(title="t", chapters=(ChapterSnapshot(1, "c", photos=(
        PhotoSnapshot(id=7, sha256="s", width_px=0, height_px=10),)),))
    with pytest.raises(LayoutError, match="#7"):
        paginate(bad, templates)


def test_small_helpers() -> None:
    assert [chinese_ordinal(n) for n in (1, 10, 12, 20, 21, 100, 105, 110)] == [
        "一", "十", "十二", "二十", "二十一", "一百", "一百零五", "一百一十"]
    assert page_ranges([9, 3, 4, 5, 12, 13]) == "3–5, 9, 12–13"


@pytest.mark.parametrize("before", [[], [1.5], [0.75], [1.5, 0.75], [1.333, 1.5, 0.667], [1.5, 1.5, 0.75, 1.333],
                                    [0.75, 0.75, 1.5, 1.5, 1.333], [1.5, 0.75, 1.5, 0.75, 1.5, 0.75]])
def test_a_panorama_lands_on_a_spread_at_either_parity(templates, before: list[float]) -> None:
    """Whatever comes before it, a 3:1 panorama spreads across a left- and a right-hand page,
    never a one-page strip and never after a blank page inside the chapter."""
    snap = album(before + [3.0] + [1.5, 0.75])
    book = paginate(snap, templates)
    check_book(book, snap)
    pano = len(before) + 1
    pages = photo_pages(book)[pano]
    assert len(pages) == 2 and pages[0] % 2 == 0 and pages[1] == pages[0] + 1, (before, pages)
    assert templates[book.pages[pages[0] - 1].template].kind == "spread"
    opener = next(p.number for p in book.pages if p.kind == "opener")
    assert all(p.kind != "blank" for p in book.pages[opener:pages[0] - 1])


def test_a_pinned_strip_keeps_the_panorama_on_one_page(templates) -> None:
    snap = album([1.5, 3.0, 1.5], pins=[PinSnapshot("wide", (2,))])
    book = paginate(snap, templates)
    assert len(photo_pages(book)[2]) == 1


def test_a_moved_panorama_is_reported_to_the_editor(templates) -> None:
    # Photo 1 opens the chapter; photo 2 is a portrait, so no landscape bleed spread before the
    # panorama can set it on a left-hand page instead of the move.
    book = paginate(album([1.5, 0.75, 3.0, 1.5, 0.75]), templates)
    moved = [w for w in book.warnings if "全景照片 #3" in w]
    assert len(moved) == 1 and "以便从左页起跨两页" in moved[0]

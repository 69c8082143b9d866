"""Chapter openers with a photo, the editor's pick, and where blank pages may fall."""

from __future__ import annotations

import itertools

import pytest
from locations import LAYOUTS
from test_paginate import album, check_book, photo_pages, varied_album

from album.layout.book import Book
from album.layout.paginate import paginate
from album.layout.snapshot import (
    AlbumSnapshot,
    ChapterSnapshot,
    PhotoSnapshot,
    PinSnapshot,
)
from album.layout.templates import load_templates

BACK_MATTER = ("index", "afterword")


@pytest.fixture(scope="module")
def templates():
    return load_templates(LAYOUTS)


def shot(pid: int, width: int, height: int) -> PhotoSnapshot:
    return PhotoSnapshot(id=pid, sha256=f"{pid:064x}", width_px=width, height_px=height,
                         caption=f"第{pid}张照片的说明。", photographer="张伟")


def one_chapter(*shots: PhotoSnapshot, pick: int | None = None, text: str = "本篇导语。" * 10,
                pins: tuple[PinSnapshot, ...] = ()) -> AlbumSnapshot:
    chapter = ChapterSnapshot(id=7, title="产业兴旺", opener_text=text, photos=shots,
                              opener_photo_id=pick)
    return AlbumSnapshot(title="某县影像志", chapters=(chapter,), pins=pins, afterword="后记。" * 30)


def opener(book: Book):  # type: ignore[no-untyped-def]
    return next(p for p in book.pages if p.kind == "opener")


def opener_photo(book: Book) -> int | None:
    frames = opener(book).photo_frames()
    return frames[0].photo_id if frames else None


def test_the_best_resolved_landscape_photo_opens_the_chapter(templates) -> None:
    snap = one_chapter(shot(1, 2000, 3000), shot(2, 2400, 1600), shot(3, 6000, 4000), shot(4, 3000, 2000))
    book = paginate(snap, templates)
    check_book(book, snap)
    page = opener(book)
    assert page.template == "opener-photo" and page.is_recto and opener_photo(book) == 3
    assert photo_pages(book)[3] == [page.number]  # not repeated on the photo pages
    captions = [f for f in page.text_frames() if f.role == "caption"]
    assert [f.photo_ids for f in captions] == [(3,)]
    assert captions[0].blocks[-1].text == "摄影：张伟"
    titles = [b.text for f in page.text_frames() for b in f.blocks]
    assert "第一篇" in titles and "产业兴旺" in titles
    index = [b for p in book.pages if p.kind == "index" for f in p.text_frames() for b in f.blocks]
    entry = next(b for b in index if b.text == "张伟")
    assert page_listed(entry.trailing, page.number)  # the photographer index counts the opener


def page_listed(ranges: str, number: int) -> bool:
    for part in ranges.split(", "):
        lo, _, hi = part.partition("–")
        if int(lo) <= number <= int(hi or lo):
            return True
    return False


@pytest.mark.parametrize("shots, template", [
    ([shot(1, 2000, 3000), shot(2, 2250, 3000)], "opener"),  # portraits only
    ([shot(1, 1200, 800), shot(2, 1100, 800)], "opener"),  # landscapes under 200 ppi even inset
    ([shot(1, 1500, 1000), shot(2, 2000, 3000)], "opener-photo-inset"),  # enough for the inset only
    ([shot(1, 4500, 3000)], "opener"),  # a one-photo chapter keeps its photo on a page
])
def test_the_text_opener_when_no_photo_is_good_enough(templates, shots, template) -> None:
    book = paginate(one_chapter(*shots), templates)
    assert opener(book).template == template
    assert (opener_photo(book) is None) == (template == "opener")


def test_a_long_opener_text_keeps_the_text_opener(templates) -> None:
    snap = one_chapter(shot(1, 4500, 3000), shot(2, 4500, 3000), text="很长的导语。" * 120)
    assert opener(paginate(snap, templates)).template == "opener"


def test_the_editors_pick_wins(templates) -> None:
    snap = one_chapter(shot(1, 6000, 4000), shot(2, 2400, 1600), shot(3, 2000, 3000), pick=2)
    book = paginate(snap, templates)
    check_book(book, snap)
    assert opener_photo(book) == 2 and not book.warnings


def test_a_low_resolution_pick_is_used_with_a_warning(templates) -> None:
    book = paginate(one_chapter(shot(1, 6000, 4000), shot(2, 1200, 800), pick=2), templates)
    assert opener_photo(book) == 2
    assert any("#2 在篇章页上只有" in w for w in book.warnings)


@pytest.mark.parametrize("pick, pins, reason", [
    (99, (), "#99 不是本篇已采用的照片"),  # not in the chapter, or not accepted (not in the snapshot)
    (3, (), "#3 的比例放不进照片篇章页"),  # a portrait
    (2, (PinSnapshot("alone", (2,)),), "#2 已有固定版式"),
])
def test_a_pick_that_cannot_be_honoured_falls_back_with_a_warning(templates, pick, pins, reason) -> None:
    snap = one_chapter(shot(1, 6000, 4000), shot(2, 4500, 3000), shot(3, 2000, 3000), pick=pick, pins=pins)
    book = paginate(snap, templates)
    check_book(book, snap, pinned={2} if pins else set())
    assert opener_photo(book) == 1  # the engine's choice
    assert [w for w in book.warnings if "篇章页照片" in w] == [
        f"第1篇《产业兴旺》选定的篇章页照片 {reason}，改由系统选择篇章页" if "比例" not in reason else
        f"第1篇《产业兴旺》选定的篇章页照片 {reason}（须为横幅，裁切不超过 30%），或导语太长，改由系统选择篇章页"]


def blank_runs(kinds: list[str]) -> list[int]:
    return [len(list(g)) for k, g in itertools.groupby(kinds) if k == "blank"]


@pytest.mark.parametrize("seed", range(12))
def test_openers_on_rectos_no_blank_runs_inside_and_padding_after_the_back_matter(templates, seed) -> None:
    """Varied albums: every opener on a right-hand page; inside the book (before the back matter)
    a blank page is only ever a single verso; the padding to the page multiple comes after the
    last page of the back matter (the 后记), fewer pages than the multiple."""
    snap = varied_album(seed)
    multiple = snap.page_multiple
    book = paginate(snap, templates)
    check_book(book, snap)
    kinds = [p.kind for p in book.pages]
    assert all(p.is_recto for p in book.pages if p.kind == "opener")
    back = kinds.index("index")
    assert max(blank_runs(kinds[:back]), default=0) <= 1
    assert all(book.pages[i].number % 2 == 0 for i, k in enumerate(kinds[:back]) if k == "blank")
    for i, k in enumerate(kinds[:back]):  # a blank page is followed by a right-hand section or a spread
        if k == "blank" and kinds[i + 1] == "photo":
            assert templates[book.pages[i + 1].template].kind == "spread", i + 1
    last = max(i for i, k in enumerate(kinds) if k != "blank")
    assert kinds[last] == "afterword"
    assert len(kinds) - last - 1 < multiple and all(k == "blank" for k in kinds[last + 1:])
    assert max(blank_runs(kinds[back:last + 1]), default=0) <= 1


def test_a_panorama_moves_to_fill_the_page_before_the_back_matter(templates) -> None:
    """The planner weighs the blank verso a chapter would leave before the next right-hand
    section when it considers moving a panorama: here moving one fills that page."""
    snap = album([0.667, 1.78, 3.0, 1.5, 1.2, 0.75, 1.5, 0.667, 2.8])
    book = paginate(snap, templates)
    check_book(book, snap)
    kinds = [p.kind for p in book.pages]
    assert "blank" not in kinds[kinds.index("opener"):kinds.index("index")]
    assert any("全景照片 #9 前移" in w for w in book.warnings)

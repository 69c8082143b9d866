"""Page quality, measured: how much of each page's margin box the photos fill, what each crop
costs, the resolution each photo prints at, and runs of look-alike pages.

These are the figures a designer judges a picture book by. ``album book --stats`` prints them,
preflight warns on a page over the white-space limit, and the limits live here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import median

from album.layout.book import Book, Crop, Page, PhotoFrame
from album.layout.coverage import covered_share, margin_box
from album.layout.photo_pages import (
    FULL_BLEED_PPI,
    MAX_CROP_LOSS,
    WHITE_LIMIT,
    bleed_candidate,
)
from album.layout.snapshot import AlbumSnapshot, PhotoSnapshot
from album.layout.text_measure import Geometry

__all__ = ["FULL_BLEED_PPI", "RUN_LIMIT", "WHITE_LIMIT", "book_stats", "describe_stats", "page_coverage"]

RUN_LIMIT = 3  # pages of one template family in a row


@dataclass(frozen=True)
class PhotoStat:
    photo_id: int
    crop_loss: float
    effective_ppi: float


@dataclass(frozen=True)
class PageStat:
    number: int
    template: str
    family: str
    coverage: float  # photo area inside the margin box over its area (album.layout.coverage)
    photos: tuple[PhotoStat, ...]
    full_bleed: bool  # one photo covers the whole trim (a page of a bleeding spread counts)
    pinned: bool
    deliberate_white: bool = False  # its template declares the white space deliberate

    @property
    def over_white(self) -> bool:
        return self.empty > WHITE_LIMIT + 1e-9 and not self.deliberate_white

    @property
    def empty(self) -> float:
        return 1.0 - self.coverage


@dataclass(frozen=True)
class ChapterBleed:
    title: str
    has_full_bleed: bool
    candidates: int  # photos that would print at FULL_BLEED_PPI or better on a full-bleed page or spread


@dataclass(frozen=True)
class BookStats:
    pages: tuple[PageStat, ...]
    chapters: tuple[ChapterBleed, ...]

    @property
    def over_white(self) -> list[PageStat]:
        return [p for p in self.pages if p.over_white]

    @property
    def over_crop(self) -> list[tuple[int, PhotoStat]]:
        return [(p.number, s) for p in self.pages if not p.pinned for s in p.photos
                if s.crop_loss > MAX_CROP_LOSS + 1e-9]

    def runs(self) -> list[tuple[str, int, int]]:
        """Runs of consecutive photo pages of one family: (family, length, first page)."""
        found: list[tuple[str, int, int]] = []
        for page in self.pages:
            last = found[-1] if found else None
            if last and last[0] == page.family and last[2] + last[1] == page.number:
                found[-1] = (last[0], last[1] + 1, last[2])
            else:
                found.append((page.family, 1, page.number))
        return found

    @property
    def long_runs(self) -> list[tuple[str, int, int]]:
        return [run for run in self.runs() if run[1] > RUN_LIMIT]

    @property
    def chapters_lacking_bleed(self) -> list[ChapterBleed]:
        return [c for c in self.chapters if c.candidates and not c.has_full_bleed]


def page_coverage(page: Page, book: Book) -> float:
    """Photo area inside the page's margin box over the margin box's area."""
    if book.margins is None:
        raise ValueError("the book records no margins")
    box = margin_box(book.trim_width_mm, book.trim_height_mm, book.margins, page.number % 2 == 1)
    return covered_share((f.rect for f in page.photo_frames()), [box])


def is_full_bleed(page: Page, book: Book) -> bool:
    return any(f.rect.x_mm <= 0 and f.rect.y_mm <= 0 and f.rect.right_mm >= book.trim_width_mm
               and f.rect.bottom_mm >= book.trim_height_mm for f in page.photo_frames())


def _photo_stat(frame: PhotoFrame, photo: PhotoSnapshot, whole: Crop) -> PhotoStat:
    """``whole`` is the photo's crop over all its frames: a spread's halves each show part."""
    ppi = frame.crop.effective_ppi(photo.width_px, photo.height_px, frame.rect.width_mm,
                                   frame.rect.height_mm)
    return PhotoStat(frame.photo_id, 1.0 - whole.kept_share, ppi)


def _whole_crops(book: Book) -> dict[int, Crop]:
    crops: dict[int, Crop] = {}
    for page in book.pages:
        for f in page.photo_frames():
            c, seen = f.crop, crops.get(f.photo_id)
            crops[f.photo_id] = c if seen is None else Crop(
                min(c.left, seen.left), min(c.top, seen.top), max(c.right, seen.right), max(c.bottom, seen.bottom))
    return crops


def book_stats(book: Book, snapshot: AlbumSnapshot) -> BookStats:
    """The quality figures of every photo page of ``book`` (laid out from ``snapshot``)."""
    photos: Mapping[int, PhotoSnapshot] = {p.id: p for c in snapshot.chapters for p in c.photos}
    whole = _whole_crops(book)
    pages = tuple(
        PageStat(page.number, page.template, page.family, page_coverage(page, book),
                 tuple(_photo_stat(f, photos[f.photo_id], whole[f.photo_id]) for f in page.photo_frames()),
                 is_full_bleed(page, book), page.pinned, page.deliberate_white)
        for page in book.pages if page.kind == "photo")
    if book.margins is None:
        raise ValueError("the book records no margins")
    geom = Geometry(book.trim_width_mm, book.trim_height_mm, book.bleed_mm, book.margins)
    chapters = tuple(
        ChapterBleed(chapter.title,
                     any(p.full_bleed for p in pages if _chapter_of(book, p.number) == chapter.id),
                     sum(bleed_candidate(photo, geom) for photo in chapter.photos))
        for chapter in snapshot.chapters)
    return BookStats(pages, chapters)


def _chapter_of(book: Book, number: int) -> int | None:
    return book.pages[number - 1].chapter_id


def describe_stats(stats: BookStats) -> list[str]:
    """The ``album book --stats`` table: one line per photo page, then the book's figures."""
    lines = ["页码  版式                  系列            照片占版心  空白   最大裁切  最低ppi"]
    for p in stats.pages:
        loss = max((s.crop_loss for s in p.photos), default=0.0)
        ppi = min((s.effective_ppi for s in p.photos), default=0.0)
        flag = " *" if p.over_white else " 留白" if p.deliberate_white else ""
        lines.append(f"{p.number:>4}  {p.template:<20}  {p.family:<14}  {p.coverage:>8.0%}  "
                     f"{p.empty:>5.0%}  {loss:>7.0%}  {ppi:>7.0f}{flag}")
    if not stats.pages:
        return [*lines, "（没有照片页）"]
    coverages = [p.coverage for p in stats.pages]
    losses = [s.crop_loss for p in stats.pages for s in p.photos]
    ppis = [s.effective_ppi for p in stats.pages for s in p.photos]
    longest = max(stats.runs(), key=lambda run: run[1])
    lines += [
        f"照片页 {len(stats.pages)} 页；照片占版心 最少 {min(coverages):.0%}，中位 {median(coverages):.0%}，"
        f"最多 {max(coverages):.0%}",
        f"裁切 中位 {median(losses):.0%}，最大 {max(losses):.0%}；有效分辨率 最低 {min(ppis):.0f}，"
        f"中位 {median(ppis):.0f} ppi",
        f"空白超过 {WHITE_LIMIT:.0%} 的照片页（不计版式声明留白的）：{len(stats.over_white)} 页"
        + (f"（第 {'、'.join(str(p.number) for p in stats.over_white)} 页）" if stats.over_white else ""),
        f"未固定而裁切超过 {MAX_CROP_LOSS:.0%} 的照片：{len(stats.over_crop)} 张",
        f"同一系列版式连续最多：{longest[0]} {longest[1]} 页（自第 {longest[2]} 页）；"
        f"超过 {RUN_LIMIT} 页的连续：{len(stats.long_runs)} 处",
        f"有满版出血照片的篇目：{sum(c.has_full_bleed for c in stats.chapters)}/{len(stats.chapters)}；"
        f"有条件（≥{FULL_BLEED_PPI} ppi）却没有的：{len(stats.chapters_lacking_bleed)} 篇"
        + (f"（{'、'.join(c.title for c in stats.chapters_lacking_bleed)}）" if stats.chapters_lacking_bleed else ""),
    ]
    return lines

"""Album snapshot + templates → Book. Pure: no files, no database, same input, same Book.

Order of the book: ``front_matter`` from ``layouts/book.toml`` (title, copyright, preface, TOC),
then per chapter an opener on a right-hand page (with a photo when one is good enough, see
``openers``) followed by its photo pages, then
``back_matter`` (photographer index, afterword), then blank pages up to the page multiple.
Pages are numbered from 1 (the first page of the block) straight through.
"""

from __future__ import annotations

from dataclasses import replace

from album.errors import LayoutError
from album.layout.book import Book, ChapterEntry
from album.layout.front_matter import (
    BookBuilder,
    add_page_marks,
    fill_colophon,
    fill_toc,
    matter,
)
from album.layout.openers import OpenerChoice, choose_opener
from album.layout.photo_pages import (
    MAX_CROP_LOSS,
    PinGroup,
    placement_notes,
    plan_chapter,
)
from album.layout.snapshot import PAGE_MULTIPLES, AlbumSnapshot
from album.layout.template_model import PHOTO_KINDS, TemplateSet, check_text_geometry
from album.layout.text_measure import Geometry, paragraphs

__all__ = ["paginate", "describe_book", "MAX_CROP_LOSS"]

def paginate(snapshot: AlbumSnapshot, templates: TemplateSet) -> Book:
    """Lay the album out: every photo exactly once, in order, chapters on right-hand pages."""
    _check_snapshot(snapshot)
    rules = templates.rules
    geom = Geometry(snapshot.trim_width_mm, snapshot.trim_height_mm, snapshot.bleed_mm, rules.margins)
    for template in templates.templates.values():
        check_text_geometry(template, geom.trim_w, geom.trim_h, rules)
    b = BookBuilder(snapshot, templates, geom)
    pinned = {pid for pin in snapshot.pins for pid in pin.photo_ids}
    openers = [choose_opener(c, n, templates, geom, pinned, b.warnings)
               for n, c in enumerate(snapshot.chapters, 1)]
    on_pages = _without_opener_photos(snapshot, openers)
    pins = _pin_groups(on_pages, templates, b.warnings)
    numbers: dict[str, int] = {}  # TOC entry → page: section titles, "#n" for chapter n
    toc_pages = []
    colophon_pages = []
    for name in rules.front_matter:
        made = matter(b, templates[name])
        if made and templates[name].kind == "toc":
            toc_pages = made
        elif made and templates[name].kind == "copyright":
            colophon_pages = made
        elif made and templates[name].toc_title:
            numbers[templates[name].toc_title] = made[0].number

    for n, (chapter, choice, rest) in enumerate(zip(snapshot.chapters, openers, on_pages.chapters), 1):
        flow = choice.template.flow_slot()
        text = paragraphs(chapter.opener_text, flow.style) if flow else []
        made = b.text_section(choice.template, text, chapter, n, choice.photo)
        numbers[f"#{n}"] = made[0].number
        b.chapters.append(ChapterEntry(n, chapter.title, made[0].number, len(chapter.photos)))
        if len(made) > 1:
            b.warnings.append(f"第{n}篇《{chapter.title}》的导语较长，篇章页接排了 {len(made)} 页")
        if not chapter.photos:
            b.warnings.append(f"第{n}篇《{chapter.title}》没有照片")
        if not rest.photos:
            continue
        plan = plan_chapter(rest.photos, pins.get(chapter.id, {}), templates, geom, b.next_number)
        for photo_id, step in plan.moved:
            b.warnings.append(f"第{n}篇的全景照片 #{photo_id} {'前' if step < 0 else '后'}移 {abs(step)} 位，"
                              "以便从左页起跨两页")
        for placement in plan.placements:
            b.warnings.extend(placement_notes(placement, geom, templates.styles))
            b.photo_placement(placement, chapter)

    for name in rules.back_matter:
        made = matter(b, templates[name])
        if made and templates[name].toc_title:
            numbers[templates[name].toc_title] = made[0].number
    if toc_pages:
        fill_toc(b, toc_pages, numbers)
    while len(b.pages) % snapshot.page_multiple:
        b.blank()
    if colophon_pages:  # 印张 and 字数 need the whole book, padding included
        fill_colophon(b, colophon_pages)
    add_page_marks(b)
    return Book(title=snapshot.title, trim_width_mm=geom.trim_w, trim_height_mm=geom.trim_h,
                bleed_mm=geom.bleed, pages=b.pages, styles=dict(templates.styles),
                warnings=b.warnings, chapters=b.chapters, margins=rules.margins)


def _without_opener_photos(snapshot: AlbumSnapshot, openers: list[OpenerChoice]) -> AlbumSnapshot:
    """The album as its photo pages see it: each opener photo is shown on its opener only."""
    chapters = tuple(
        replace(c, photos=tuple(p for p in c.photos if o.photo is None or p.id != o.photo.id))
        for c, o in zip(snapshot.chapters, openers))
    return replace(snapshot, chapters=chapters)


def _check_snapshot(s: AlbumSnapshot) -> None:
    if s.trim_width_mm <= 0 or s.trim_height_mm <= 0 or s.bleed_mm < 0:
        raise LayoutError(f"成品尺寸无效：{s.trim_width_mm}×{s.trim_height_mm} mm，出血 {s.bleed_mm} mm")
    if s.page_multiple not in PAGE_MULTIPLES:
        raise LayoutError(f"总页数倍数须为 {'、'.join(map(str, PAGE_MULTIPLES))} 之一，实际是 {s.page_multiple}")
    for chapter in s.chapters:
        for p in chapter.photos:
            if p.width_px <= 0 or p.height_px <= 0:
                raise LayoutError(f"照片 #{p.id} 的像素尺寸无效（{p.width_px}×{p.height_px}）")


def _pin_groups(snapshot: AlbumSnapshot, templates: TemplateSet,
                warnings: list[str]) -> dict[int, dict[int, PinGroup]]:
    """Editor pins as groups per chapter (keyed by the index of their first photo); a pin that
    cannot be honoured is dropped with a warning rather than failing the whole book."""
    where: dict[int, tuple[int, int]] = {}
    for chapter in snapshot.chapters:
        for i, photo in enumerate(chapter.photos):
            where[photo.id] = (chapter.id, i)
    singles = [t for t in templates.photo_templates() if len(t.photos) == 1]
    groups: dict[int, dict[int, PinGroup]] = {}
    taken: set[int] = set()

    def add(chapter_id: int, first: int, group: PinGroup, ids: list[int]) -> None:
        if taken & set(ids):
            warnings.append(f"照片 {_ids(ids)} 已有别的固定版式，「{group.label}」未采用")
            return
        taken.update(ids)
        groups.setdefault(chapter_id, {})[first] = group

    for pin in snapshot.pins:
        ids = list(pin.photo_ids)
        missing = [i for i in ids if i not in where]
        if not ids or missing:
            warnings.append(f"固定版式「{pin.template}」引用的照片 {_ids(missing)} 不在本书中，已忽略")
            continue
        if pin.template in ("alone", "spread"):
            kind = "photo" if pin.template == "alone" else "spread"
            options = tuple(t for t in singles if t.kind == kind)
            for pid in ids:
                chapter_id, index = where[pid]
                add(chapter_id, index, PinGroup(options, 1, pin.template, checked=True), [pid])
            continue
        template = templates.templates.get(pin.template)
        if template is None or template.kind not in PHOTO_KINDS:
            warnings.append(f"固定版式「{pin.template}」不是照片版式，照片 {_ids(ids)} 已自动排版")
            continue
        spots = sorted(where[i] for i in ids)
        chapters = {c for c, _ in spots}
        indices = [i for _, i in spots]
        if len(chapters) != 1 or indices != list(range(indices[0], indices[0] + len(ids))):
            warnings.append(f"固定版式「{pin.template}」的照片 {_ids(ids)} 不是同一篇中相邻的照片，已忽略")
            continue
        if len(ids) != len(template.photos):
            warnings.append(f"固定版式「{pin.template}」需要 {len(template.photos)} 张照片，"
                            f"给了 {len(ids)} 张，已忽略")
            continue
        add(spots[0][0], indices[0], PinGroup((template,), len(ids), pin.template), ids)
    return groups


def _ids(ids: list[int]) -> str:
    return "、".join(f"#{i}" for i in ids)


def describe_book(book: Book) -> list[str]:
    """One line per page for ``album book``: number, kind, template, photos on it."""
    lines = []
    for page in book.pages:
        ids = " ".join(f"#{f.photo_id}" for f in page.photo_frames())
        extra = f"  {ids}" if ids else ""
        lines.append(f"{page.number:>4}  {page.kind:<10} {page.template or '-':<20}{extra}".rstrip())
    return lines

"""Front and back matter, the page builder, and page furniture (folios, running heads).

Text sections (title, copyright, preface, TOC, index, afterword, chapter openers) come from text
templates; their long texts flow over as many pages as needed (see ``paginate_text``).
"""

from __future__ import annotations

from album.layout.book import ChapterEntry, Page, PhotoFrame, Rect, TextBlock, TextFrame
from album.layout.colophon_page import book_figures, colophon_blocks
from album.layout.photo_pages import Placement, photo_page_frames
from album.layout.snapshot import AlbumSnapshot, ChapterSnapshot, PhotoSnapshot
from album.layout.template_model import Template, TemplateSet
from album.layout.text_measure import Geometry, flow_pages, paragraphs

PAGE_KINDS = ("half-title", "title", "copyright", "preface", "toc", "opener", "index", "afterword")
NUMERALS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (chapter numbers in openers and the TOC)."""
    if n < 10:
        return NUMERALS[n]
    if n < 20:
        return "十" + (NUMERALS[n % 10] if n % 10 else "")
    if n < 100:
        return NUMERALS[n // 10] + "十" + (NUMERALS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" if rest < 10 else "") + (
        "一" + chinese_ordinal(rest) if 10 <= rest < 20 else chinese_ordinal(rest))
    return chinese_ordinal(n // 100) + "百" + tail


def index_sort_key(name: str) -> tuple[tuple[int, int], ...]:
    """Order photographers by GB2312 code: its 3755 common characters are in pinyin order, so
    most Chinese names sort as a reader expects; Latin names come first, rarer characters last."""
    key = []
    for c in name:
        try:
            b = c.encode("gb2312")
            key.append((1, int.from_bytes(b, "big")))
        except UnicodeEncodeError:
            key.append((2, ord(c)))
    return tuple(key)


def page_ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] → "3–5, 9"."""
    out: list[str] = []
    nums = sorted(set(numbers))
    start = prev = nums[0]
    for n in nums[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


class BookBuilder:
    """Accumulates pages; the one place page numbers are handed out."""

    def __init__(self, snapshot: AlbumSnapshot, templates: TemplateSet, geom: Geometry) -> None:
        self.snapshot, self.templates, self.geom = snapshot, templates, geom
        self.pages: list[Page] = []
        self.warnings: list[str] = []
        self.chapters: list[ChapterEntry] = []
        self.photo_pages: dict[int, list[int]] = {}
        self.chapter_titles: dict[int, str] = {}

    @property
    def next_number(self) -> int:
        return len(self.pages) + 1

    def blank(self, chapter_id: int | None = None) -> None:
        self.pages.append(Page(self.next_number, "blank", "", chapter_id=chapter_id))

    def to_recto(self) -> None:
        if self.next_number % 2 == 0:
            self.blank()

    def values(self, chapter: ChapterSnapshot | None = None, number: int = 0) -> dict[str, str]:
        s = self.snapshot
        return {"title": s.title, "subtitle": s.subtitle, "publisher": s.publisher,
                "chapter_title": chapter.title if chapter else "",
                "chapter_number": str(number) if number else "",
                "chapter_ordinal": chinese_ordinal(number) if number else ""}

    def text_section(self, template: Template, blocks: list[TextBlock],
                     chapter: ChapterSnapshot | None = None, number: int = 0,
                     photo: PhotoSnapshot | None = None) -> list[Page]:
        """The pages of a text template; ``photo`` fills its photo slot on the first page (an
        opener with a photo), with its caption, and counts for the photographer index."""
        if template.recto:
            self.to_recto()
        kind = "text" if template.kind not in PAGE_KINDS else template.kind
        made = []
        for frames in flow_pages(template, self.values(chapter, number), blocks,
                                 self.templates.styles, self.geom, self.next_number):
            pictured: list[PhotoFrame | TextFrame] = []
            if photo is not None and not made:
                pictured = photo_page_frames(Placement(template, (photo,)), self.geom,
                                             self.next_number)[0]
                self.photo_pages.setdefault(photo.id, []).append(self.next_number)
            page = Page(self.next_number, kind, template.name, pictured + list(frames),
                        chapter_id=chapter.id if chapter else None)
            self.pages.append(page)
            made.append(page)
        return made

    def photo_placement(self, placement: Placement, chapter: ChapterSnapshot) -> None:
        if placement.template is None:
            self.blank(chapter.id)
            return
        for frames in photo_page_frames(placement, self.geom, self.next_number):
            page = Page(self.next_number, "photo", placement.template.name, list(frames),
                        chapter_id=chapter.id,
                        family=placement.template.family or placement.template.name,
                        pinned=placement.pinned,
                        deliberate_white=placement.template.deliberate_white)
            self.pages.append(page)
            for f in page.photo_frames():
                self.photo_pages.setdefault(f.photo_id, []).append(page.number)


def section_blocks(b: BookBuilder, template: Template) -> list[TextBlock] | None:
    """The flowing text of a front/back matter template; None when the section has nothing to
    say (no preface written, no photographer named) and is left out of the book."""
    flow = template.flow_slot()
    if flow is None:
        return []
    s = b.snapshot
    if flow.flow == "preface":
        blocks = paragraphs(s.preface, flow.style)
    elif flow.flow == "afterword":
        blocks = paragraphs(s.afterword, flow.style)
    elif flow.flow == "copyright" and s.colophon:
        blocks = colophon_blocks(s, b.templates.styles, flow.style)
    elif flow.flow == "copyright":
        blocks = paragraphs(s.copyright_text or default_copyright(s), flow.style)
    elif flow.flow == "index":
        blocks = index_blocks(b, flow.style)
    elif flow.flow == "toc":
        blocks = toc_blocks(b, template, planned_toc(b), {})
    else:  # "opener": only meaningful for openers, which are laid out per chapter
        blocks = []
    return blocks or None


def default_copyright(s: AlbumSnapshot) -> str:
    lines = [f"书名：{s.title}"]
    if s.subtitle:
        lines.append(f"副书名：{s.subtitle}")
    if s.publisher:
        lines.append(f"编印：{s.publisher}")
    return "\n".join(lines)


def matter(b: BookBuilder, template: Template) -> list[Page]:
    blocks = section_blocks(b, template)
    return [] if blocks is None else b.text_section(template, blocks)


def index_blocks(b: BookBuilder, style: str) -> list[TextBlock]:
    """One entry per photographer with the pages of their photos (sorted by ``index_sort_key``)."""
    pages: dict[str, list[int]] = {}
    for chapter in b.snapshot.chapters:
        for photo in chapter.photos:
            name = photo.photographer.strip()
            if name and photo.id in b.photo_pages:
                pages.setdefault(name, []).extend(b.photo_pages[photo.id])
    return [TextBlock(name, style, trailing=page_ranges(pages[name]))
            for name in sorted(pages, key=index_sort_key)]


def planned_toc(b: BookBuilder) -> list[str]:
    """Titles of the sections after the TOC that will appear (those with a ``toc_title``)."""
    rules, templates = b.templates.rules, b.templates
    after = list(rules.front_matter)
    toc_at = next((i for i, n in enumerate(after) if templates[n].kind == "toc"), len(after))
    names = after[toc_at + 1:] + ["<chapters>"] + list(rules.back_matter)
    titles = []
    for name in names:
        if name == "<chapters>":
            titles.append(name)
            continue
        t = templates[name]
        if t.toc_title and (t.flow_slot() is None or _has_content(b, t)):
            titles.append(t.toc_title)
    return titles


def _has_content(b: BookBuilder, t: Template) -> bool:
    flow = t.flow_slot()
    assert flow is not None
    s = b.snapshot
    if flow.flow == "index":
        return any(p.photographer.strip() for c in s.chapters for p in c.photos)
    return bool({"preface": s.preface, "afterword": s.afterword}.get(flow.flow or "", "x").strip())


def toc_blocks(b: BookBuilder, template: Template, order: list[str],
               numbers: dict[str, int]) -> list[TextBlock]:
    """TOC entries in book order; ``numbers`` maps entry titles to pages (0 while unknown —
    the estimate reserves the same room for any page number, so the TOC keeps its length)."""
    flow = template.flow_slot()
    assert flow is not None
    blocks = []
    for item in order:
        if item != "<chapters>":
            blocks.append(TextBlock(item, flow.style, trailing=str(numbers.get(item, 0))))
            continue
        for n, chapter in enumerate(b.snapshot.chapters, 1):
            text = flow.entry.format_map(b.values(chapter, n))
            blocks.append(TextBlock(text, flow.style, trailing=str(numbers.get(f"#{n}", 0))))
    return blocks


def fill_toc(b: BookBuilder, toc_pages: list[Page], numbers: dict[str, int]) -> None:
    """Set the real page numbers into the TOC pages reserved earlier."""
    template = b.templates[toc_pages[0].template]
    _refill(b, toc_pages, toc_blocks(b, template, planned_toc(b), numbers))


def fill_colophon(b: BookBuilder, colophon_pages: list[Page]) -> None:
    """Set the finished book's 印张 and 字数 into the copyright page laid out earlier (only when
    it is made from the colophon fields; free copyright text has no figures to fill)."""
    template = b.templates[colophon_pages[0].template]
    flow = template.flow_slot()
    if not b.snapshot.colophon or flow is None:
        return
    sheets, words = book_figures(b.pages, colophon_pages, dict(b.snapshot.colophon).get("format", ""))
    _refill(b, colophon_pages, colophon_blocks(b.snapshot, b.templates.styles, flow.style,
                                               sheets, words))


def _refill(b: BookBuilder, pages: list[Page], blocks: list[TextBlock]) -> None:
    """Lay ``blocks`` out again on pages reserved with wider placeholders; they never grow."""
    template = b.templates[pages[0].template]
    flowed = flow_pages(template, b.values(), blocks, b.templates.styles, b.geom, pages[0].number)
    if len(flowed) > len(pages):  # cannot happen: the placeholders reserve the widest values
        raise AssertionError(f"{template.name} grew after the book was planned")
    for page, frames in zip(pages, flowed + [[]] * (len(pages) - len(flowed))):
        page.frames = list(frames)


def _overlaps(a: Rect, c: Rect) -> bool:
    return (min(a.right_mm, c.right_mm) - max(a.x_mm, c.x_mm) > 0.01
            and min(a.bottom_mm, c.bottom_mm) - max(a.y_mm, c.y_mm) > 0.01)


def add_page_marks(b: BookBuilder) -> None:
    """Folios and running heads as text frames on the pages whose template asks for them;
    never on top of a photo (a bleeding spread takes the place of the running head)."""
    rules, geom = b.templates.rules, b.geom
    m = rules.margins
    width = geom.trim_w - m.inner - m.outer
    chapters = {c.id: (c, n) for n, c in enumerate(b.snapshot.chapters, 1)}
    for page in b.pages:
        template = b.templates.templates.get(page.template)
        if template is None:
            continue
        x = m.inner if page.is_recto else m.outer
        photos = [f.rect for f in page.frames if isinstance(f, PhotoFrame)]
        if template.running_head:
            mark = rules.running_head
            chapter, n = chapters.get(page.chapter_id, (None, 0))  # type: ignore[arg-type]
            text = (mark.text_recto if page.is_recto else mark.text_verso)
            text = text.format_map(b.values(chapter, n)).strip()
            rect = Rect(x, mark.offset_mm, width, mark.height_mm)
            if text and not any(_overlaps(rect, r) for r in photos):
                style = mark.style_recto if page.is_recto else mark.style_verso
                page.frames.append(TextFrame(rect, (TextBlock(text, style),), role="running-head",
                                             vertical_align="bottom"))
                page.running_head = text
        if template.folio:
            mark = rules.folio
            rect = Rect(x, geom.trim_h - mark.offset_mm - mark.height_mm, width, mark.height_mm)
            if not any(_overlaps(rect, r) for r in photos):
                style = mark.style_recto if page.is_recto else mark.style_verso
                page.frames.append(TextFrame(rect, (TextBlock(str(page.number), style),),
                                             role="folio", vertical_align="middle"))
                page.folio = str(page.number)

"""The PDF writer: Book → print PDF (CMYK, bleed, crop marks, page boxes) or proof PDF (sRGB,
trim size, watermark, optional spreads).

This is the only stage that draws. Images are prepared ahead in worker processes and reach
ReportLab as cached JPEG files, which it embeds as they are (DCT pass-through), so pixels are
never decoded here. Pages are drawn in order as their images become ready, in parts of at most
``PART_IMAGE_BYTES`` of image data (ReportLab holds a whole document in memory until it saves),
and the parts are joined by qpdf from disk; memory does not grow with the album. The PDF is
written to a temporary folder and renamed into place: a killed render leaves the previous PDF
(or none), never half of one.

A book drawn by several workers (album.part_jobs) uses the same steps apart: ``draw_part``
draws one range of sheets on each worker, ``finish_book`` joins the ranges and applies PDF/X.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.errors import ConfigError, RenderError
from album.layout.book import Book, Page, PhotoFrame, Rect, TextFrame
from album.render.fonts import FontSet, load_fonts
from album.render.images import ImagePool, ImageRequest, make_request, profile_digest
from album.render.marks import PrintSheet, draw_crop_marks, draw_slug, mm
from album.render.options import PageTextIssue, PlacedImage, RenderOptions, RenderReport
from album.render.parts import join_parts
from album.render.pdfx import apply_pdfx
from album.render.text import draw_text_frame
from album.store import MediaStore

Progress = Callable[[float], None]
WATERMARK_GRAY = 0.55
WATERMARK_ALPHA = 0.22
# A part is closed when its images reach this many bytes, or at PART_MAX_SHEETS sheets. ReportLab
# needs about three times the image bytes while saving a part; fonts are subset per part, so
# very small parts would repeat them needlessly.
PART_IMAGE_BYTES = 24 * 1024 * 1024
PART_MAX_SHEETS = 64


def render_book(book: Book, store: MediaStore, out_path: Path, options: RenderOptions,
                progress: Progress | None = None) -> RenderReport:
    """Write ``book`` as a print or proof PDF at ``out_path`` and say what went into it."""
    check_can_draw(book, options)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".tmp-render-") as work:
        parts, report = _draw_sheets(book, store, options, Path(work), 0, None, progress)
        report.out_path = out_path
        finish_book(parts, out_path, book, options, report)
    if progress:
        progress(1.0)
    return report


def draw_part(book: Book, store: MediaStore, out_path: Path, options: RenderOptions,
              first: int, stop: int) -> RenderReport:
    """Draw sheets ``first`` to ``stop`` (exclusive) of ``book`` into ``out_path``, without
    PDF/X: one part of a book drawn by several workers, joined later by ``finish_book``."""
    check_can_draw(book, options)
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".tmp-part-") as work:
        pieces, report = _draw_sheets(book, store, options, Path(work), first, stop, None)
        report.out_path = out_path
        _join_into(pieces, out_path)
    return report


def finish_book(parts: list[Path], out_path: Path, book: Book, options: RenderOptions,
                report: RenderReport) -> None:
    """Join ``parts`` in order, apply PDF/X to a print PDF, and move it into place at
    ``out_path``. A single part is moved, not copied: pass a file that may go."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".tmp-join-") as work:
        tmp = Path(work) / "book.pdf"
        _join_into(parts, tmp)
        if options.mode == "print":
            apply_pdfx(tmp, icc_path=options.cmyk_profile, title=book.title,
                       subject=options.release_note)
            report.pdfx_applied = True
        os.chmod(tmp, 0o644)  # a PDF is meant to be shared, whatever the umask of the folder
        os.replace(tmp, out_path)


def book_sheets(book: Book, options: RenderOptions) -> int:
    """How many PDF sheets ``book`` is drawn on (pages, or spreads of a proof)."""
    return len(_sheets(book, options))


def check_can_draw(book: Book, options: RenderOptions) -> None:
    """Refuse, with the reason, a book that has nothing to draw or a print without its profile."""
    if not book.pages:
        raise RenderError("画册没有任何页面，无法生成 PDF")
    if options.mode == "print" and not options.cmyk_profile.is_file():
        raise ConfigError(f"找不到 CMYK 色彩配置文件：{options.cmyk_profile}")


def _join_into(parts: list[Path], dest: Path) -> None:
    """One part is moved; several are joined with qpdf (the parts stay)."""
    if len(parts) == 1:
        os.replace(parts[0], dest)
    else:
        join_parts(parts, dest)


def _draw_sheets(book: Book, store: MediaStore, options: RenderOptions, work: Path, first: int,
                 stop: int | None, progress: Progress | None) -> tuple[list[Path], RenderReport]:
    """Prepare the images of sheets ``first:stop`` and draw them into part files in ``work``."""
    sheets = _sheets(book, options)[first:stop]
    pages = [page for sheet in sheets for page in sheet if page is not None]
    report = RenderReport(out_path=work, mode=options.mode, page_count=len(pages))
    requests = _image_requests(pages, store, options)
    with ImagePool(store, options.workers) as pool, _plain_streams():
        # Workers start before the fonts are loaded, so they do not carry them.
        pool.submit_all(requests.values())
        writer = _Writer(book, options, load_fonts(), pool, requests, report)
        parts = _draw_parts(writer, sheets, work, progress)
        report.images_processed, report.images_cached = pool.processed, pool.cached
        report.images_passthrough = pool.passed_through
    return parts, report


def _draw_parts(writer: _Writer, sheets: list[tuple[Page | None, ...]], work: Path,
                progress: Progress | None) -> list[Path]:
    """Draw ``sheets`` in order into part files of bounded image bytes; return them."""
    parts: list[Path] = []
    for done, sheet_pages in enumerate(sheets, start=1):
        if writer.canvas is None:
            parts.append(work / f"part-{len(parts):04d}.pdf")
            writer.start_part(_new_canvas(parts[-1], writer.book, writer.options, writer.fonts))
        writer.draw_sheet(sheet_pages)
        if (writer.part_bytes >= PART_IMAGE_BYTES or writer.part_sheets >= PART_MAX_SHEETS
                or done == len(sheets)):
            writer.finish_part()
        if progress:
            progress(0.9 * done / len(sheets))
    writer.report.sheet_count, writer.report.parts = len(sheets), len(parts)
    return parts


def _image_requests(pages: list[Page], store: MediaStore, options: RenderOptions
                    ) -> dict[tuple[int, int], ImageRequest]:
    """One request per photo frame of ``pages``, keyed by (page number, frame index)."""
    profile_sha = profile_digest(options.cmyk_profile)
    requests: dict[tuple[int, int], ImageRequest] = {}
    for page in pages:
        for index, frame in enumerate(page.frames):
            if not isinstance(frame, PhotoFrame):
                continue
            if not store.has_original(frame.sha256):
                raise RenderError(f"第 {page.number} 页的照片原件缺失（{frame.sha256[:12]}…）")
            requests[page.number, index] = make_request(
                store.original_location(frame.sha256), crop=frame.crop, orientation=frame.orientation,
                placed_w_mm=frame.rect.width_mm, placed_h_mm=frame.rect.height_mm,
                ppi=options.target_ppi, mode=options.mode, cmyk_profile=options.cmyk_profile,
                intent=options.rendering_intent, sha256=frame.sha256,
                profile_sha256=profile_sha, grey_photos=options.grey_photos)
    return requests


@contextlib.contextmanager
def _plain_streams() -> Iterator[None]:
    """ReportLab wraps streams in ASCII85 by default (+25 % size, no benefit in a binary
    PDF); turn it off for this render only."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _new_canvas(path: Path, book: Book, options: RenderOptions, fonts: FontSet) -> Canvas:
    # fonts.canvas_options() sets a TrueType initial font, which keeps ReportLab from putting
    # Helvetica (never embedded) into every page. Print enforces CMYK: any RGB colour set by
    # mistake raises instead of slipping DeviceRGB into the print PDF.
    canvas = Canvas(str(path), pageCompression=1, **fonts.canvas_options(),
                    enforceColorSpace="cmyk" if options.mode == "print" else None)
    canvas.setTitle(book.title)
    canvas.setCreator("huace 画册")
    canvas.setProducer("huace (ReportLab)")
    return canvas


def _sheets(book: Book, options: RenderOptions) -> list[tuple[Page | None, ...]]:
    """Pages per PDF sheet. Spreads: page 1 alone on the right, then 2|3, 4|5 …"""
    pages = book.pages
    if not options.spreads:
        return [(page,) for page in pages]
    sheets: list[tuple[Page | None, ...]] = [(None, pages[0])]
    for i in range(1, len(pages), 2):
        sheets.append((pages[i], pages[i + 1] if i + 1 < len(pages) else None))
    return sheets


class _Writer:
    """Draws sheets onto the current part's canvas; holds what every page needs."""

    def __init__(self, book: Book, options: RenderOptions, fonts: FontSet,
                 pool: ImagePool, requests: dict[tuple[int, int], ImageRequest],
                 report: RenderReport) -> None:
        self.book, self.options, self.fonts = book, options, fonts
        self.pool, self.requests, self.report = pool, requests, report
        self.canvas: Canvas | None = None
        self.part_bytes = self.part_sheets = 0
        self.cmyk = options.mode == "print"
        self.trim_w, self.trim_h = mm(book.trim_width_mm), mm(book.trim_height_mm)
        self.print_sheet = PrintSheet.for_trim(book.trim_width_mm, book.trim_height_mm,
                                               book.bleed_mm, options.crop_marks)

    def start_part(self, canvas: Canvas) -> None:
        self.canvas, self.part_bytes, self.part_sheets = canvas, 0, 0

    def finish_part(self) -> None:
        """Write the part's file; ReportLab then lets go of its images."""
        assert self.canvas is not None
        self.canvas.save()
        self.canvas = None

    def draw_sheet(self, pages: tuple[Page | None, ...]) -> None:
        c = self.canvas
        assert c is not None
        self.part_sheets += 1
        if self.cmyk:
            sheet = self.print_sheet
            c.setPageSize(sheet.media_size)
            c.setTrimBox(sheet.trim_box)
            c.setBleedBox(sheet.bleed_box)
            page = pages[0]
            assert page is not None
            x0, top = sheet.trim_top_left
            bx0, by0, bx1, by1 = sheet.bleed_box
            self._draw_page(page, x0, top, clip=(bx0, by0, bx1 - bx0, by1 - by0))
            if self.options.crop_marks:
                draw_crop_marks(c, sheet, self.book.bleed_mm)
                if self.options.slug:
                    draw_slug(c, sheet, self.book.bleed_mm, f"{self.options.slug}  第{page.number}页",
                              self.fonts.name("hei"))
        else:
            c.setPageSize((self.trim_w * len(pages), self.trim_h))
            for slot, page in enumerate(pages):
                if page is not None:
                    x0 = slot * self.trim_w
                    self._draw_page(page, x0, self.trim_h,
                                    clip=(x0, 0, self.trim_w, self.trim_h))
            if self.options.watermark:
                self._draw_watermark(self.options.watermark, self.trim_w * len(pages))
        c.showPage()

    def _draw_page(self, page: Page, x0: float, top: float,
                   clip: tuple[float, float, float, float]) -> None:
        """Draw ``page`` with its trim's top-left corner at PDF point (x0, top)."""
        c = self.canvas
        assert c is not None
        c.saveState()
        path = c.beginPath()
        path.rect(*clip)
        c.clipPath(path, stroke=0, fill=0)
        for index, frame in enumerate(page.frames):
            if isinstance(frame, PhotoFrame):
                self._draw_photo(page, index, frame, x0, top)
            elif isinstance(frame, TextFrame):
                issues = draw_text_frame(
                    c, frame, self.book.styles, self.fonts,
                    x_pt=x0 + mm(frame.rect.x_mm), top_pt=top - mm(frame.rect.y_mm),
                    cmyk=self.cmyk)
                self.report.text_issues.extend(PageTextIssue(page.number, i) for i in issues)
        c.restoreState()

    def _draw_photo(self, page: Page, index: int, frame: PhotoFrame, x0: float,
                    top: float) -> None:
        prepared = self.pool.get(self.requests[page.number, index])
        self.part_bytes += prepared.path.stat().st_size
        x, y, w, h = _rect_pt(frame.rect, x0, top)
        c = self.canvas
        assert c is not None
        c.saveState()
        path = c.beginPath()
        path.rect(x, y, w, h)
        c.clipPath(path, stroke=0, fill=0)
        c.drawImage(str(prepared.path), x, y, width=w, height=h)
        c.restoreState()
        self.report.images.append(PlacedImage(
            page=page.number, photo_id=frame.photo_id, placed_w_mm=frame.rect.width_mm,
            placed_h_mm=frame.rect.height_mm, effective_ppi=round(prepared.effective_ppi, 1),
            pixels_w=prepared.width_px, pixels_h=prepared.height_px,
            colour_mode=prepared.colour_mode, from_cache=prepared.from_cache,
            passthrough=prepared.passthrough))

    def _draw_watermark(self, text: str, sheet_w: float) -> None:
        """Light diagonal text across the sheet, over the content so photos cannot hide it."""
        c = self.canvas
        assert c is not None
        font = self.fonts.name("hei")
        angle = math.degrees(math.atan2(self.trim_h, sheet_w))
        diagonal = math.hypot(sheet_w, self.trim_h)
        size = min(0.7 * diagonal / max(stringWidth(text, font, 1), 1e-6), self.trim_h / 6)
        c.saveState()
        c.setFillColorRGB(WATERMARK_GRAY, WATERMARK_GRAY, WATERMARK_GRAY,
                          alpha=WATERMARK_ALPHA)
        c.translate(sheet_w / 2, self.trim_h / 2)
        c.rotate(angle)
        c.setFont(font, size)
        c.drawCentredString(0, -size / 3, text)
        c.restoreState()


def _rect_pt(rect: Rect, x0: float, top: float) -> tuple[float, float, float, float]:
    """A Book rectangle (mm, y down from the trim's top) as PDF (x, y, w, h), y up."""
    return (x0 + mm(rect.x_mm), top - mm(rect.y_mm + rect.height_mm),
            mm(rect.width_mm), mm(rect.height_mm))

"""The cover: one sheet, back + spine + front, with bleed, crop and fold marks, CMYK, PDF/X-4.

The spine grows with the book, so the sheet is computed from the page count and the paper's
caliper: spine = ceil(pages / 2) × caliper (each leaf is two pages). The TrimBox is the whole
cover trim (2 × trim width + spine); the binder folds at the two spine edges, marked outside the
bleed like the crop marks.
"""

from __future__ import annotations

import math
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image
from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.eanbc import Ean13BarcodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import CMYKColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.colophon import isbn_digits, price_text
from album.config import DEFAULT_GREY_PHOTOS
from album.errors import RenderError
from album.icc import read_icc
from album.layout.photo_pages import fill_crop
from album.layout.snapshot import PhotoSnapshot
from album.messages import explain_error
from album.print_spec import BLEED_MM, PRINT_PPI, SAFE_MM
from album.render.images import prepare_image
from album.render.pdfx import apply_pdfx
from album.render.spine import SpineRun, draw_runs, runs_length_mm, spine_runs
from album.store import LocalMediaStore, MediaStore
from album.units import PT_PER_MM, exif_orientation, mm_to_pt, pt_to_mm, upright_size

MARK_GAP_MM = 3.0  # crop marks start this far outside the trim (at the bleed edge)
MARK_LEN_MM = 5.0
SLUG_MM = 12.0  # media beyond the trim on every side: bleed + mark gap + mark length + air
MIN_SPINE_TEXT_MM = 6.0
MIN_SPINE_PT = 7.0  # a long spine title shrinks to this size before it is cut
SPINE_AIR_MM = 8.0  # at least this between the spine title and the publisher
ACCENT = (0.85, 0.45, 0.0, 0.15)  # CMYK of the front's title rule and the spine band edge
BARCODE_EDGE_MM = 15.0  # the ISBN block keeps this far from the trim edges and the spine fold
BLACK = CMYKColor(0, 0, 0, 1)  # 100 % K: the barcode prints on one plate, never in register


class FontNames(Protocol):
    def name(self, role: str) -> str: ...


@dataclass(frozen=True)
class CoverGeometry:
    trim_w_mm: float
    trim_h_mm: float
    page_count: int
    caliper_mm: float
    bleed_mm: float
    spine_mm: float

    @property
    def trim_sheet_w_mm(self) -> float:
        """Width of the cover trim: back + spine + front."""
        return 2 * self.trim_w_mm + self.spine_mm

    @property
    def sheet_w_mm(self) -> float:
        return self.trim_sheet_w_mm + 2 * self.bleed_mm

    @property
    def sheet_h_mm(self) -> float:
        return self.trim_h_mm + 2 * self.bleed_mm

    @property
    def spine_x_mm(self) -> float:
        """Left fold of the spine, from the left trim edge."""
        return self.trim_w_mm

    @property
    def front_x_mm(self) -> float:
        return self.trim_w_mm + self.spine_mm


def cover_geometry(trim_w_mm: float, trim_h_mm: float, page_count: int, caliper_mm: float,
                   bleed_mm: float = BLEED_MM) -> CoverGeometry:
    """Sheet sizes for a book of ``page_count`` pages on paper ``caliper_mm`` thick per leaf."""
    if page_count < 1 or caliper_mm <= 0 or trim_w_mm <= 0 or trim_h_mm <= 0 or bleed_mm < 0:
        raise RenderError(
            f"封面尺寸参数无效：成品 {trim_w_mm}×{trim_h_mm} mm，{page_count} 页，纸厚 {caliper_mm} mm")
    spine = math.ceil(page_count / 2) * caliper_mm
    return CoverGeometry(trim_w_mm, trim_h_mm, page_count, caliper_mm, bleed_mm, round(spine, 4))


@dataclass(frozen=True)
class FrontPhoto:
    """The front cover's photo: its original and what cropping needs (upright pixel size, EXIF
    orientation, focal point), exactly as a photo page gets them."""

    path: Path
    photo: PhotoSnapshot


@dataclass(frozen=True)
class BackCover:
    """What the back cover carries from the colophon: the hyphenated ISBN (for the barcode and
    the ISBN line) and the price with two decimals; either may be missing on a proof."""

    isbn: str = ""
    price: str = ""


def front_photo_of_file(path: Path) -> FrontPhoto:
    """A cover photo that is not in an album: upright size and orientation read from the file,
    focal point in the centre."""
    try:
        with Image.open(path) as im:
            raw_w, raw_h = im.size
            orientation = exif_orientation(im.getexif().get(0x0112))
    except FileNotFoundError:
        raise RenderError(f"找不到封面照片：{path}") from None
    except OSError as exc:
        raise RenderError(f"封面照片无法读取：{Path(path).name}（{explain_error(exc)}）") from exc
    w, h = upright_size(raw_w, raw_h, orientation)
    return FrontPhoto(Path(path), PhotoSnapshot(id=0, sha256="", width_px=w, height_px=h,
                                                orientation=orientation))


def render_cover(out_path: Path, *, geometry: CoverGeometry, title: str, subtitle: str = "",
                 publisher: str = "", front_photo: FrontPhoto | None = None, fonts: FontNames,
                 icc_path: Path, store: MediaStore | None = None,
                 grey_photos: str = DEFAULT_GREY_PHOTOS, back: BackCover = BackCover()) -> None:
    """Draw the cover sheet and make it PDF/X-4; ``out_path`` appears whole or not at all.

    The front photo is cropped to its block around its focal point and prepared through
    ``album.render.images`` like any page photo (cached in ``store`` when one is given; a grey
    one separated as ``grey_photos`` says).
    """
    read_icc(icc_path)  # a bad profile is a configuration error, found before any drawing
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its 0600 mode would stick to the published file; ReportLab creates this one
    # with the process umask like any other output.
    tmp = out_path.with_name(f".tmp-cover-{uuid.uuid4().hex}.pdf")
    try:
        with tempfile.TemporaryDirectory(prefix="huace-cover-") as scratch:
            photo = None
            if front_photo is not None:
                photo = _prepared_photo(front_photo, geometry, icc_path,
                                        store or LocalMediaStore(Path(scratch)), grey_photos)
            _draw(tmp, geometry, title, subtitle, publisher, photo, fonts, back)
        apply_pdfx(tmp, icc_path=icc_path, title=title)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def _photo_block(g: CoverGeometry) -> tuple[float, float, float, float]:
    """Front photo rectangle (x, y from the trim's top-left, w, h) in mm: bleeds top and right,
    stops at the spine fold, fills the upper three fifths of the front."""
    x, y = g.front_x_mm, -g.bleed_mm
    return x, y, g.trim_w_mm + g.bleed_mm, g.trim_h_mm * 0.6 + g.bleed_mm


def _prepared_photo(front: FrontPhoto, g: CoverGeometry, icc_path: Path, store: MediaStore,
                    grey_photos: str) -> Path:
    """The photo cropped to the block's aspect (the pages' fill crop, focal point kept), upright,
    resampled and separated to CMYK through the output profile."""
    if not front.path.is_file():
        raise RenderError(f"找不到封面照片：{front.path}")
    _, _, w, h = _photo_block(g)
    prepared = prepare_image(front.path, store=store, crop=fill_crop(front.photo, w / h),
                             orientation=front.photo.orientation, placed_w_mm=w, placed_h_mm=h,
                             ppi=PRINT_PPI, mode="print", cmyk_profile=Path(icc_path),
                             sha256=front.photo.sha256 or None, grey_photos=grey_photos)
    return prepared.path


class _Sheet:
    """Millimetre drawing on the trim: x from the left trim edge, y down from the top trim edge."""

    def __init__(self, path: Path, g: CoverGeometry, font: str) -> None:
        self.g = g
        media_w = g.trim_sheet_w_mm + 2 * SLUG_MM
        media_h = g.trim_h_mm + 2 * SLUG_MM
        # initialFontName: ReportLab otherwise references base-14 Helvetica on every page.
        self.c = Canvas(str(path), pagesize=(media_w * PT_PER_MM, media_h * PT_PER_MM), initialFontName=font,
                        pageCompression=1)
        self.c.setTrimBox(self.box(0, 0, g.trim_sheet_w_mm, g.trim_h_mm))
        b = g.bleed_mm
        self.c.setBleedBox(self.box(-b, -b, g.trim_sheet_w_mm + b, g.trim_h_mm + b))

    def pt(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        return (x_mm + SLUG_MM) * PT_PER_MM, (self.g.trim_h_mm + SLUG_MM - y_mm) * PT_PER_MM

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
        (ax, ay), (bx, by) = self.pt(x0, y1), self.pt(x1, y0)
        return ax, ay, bx, by

    def rect(self, x: float, y: float, w: float, h: float, cmyk: tuple[float, ...]) -> None:
        self.c.setFillColorCMYK(*cmyk)
        left, bottom = self.pt(x, y + h)
        self.c.rect(left, bottom, w * PT_PER_MM, h * PT_PER_MM, stroke=0, fill=1)

    def text(self, x: float, baseline: float, s: str, font: str, size: float,
             anchor: str = "left", gray: float = 1.0) -> None:
        self.c.setFillColorCMYK(0, 0, 0, gray)
        self.c.setFont(font, size)
        px, py = self.pt(x, baseline)
        {"left": self.c.drawString, "center": self.c.drawCentredString,
         "right": self.c.drawRightString}[anchor](px, py, s)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.c.line(*self.pt(x0, y0), *self.pt(x1, y1))


def _fit_size(s: str, font: str, max_pt: float, width_mm: float, min_pt: float = 9) -> float:
    """Largest size up to ``max_pt`` at which ``s`` fits in ``width_mm``."""
    width_at_1 = stringWidth(s, font, 1) or 1
    return max(min_pt, min(max_pt, width_mm * PT_PER_MM / width_at_1))


def _draw(path: Path, g: CoverGeometry, title: str, subtitle: str, publisher: str,
          photo: Path | None, fonts: FontNames, back: BackCover) -> None:
    # ReportLab wraps streams in ASCII85 by default: +25 % on the photo, no use in a binary PDF.
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        _draw_sheet(path, g, title, subtitle, publisher, photo, fonts, back)
    finally:
        rl_config.useA85 = saved


def _draw_sheet(path: Path, g: CoverGeometry, title: str, subtitle: str, publisher: str,
                photo: Path | None, fonts: FontNames, back: BackCover) -> None:
    hei, song = fonts.name("hei"), fonts.name("song")
    sheet = _Sheet(path, g, hei)
    c = sheet.c
    c.setTitle(title)
    c.setCreator("huace")
    text_w = g.trim_w_mm - 2 * (SAFE_MM + 12)
    front_mid = g.front_x_mm + g.trim_w_mm / 2

    px, py, pw, ph = _photo_block(g)
    if photo is not None:
        left, bottom = sheet.pt(px, py + ph)
        c.drawImage(str(photo), left, bottom, pw * PT_PER_MM, ph * PT_PER_MM)
    else:
        sheet.rect(px, py, pw, ph, (0.55, 0.25, 0.0, 0.35))

    title_pt = _fit_size(title, hei, 40, text_w)
    baseline = g.trim_h_mm * 0.6 + 18 + pt_to_mm(title_pt)
    sheet.text(front_mid, baseline, title, hei, title_pt, "center")
    sheet.rect(front_mid - 15, baseline + 6, 30, 0.8, ACCENT)
    if subtitle:
        sub_pt = _fit_size(subtitle, song, 16, text_w)
        sheet.text(front_mid, baseline + 12 + pt_to_mm(sub_pt), subtitle, song, sub_pt, "center")
    if publisher:
        pub_pt = _fit_size(publisher, song, 12, text_w)
        sheet.text(front_mid, g.trim_h_mm - SAFE_MM - 14, publisher, song, pub_pt, "center")
        sheet.text(g.trim_w_mm / 2, g.trim_h_mm - SAFE_MM - 14, publisher, song,
                   min(pub_pt, 10), "center", gray=0.7)

    _draw_spine(sheet, title, publisher, hei, song)
    _draw_isbn_block(sheet, back, song)
    _draw_marks(sheet)
    c.showPage()
    c.save()


def _draw_spine(sheet: _Sheet, title: str, publisher: str, hei: str, song: str) -> None:
    """Title from the head down, publisher at the foot, in vertical setting (Latin and number
    runs turned, see album.render.spine). A title too long for the room shrinks, down to
    ``MIN_SPINE_PT``; beyond that it is cut rather than run into the publisher."""
    g = sheet.g
    if g.spine_mm < MIN_SPINE_TEXT_MM:
        return
    mid = g.spine_x_mm + g.spine_mm / 2
    size = min(mm_to_pt(g.spine_mm * 0.55), 18.0)  # em in pt, leaving air to both folds
    pub_size = min(size * 0.7, 11.0)
    pub_runs = spine_runs(publisher, song, pub_size)
    pub_top = g.trim_h_mm - SAFE_MM - 8 - runs_length_mm(pub_runs, pub_size)
    top = SAFE_MM + 14
    size, runs = _fit_spine_title(title, hei, size, pub_top - SPINE_AIR_MM - top)
    draw_runs(sheet.c, sheet.pt, runs, mid, top, hei, size)
    draw_runs(sheet.c, sheet.pt, pub_runs, mid, pub_top, song, pub_size)


def _fit_spine_title(title: str, font: str, size: float, room_mm: float
                     ) -> tuple[float, list[SpineRun]]:
    """The size and runs of the title that fit ``room_mm``: every length scales with the
    size, so one shrink step fits it unless the floor is reached."""
    runs = spine_runs(title, font, size)
    length = runs_length_mm(runs, size)
    if length > room_mm:
        size = max(MIN_SPINE_PT, size * room_mm / length)
        runs = spine_runs(title, font, size)
    while runs and runs_length_mm(runs, size) > room_mm + 1e-6:
        runs.pop()
    return size, runs


def barcode_box(g: CoverGeometry) -> tuple[float, float, float, float]:
    """Where the EAN-13 symbol goes (x, y from the trim's top-left, w, h in mm, quiet zones
    included): bottom right of the back cover, ``BARCODE_EDGE_MM`` clear of the bottom trim edge
    and the spine fold with the price line under it."""
    widget = Ean13BarcodeWidget("0" * 12)
    w, h = pt_to_mm(widget.width), pt_to_mm(widget.barHeight)
    price_room = 7.0  # the price line under the symbol
    return g.spine_x_mm - BARCODE_EDGE_MM - w, g.trim_h_mm - BARCODE_EDGE_MM - price_room - h, w, h


def _ink_drawing(width: float, height: float, font: str) -> Drawing:
    """A Drawing whose renderer starts in 100 % K and the embedded face: the renderer reads its
    starting state from ``initial*`` attributes and otherwise sets RGB black and Helvetica."""

    class InkDrawing(Drawing):
        initialFillColor = initialStrokeColor = BLACK
        initialFontName = font

    return InkDrawing(width, height)


def _draw_isbn_block(sheet: _Sheet, back: BackCover, font: str) -> None:
    """The ISBN line over the EAN-13 symbol of the ISBN (ReportLab's widget, 100 % K, digits
    in the embedded face, quiet zones kept clear) and the price under it."""
    if not back.isbn and not back.price:
        return
    x, y, w, h = barcode_box(sheet.g)
    if back.isbn:
        # The widget takes the first 12 digits and works out the check digit itself.
        widget = Ean13BarcodeWidget(isbn_digits(back.isbn)[:12], fontName=font,
                                    barFillColor=BLACK, textColor=BLACK)
        drawing = _ink_drawing(widget.width, widget.barHeight, font)
        drawing.add(widget)
        left, bottom = sheet.pt(x, y + h)
        renderPDF.draw(drawing, sheet.c, left, bottom, showBoundary=False)
        sheet.text(x + w / 2, y - 2.0, f"ISBN {back.isbn}", font, 9, "center")
    if back.price:
        sheet.text(x + w - 2.0, y + h + 5.0, price_text(back.price), font, 9, "right")


def _draw_marks(sheet: _Sheet) -> None:
    """Crop marks at the four corners and fold marks at both spine edges, all outside the
    bleed; hairlines in registration-free 100 % K so they print on one plate only."""
    g, c = sheet.g, sheet.c
    c.setStrokeColorCMYK(0, 0, 0, 1)
    c.setLineWidth(0.25)
    start, end = MARK_GAP_MM, MARK_GAP_MM + MARK_LEN_MM
    w, h = g.trim_sheet_w_mm, g.trim_h_mm
    for x, sx in ((0, -1), (w, 1)):
        for y, sy in ((0, -1), (h, 1)):
            sheet.line(x + sx * start, y, x + sx * end, y)
            sheet.line(x, y + sy * start, x, y + sy * end)
    c.setDash(1.5, 1)
    for x in (g.spine_x_mm, g.front_x_mm):
        sheet.line(x, -start, x, -end)
        sheet.line(x, h + start, x, h + end)
    c.setDash()

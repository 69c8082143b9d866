"""Sheet geometry of a print page (trim, bleed, slug) and the crop marks in the slug.

A print page is the trim box grown by the bleed and then by a slug that holds the crop marks.
Marks sit outside the bleed (so they are never printed onto the trimmed page, even with a
slightly wandering cut), start at least 3 mm from the trim, and use the registration colour
(100 % of all four inks) so they appear on every plate.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from album.units import mm_to_pt as mm

REGISTRATION_CMYK = (1.0, 1.0, 1.0, 1.0)
MIN_MARK_OFFSET_MM = 3.0
MARK_GAP_MM = 1.0  # beyond the bleed edge
MARK_LENGTH_MM = 6.0
SLUG_MARGIN_MM = 2.0  # between the mark's end and the sheet edge
MARK_LINE_PT = 0.25


def mark_offset_mm(bleed_mm: float) -> float:
    return max(MIN_MARK_OFFSET_MM, bleed_mm + MARK_GAP_MM)


@dataclass(frozen=True)
class PrintSheet:
    """One print page in points. ``margin`` is the distance from the sheet edge to the trim:
    the bleed plus, with crop marks, a slug wide enough to hold them."""

    trim_w: float
    trim_h: float
    bleed: float
    margin: float

    @classmethod
    def for_trim(cls, trim_w_mm: float, trim_h_mm: float, bleed_mm: float,
                 crop_marks: bool) -> PrintSheet:
        margin_mm = bleed_mm
        if crop_marks:
            margin_mm = mark_offset_mm(bleed_mm) + MARK_LENGTH_MM + SLUG_MARGIN_MM
        return cls(trim_w=mm(trim_w_mm), trim_h=mm(trim_h_mm), bleed=mm(bleed_mm),
                   margin=mm(margin_mm))

    @property
    def media_size(self) -> tuple[float, float]:
        return self.trim_w + 2 * self.margin, self.trim_h + 2 * self.margin

    @property
    def trim_box(self) -> tuple[float, float, float, float]:
        m = self.margin
        return (m, m, m + self.trim_w, m + self.trim_h)

    @property
    def bleed_box(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.trim_box
        b = self.bleed
        return (x0 - b, y0 - b, x1 + b, y1 + b)

    @property
    def trim_top_left(self) -> tuple[float, float]:
        """PDF coordinates (y up) of the trim's top-left corner, the Book's origin."""
        return self.margin, self.margin + self.trim_h


def crop_mark_lines(sheet: PrintSheet, bleed_mm: float
                    ) -> list[tuple[float, float, float, float]]:
    """The eight mark lines (x0, y0, x1, y1): at each corner one line continuing the
    horizontal trim edge and one continuing the vertical edge, both outside the bleed."""
    offset, length = mm(mark_offset_mm(bleed_mm)), mm(MARK_LENGTH_MM)
    x0, y0, x1, y1 = sheet.trim_box
    lines = []
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            lines.append((x + dx * offset, y, x + dx * (offset + length), y))
            lines.append((x, y + dy * offset, x, y + dy * (offset + length)))
    return lines


def draw_crop_marks(canvas: Canvas, sheet: PrintSheet, bleed_mm: float) -> None:
    """Hairline crop marks in registration colour, stroked in DeviceCMYK."""
    canvas.saveState()
    canvas.setStrokeColorCMYK(*REGISTRATION_CMYK)
    canvas.setLineWidth(MARK_LINE_PT)
    canvas.setLineCap(0)
    for x0, y0, x1, y1 in crop_mark_lines(sheet, bleed_mm):
        canvas.line(x0, y0, x1, y1)
    canvas.restoreState()


SLUG_TEXT_PT = 6.0
SLUG_INSET_MM = 5.0  # from the trim's left edge, clear of the vertical crop mark


def draw_slug(canvas: Canvas, sheet: PrintSheet, bleed_mm: float, text: str, font: str) -> None:
    """One line in 100 % K below the bleed, inside the slug: the printing house reads it on
    the sheet, the trimmed page never shows it."""
    x0, y0, _, _ = sheet.trim_box
    below_bleed = y0 - mm(bleed_mm)
    canvas.saveState()
    canvas.setFillColorCMYK(0, 0, 0, 1)
    canvas.setFont(font, SLUG_TEXT_PT)
    canvas.drawString(x0 + mm(SLUG_INSET_MM), below_bleed / 2 - SLUG_TEXT_PT / 3, text)
    canvas.restoreState()

"""How much of a page's margin box its photos cover: the white-space figure, measured once.

Only photo area inside the margin box counts, over the margin box's area. A photo that bleeds
into the margins gets no credit for them: a hero photo running off three edges of a page still
leaves the part of the margin box under it white, and that is what the eye sees. A full-bleed
page is 1.0. Caption text is not counted: a caption frame is mostly empty lines, and a
designer judges the page's white by its pictures.
"""

from __future__ import annotations

from collections.abc import Iterable

from album.layout.book import Margins, Rect

__all__ = ["covered_share", "margin_box", "spread_margin_boxes"]


def margin_box(trim_w: float, trim_h: float, margins: Margins, recto: bool) -> Rect:
    """A page's margin box; the inner margin is at the fold (left on a recto)."""
    left = margins.inner if recto else margins.outer
    return Rect(left, margins.top, trim_w - margins.inner - margins.outer,
                trim_h - margins.top - margins.bottom)


def spread_margin_boxes(trim_w: float, trim_h: float, margins: Margins) -> tuple[Rect, Rect]:
    """The two margin boxes of a spread, in the spread's coordinates (verso left, recto right)."""
    left = margin_box(trim_w, trim_h, margins, recto=False)
    right = margin_box(trim_w, trim_h, margins, recto=True)
    return left, Rect(right.x_mm + trim_w, right.y_mm, right.width_mm, right.height_mm)


def _overlap(a: Rect, b: Rect) -> float:
    return (max(0.0, min(a.right_mm, b.right_mm) - max(a.x_mm, b.x_mm))
            * max(0.0, min(a.bottom_mm, b.bottom_mm) - max(a.y_mm, b.y_mm)))


def covered_share(photos: Iterable[Rect], boxes: Iterable[Rect]) -> float:
    """Photo area inside ``boxes`` over their area (photo frames of a page never overlap)."""
    boxes = list(boxes)
    rects = list(photos)
    area = sum(b.width_mm * b.height_mm for b in boxes)
    return sum(_overlap(r, b) for r in rects for b in boxes) / area

"""Units of the trade in one place: millimetres in the model, points in the PDF, pixels per inch.

Geometry is millimetres everywhere inside ``album`` and becomes points only in ``render``.
"""

from __future__ import annotations

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
PT_PER_MM = PT_PER_INCH / MM_PER_INCH


def mm_to_pt(value_mm: float) -> float:
    return value_mm * PT_PER_MM


def pt_to_mm(value_pt: float) -> float:
    return value_pt / PT_PER_MM


def pixels_for(placed_mm: float, ppi: float) -> int:
    """Pixels a placed length needs at ``ppi`` (at least one)."""
    return max(1, round(placed_mm / MM_PER_INCH * ppi))


def effective_ppi(crop_w_px: float, crop_h_px: float, placed_w_mm: float, placed_h_mm: float) -> float:
    """Original pixels inside the crop over the placed size, on the poorer axis: what the press
    sees, whatever the file is resampled to."""
    return min(crop_w_px / (placed_w_mm / MM_PER_INCH), crop_h_px / (placed_h_mm / MM_PER_INCH))


def exif_orientation(value: object) -> int:
    """An EXIF orientation tag as 1–8; anything else (missing, broken) means as stored (1)."""
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright_size(width_px: int, height_px: int, orientation: int) -> tuple[int, int]:
    """The pixel size as the photo is seen: orientations 5–8 are stored turned by 90°."""
    return (height_px, width_px) if orientation in (5, 6, 7, 8) else (width_px, height_px)

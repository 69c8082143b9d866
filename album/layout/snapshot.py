"""A frozen, database-free picture of an album: what the layout engine reads.

Only accepted photos that sit in a chapter are part of the snapshot; pixel sizes are upright.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from album.print_spec import BLEED_MM

# Books are folded from sheets: the page count is padded to a multiple of 4, or of a whole
# signature (8 or 16 pages) when the printing house asks for it.
PAGE_MULTIPLES = (4, 8, 16)


@dataclass(frozen=True)
class PhotoSnapshot:
    id: int
    sha256: str
    width_px: int
    height_px: int
    orientation: int = 1
    caption: str = ""
    photographer: str = ""
    unit: str = ""
    place: str = ""
    date_text: str = ""
    focal_x: float = 0.5
    focal_y: float = 0.5
    has_map: bool = False  # 含地图: the 审图号 of such photos are listed on the copyright page
    map_basis: str = ""
    map_reference: str = ""

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px


@dataclass(frozen=True)
class ChapterSnapshot:
    id: int
    title: str
    opener_text: str = ""
    photos: tuple[PhotoSnapshot, ...] = ()
    opener_photo_id: int | None = None  # the editor's pick for the opener; None: the engine chooses


@dataclass(frozen=True)
class PinSnapshot:
    """``template`` names a layout file, or ``"alone"`` (one photo to a page) or ``"spread"``."""

    template: str
    photo_ids: tuple[int, ...]


@dataclass(frozen=True)
class AlbumSnapshot:
    title: str
    trim_width_mm: float = 210.0
    trim_height_mm: float = 285.0
    bleed_mm: float = BLEED_MM
    subtitle: str = ""
    publisher: str = ""
    page_multiple: int = 4
    preface: str = ""
    afterword: str = ""
    copyright_text: str = ""
    # 版权页 fields as (key, value) pairs, normalised by album.colophon; empty: copyright_text.
    colophon: tuple[tuple[str, str], ...] = ()
    chapters: tuple[ChapterSnapshot, ...] = ()
    pins: tuple[PinSnapshot, ...] = field(default_factory=tuple)

"""The Book: pages of positioned frames, plain data. Pagination writes it; the PDF writer,
preflight and web previews read it. Nothing here knows about files, databases or ReportLab.

Coordinates are millimetres on the *trim box* of the page: origin at the top-left trim corner,
x to the right, y downwards. A frame that bleeds already extends past the trim edge (negative
``x_mm``/``y_mm`` or beyond the trim size) by the bleed; the writer draws rectangles as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from album.units import effective_ppi

Align = Literal["left", "center", "right", "justify"]
FontRole = Literal["song", "hei"]


@dataclass(frozen=True)
class Rect:
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float

    @property
    def right_mm(self) -> float:
        return self.x_mm + self.width_mm

    @property
    def bottom_mm(self) -> float:
        return self.y_mm + self.height_mm


@dataclass(frozen=True)
class Crop:
    """The part of the upright photo that shows, as fractions of its width and height."""

    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0

    @property
    def kept_share(self) -> float:
        return (self.right - self.left) * (self.bottom - self.top)

    def effective_ppi(self, width_px: float, height_px: float, placed_w_mm: float,
                      placed_h_mm: float) -> float:
        """Resolution of an upright ``width_px`` × ``height_px`` photo cropped so and placed at that size."""
        return effective_ppi((self.right - self.left) * width_px, (self.bottom - self.top) * height_px,
                             placed_w_mm, placed_h_mm)


@dataclass(frozen=True)
class Margins:
    """The margin box of a page, millimetres from each trim edge (inner is at the fold)."""

    top: float
    bottom: float
    inner: float
    outer: float


@dataclass(frozen=True)
class TextStyle:
    """A named text style from the layout files; ``min_size_pt`` bounds shrink-to-fit."""

    name: str
    font: FontRole = "song"
    size_pt: float = 10.0
    leading: float = 1.5
    align: Align = "justify"
    min_size_pt: float | None = None
    gray: float = 1.0  # share of black ink (K); 1.0 is 100 % K
    rule_below_pt: float = 0.0  # a rule this thick across the frame under the block (the CIP block's end)


@dataclass(frozen=True)
class TextBlock:
    """A paragraph in one style. ``trailing`` is set flush right on the block's last line
    (page numbers in the table of contents and the photographer index)."""

    text: str
    style: str
    trailing: str = ""


@dataclass(frozen=True)
class TextFrame:
    rect: Rect
    blocks: tuple[TextBlock, ...]
    role: str = "text"  # text, caption, folio, running-head, title, toc, index
    photo_ids: tuple[int, ...] = ()  # captions: the photos they describe
    vertical_align: Literal["top", "middle", "bottom"] = "top"


@dataclass(frozen=True)
class PhotoFrame:
    rect: Rect
    photo_id: int
    sha256: str
    crop: Crop = Crop()
    orientation: int = 1
    bleeds: bool = False


Frame = PhotoFrame | TextFrame

PageKind = Literal[
    "half-title", "title", "copyright", "preface", "toc", "opener", "photo",
    "index", "afterword", "blank",
]


@dataclass
class Page:
    number: int
    kind: str
    template: str
    frames: list[Frame] = field(default_factory=list)
    chapter_id: int | None = None
    folio: str | None = None
    running_head: str | None = None
    family: str = ""  # photo pages: the template family (a run of one family reads as repetition)
    pinned: bool = False  # photo pages: an editor fixed this layout, so its crops may exceed the limit
    deliberate_white: bool = False  # photo pages: the template declares its white space deliberate

    @property
    def is_recto(self) -> bool:
        """Odd pages are right-hand pages."""
        return self.number % 2 == 1

    def photo_frames(self) -> list[PhotoFrame]:
        return [f for f in self.frames if isinstance(f, PhotoFrame)]

    def text_frames(self) -> list[TextFrame]:
        return [f for f in self.frames if isinstance(f, TextFrame)]


@dataclass(frozen=True)
class ChapterEntry:
    """One chapter as the book sets it: its number, title, first page (the opener) and how many
    photos it holds — what preflight and reports need without re-reading the pages."""

    number: int
    title: str
    opener_page: int
    photo_count: int


@dataclass
class Book:
    title: str
    trim_width_mm: float
    trim_height_mm: float
    bleed_mm: float
    pages: list[Page]
    styles: dict[str, TextStyle]
    warnings: list[str] = field(default_factory=list)
    chapters: list[ChapterEntry] = field(default_factory=list)
    margins: Margins | None = None  # the margin box the page-quality figures are measured on

    @property
    def page_count(self) -> int:
        return len(self.pages)

"""What a render is asked to do (``RenderOptions``) and what it did (``RenderReport``).

Kept apart from the writer so that jobs, the CLI and preflight can build and read them without
importing ReportLab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from album.config import DEFAULT_CMYK_PROFILE, DEFAULT_GREY_PHOTOS, GREY_PHOTOS
from album.print_spec import PRINT_PPI, PROOF_PPI

RenderMode = Literal["print", "proof"]
Intent = Literal["relative", "perceptual"]

DEFAULT_PPI = {"print": PRINT_PPI, "proof": PROOF_PPI}


@dataclass(frozen=True)
class RenderOptions:
    """Settings of one render. ``ppi`` defaults to 300 for print and 150 for proof;
    ``workers`` 0 means one image worker per CPU. ``spreads`` and ``watermark`` belong to
    proofs: a printer wants single, unmarked pages (the print writer ignores a watermark).
    ``slug`` and ``release_note`` belong to print: the slug sits outside the trim, where the
    printing house reads it and the reader never sees it. ``grey_photos`` says how print
    separates monochrome photos (``k_only``, ``gcr`` or ``cmyk``; see album.render.grey)."""

    mode: RenderMode
    ppi: int | None = None
    cmyk_profile: Path = DEFAULT_CMYK_PROFILE
    rendering_intent: Intent = "relative"
    watermark: str | None = None
    spreads: bool = False
    workers: int = 0
    crop_marks: bool = True
    slug: str | None = None  # print only: a line outside the trim, e.g. "未付印 校样第3版"
    release_note: str | None = None  # print only: the 付印 record, written to /Subject and XMP
    grey_photos: str = DEFAULT_GREY_PHOTOS

    def __post_init__(self) -> None:
        if self.mode not in DEFAULT_PPI:
            raise ValueError(f"unknown render mode {self.mode!r}")
        if self.rendering_intent not in ("relative", "perceptual"):
            raise ValueError(f"unknown rendering intent {self.rendering_intent!r}")
        if self.grey_photos not in GREY_PHOTOS:
            raise ValueError(f"unknown grey separation {self.grey_photos!r}")
        if self.ppi is None:
            object.__setattr__(self, "ppi", DEFAULT_PPI[self.mode])
        if self.ppi is not None and not 50 <= self.ppi <= 1200:
            raise ValueError(f"ppi {self.ppi} outside 50..1200")
        if self.spreads and self.mode == "print":
            raise ValueError("spreads are a proof view; print PDFs have single pages")
        object.__setattr__(self, "cmyk_profile", Path(self.cmyk_profile))

    @property
    def target_ppi(self) -> int:
        assert self.ppi is not None
        return self.ppi


@dataclass(frozen=True)
class PlacedImage:
    """One photo as placed in the PDF. ``effective_ppi`` counts the original's pixels inside
    the crop over the placed size, so it is what preflight judges (warn < 200, flag < 150)."""

    page: int
    photo_id: int
    placed_w_mm: float
    placed_h_mm: float
    effective_ppi: float
    pixels_w: int
    pixels_h: int
    colour_mode: str  # "CMYK", "RGB" (sRGB) or "L"
    from_cache: bool
    passthrough: bool = False  # the original's own bytes, embedded without re-encoding


@dataclass(frozen=True)
class PageTextIssue:
    page: int
    issue: Any  # album.render.text.TextIssue


@dataclass
class RenderReport:
    """What a render did. Image counters: ``images_processed`` went through the pixel
    pipeline in this render, ``images_passthrough`` were originals found fit to embed as they
    are, ``images_cached`` came from the cache (including earlier pass-through decisions).
    ``parts`` is how many page ranges were drawn separately and joined."""

    out_path: Path
    mode: RenderMode
    page_count: int = 0
    sheet_count: int = 0
    images: list[PlacedImage] = field(default_factory=list)
    text_issues: list[PageTextIssue] = field(default_factory=list)
    images_processed: int = 0
    images_cached: int = 0
    images_passthrough: int = 0
    parts: int = 0
    pdfx_applied: bool = False

    def low_resolution(self, below_ppi: float) -> list[PlacedImage]:
        return [img for img in self.images if img.effective_ppi < below_ppi]

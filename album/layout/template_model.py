"""Page templates as data: the parsed form of ``layouts/*.toml`` and its geometry in mm.

Frames are fractions of an *area*: the trim box or the margin box of the page (or of the
two-page spread for spread templates). Margins are millimetres and do not scale, so the same
templates serve every trim size; see ``layouts/README.md`` for the file format.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from album.errors import LayoutError
from album.layout.book import Margins, Rect, TextStyle

REFERENCE_TRIM_MM = (210.0, 285.0)  # 大16开: what the shipped templates are drawn for
EPS = 1e-6
KINDS = ("photo", "spread", "opener", "title", "half-title", "copyright", "preface", "toc",
         "index", "afterword", "text")
PHOTO_KINDS = ("photo", "spread")
FLOWS = ("preface", "afterword", "copyright", "opener", "toc", "index")
PLACEHOLDERS = ("title", "subtitle", "publisher", "chapter_title", "chapter_number",
                "chapter_ordinal")
# A photo template's white space: "filled" pages are held to the white-space limit; "deliberate"
# declares a composition that is meant to leave white (a very wide panorama as a band).
WHITE_SPACE = ("filled", "deliberate")
RESERVED_NAMES = ("alone", "spread", "blank", "book", "styles")
SPECIAL_FILES = ("book.toml", "styles.toml")
# Which page furniture a kind carries unless the template says otherwise.
FOLIO_KINDS = ("photo", "spread", "preface", "toc", "index", "afterword", "text")
RUNNING_HEAD_KINDS = ("photo", "spread")


@dataclass(frozen=True)
class Frac:
    """A rectangle as fractions of its area (0..1, origin top-left)."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class PhotoSlot:
    name: str
    area: str  # "trim" or "margin"
    frac: Frac
    min_aspect: float
    max_aspect: float
    fit: str  # "fill": crop to fill the slot; "contain": the photo keeps its aspect inside
    bleed: bool


@dataclass(frozen=True)
class CaptionSlot:
    photo: str
    area: str
    frac: Frac
    style: str
    credit_style: str
    attach: bool  # contain slots only: set right under the placed photo, at the photo's width
    gap_mm: float
    valign: str


@dataclass(frozen=True)
class TextSlot:
    name: str
    area: str
    frac: Frac
    style: str
    text: str | None  # a literal with {placeholders}
    flow: str | None  # or a long text that continues onto further pages
    entry: str  # toc only: how one chapter reads
    first_only: bool  # dropped on continuation pages of a flow
    valign: str
    role: str


@dataclass(frozen=True)
class Template:
    name: str
    kind: str
    source: Path
    photos: tuple[PhotoSlot, ...]
    captions: tuple[CaptionSlot, ...]
    texts: tuple[TextSlot, ...]
    cost: float
    folio: bool
    running_head: bool
    recto: bool
    mirror: bool
    toc_title: str
    description: str = ""
    family: str = ""  # templates that look alike share one: repeating the family counts as a run
    deliberate_white: bool = False  # ``white_space = "deliberate"``: the white-space limit is waived

    @property
    def pages(self) -> int:
        return 2 if self.kind == "spread" else 1

    def caption_for(self, slot: str) -> CaptionSlot | None:
        return next((c for c in self.captions if c.photo == slot), None)

    def flow_slot(self) -> TextSlot | None:
        return next((t for t in self.texts if t.flow), None)


@dataclass(frozen=True)
class PageMark:
    """A folio or running head: a band ``offset_mm`` from the top/bottom trim edge across the
    margin box; verso and recto styles differ so the text can sit at the outer edge."""

    offset_mm: float
    height_mm: float
    style_verso: str
    style_recto: str
    text_verso: str = ""
    text_recto: str = ""


@dataclass(frozen=True)
class BookRules:
    margins: Margins
    safe_mm: float
    folio: PageMark
    running_head: PageMark
    front_matter: tuple[str, ...]
    back_matter: tuple[str, ...]
    opener: str
    fallback: str
    photo_openers: tuple[str, ...] = ()  # opener templates with a photo slot, preferred first


@dataclass(frozen=True)
class TemplateSet:
    templates: dict[str, Template]
    styles: dict[str, TextStyle]
    rules: BookRules

    def __getitem__(self, name: str) -> Template:
        return self.templates[name]

    def photo_templates(self) -> list[Template]:
        return [t for t in self.templates.values() if t.kind in PHOTO_KINDS]

    def names(self) -> list[str]:
        return sorted(self.templates)

    def describe(self) -> list[str]:
        """One line per template for ``album layouts``: name, kind, photo slots, description."""
        lines = []
        width = max((len(name) for name in self.templates), default=0) + 1
        for t in sorted(self.templates.values(), key=lambda t: (t.kind not in PHOTO_KINDS, t.name)):
            slots = " ".join(f"{s.min_aspect:g}–{s.max_aspect:g}" if s.fit == "fill" else "任意比例"
                             for s in t.photos)
            photos = f"{len(t.photos)} 张照片（{slots}）" if t.photos else ""
            lines.append(f"{t.name:<{width}} {t.kind:<10} {photos} {t.description}".rstrip())
        return lines


def area_rect(template: Template, area: str, trim_w: float, trim_h: float, margins: Margins,
              recto: bool) -> Rect:
    """The area a template's fractions refer to, in mm; spreads span both pages (2 × width)."""
    if template.kind == "spread":
        if area == "trim":
            return Rect(0.0, 0.0, 2 * trim_w, trim_h)
        return Rect(margins.outer, margins.top, 2 * (trim_w - margins.outer),
                    trim_h - margins.top - margins.bottom)
    if area == "trim":
        return Rect(0.0, 0.0, trim_w, trim_h)
    left = margins.inner if recto else margins.outer
    return Rect(left, margins.top, trim_w - margins.inner - margins.outer,
                trim_h - margins.top - margins.bottom)


def resolve(template: Template, area: str, frac: Frac, trim_w: float, trim_h: float,
            margins: Margins, recto: bool, bleed_mm: float = 0.0) -> Rect:
    """Fractions → mm; a bleeding frame grows by ``bleed_mm`` past each trim edge it touches.

    Only frames on the trim area can touch a trim edge (validated on load); for a spread the
    gutter is no trim edge, so the two halves meet there without bleed."""
    a = area_rect(template, area, trim_w, trim_h, margins, recto)
    fx = 1.0 - frac.x - frac.w if (template.mirror and not recto) else frac.x
    x, y = a.x_mm + fx * a.width_mm, a.y_mm + frac.y * a.height_mm
    w, h = frac.w * a.width_mm, frac.h * a.height_mm
    if bleed_mm and area == "trim":
        left, top = fx < EPS, frac.y < EPS
        right, bottom = fx + frac.w > 1 - EPS, frac.y + frac.h > 1 - EPS
        x -= bleed_mm if left else 0.0
        y -= bleed_mm if top else 0.0
        w += bleed_mm * (left + right)
        h += bleed_mm * (top + bottom)
    return Rect(x, y, w, h)


def touches_trim(frac: Frac) -> bool:
    return (frac.x < EPS or frac.y < EPS or frac.x + frac.w > 1 - EPS
            or frac.y + frac.h > 1 - EPS)


def text_rects(template: Template, trim_w: float, trim_h: float,
               margins: Margins) -> list[tuple[str, Rect]]:
    """Every text frame of a template resolved on both page sides, named for messages."""
    out: list[tuple[str, Rect]] = []
    slots = [(f"[[caption]] photo = \"{c.photo}\"", c.area, c.frac) for c in template.captions]
    slots += [(f"[[text]] name = \"{t.name}\"", t.area, t.frac) for t in template.texts]
    for label, area, frac in slots:
        for recto in (True, False):
            out.append((label, resolve(template, area, frac, trim_w, trim_h, margins, recto)))
    return out


def check_text_geometry(template: Template, trim_w: float, trim_h: float,
                        rules: BookRules) -> None:
    """Text stays ``safe_mm`` inside the trim of its page; a spread's text keeps to one page."""
    safe = rules.safe_mm
    for label, r in text_rects(template, trim_w, trim_h, rules.margins):
        x = r.x_mm
        if template.kind == "spread":
            if r.x_mm < trim_w - EPS < r.right_mm - 2 * EPS:
                raise LayoutError(f"{template.source.name}: {label} 跨过了订口（跨页模板的文字须在一页之内）")
            if r.x_mm >= trim_w - EPS:
                x -= trim_w
        if (x < safe - EPS or r.y_mm < safe - EPS or x + r.width_mm > trim_w - safe + EPS
                or r.bottom_mm > trim_h - safe + EPS):
            raise LayoutError(
                f"{template.source.name}: {label} 在 {trim_w:g}×{trim_h:g} mm 成品上离裁切边不足"
                f" {safe:g} mm（文字安全区）")


def check_text_clear_of_photos(template: Template, trim_w: float, trim_h: float,
                               margins: Margins) -> None:
    """No caption or text frame lies on a photo slot: text printed over a picture is unreadable
    (fractions of the trim and of the margin box are easy to mix up when drawing a template)."""
    texts = [(f"[[caption]] photo = \"{c.photo}\"", c.area, c.frac) for c in template.captions]
    texts += [(f"[[text]] name = \"{t.name}\"", t.area, t.frac) for t in template.texts]
    for recto in (True, False):
        photos = [(s.name, resolve(template, s.area, s.frac, trim_w, trim_h, margins, recto))
                  for s in template.photos]
        for label, area, frac in texts:
            r = resolve(template, area, frac, trim_w, trim_h, margins, recto)
            for name, p in photos:
                overlap_w = min(r.right_mm, p.right_mm) - max(r.x_mm, p.x_mm)
                overlap_h = min(r.bottom_mm, p.bottom_mm) - max(r.y_mm, p.y_mm)
                if overlap_w > 0.5 and overlap_h > 0.5:
                    raise LayoutError(f"{template.source.name}: {label} 压在照片位 “{name}” 上"
                                      f"（重叠 {overlap_w:.1f} × {overlap_h:.1f} mm）")


def placeholders(text: str) -> list[str]:
    """Field names used in a ``{placeholder}`` string (``str.format`` syntax)."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]

"""Chapter openers: with a photo when the chapter has one good enough, else text only.

The editor's pick (``ChapterSnapshot.opener_photo_id``) wins when a photo opener takes it; by
default the engine takes the best-resolved landscape photo. The opener photo is not repeated on
the chapter's photo pages (a designer does not show a picture twice): the opener sets its
caption and credit, and the photographer index lists the opener page.
"""

from __future__ import annotations

from dataclasses import dataclass

from album.layout.photo_pages import MAX_CROP_LOSS, accepts, effective_ppi, fill_crop
from album.layout.snapshot import ChapterSnapshot, PhotoSnapshot
from album.layout.template_model import PLACEHOLDERS, Template, TemplateSet, resolve
from album.layout.text_measure import Geometry, flow_pages, paragraphs
from album.print_spec import PPI_WARNING

MIN_OPENER_PPI = PPI_WARNING  # the engine opens on a photo only at print resolution
MIN_OPENER_PHOTOS = 2  # a one-photo chapter keeps its photo on a page of its own (no blank verso)


@dataclass(frozen=True)
class OpenerChoice:
    template: Template
    photo: PhotoSnapshot | None = None


def opener_ppi(template: Template, photo: PhotoSnapshot, geom: Geometry) -> float | None:
    """Effective ppi of ``photo`` in the opener's photo slot; None when the slot does not take it
    (aspect out of range or more than MAX_CROP_LOSS cropped away)."""
    slot = template.photos[0]
    box = resolve(template, slot.area, slot.frac, geom.trim_w, geom.trim_h, geom.margins, True,
                  geom.bleed if slot.bleed else 0.0)
    crop = fill_crop(photo, box.width_mm / box.height_mm)
    if not accepts(template, slot, box, photo.aspect, geom) or 1 - crop.kept_share > MAX_CROP_LOSS:
        return None
    return effective_ppi(photo, box, crop)


def choose_opener(chapter: ChapterSnapshot, number: int, templates: TemplateSet, geom: Geometry,
                  pinned: set[int], warnings: list[str]) -> OpenerChoice:
    """The opener template and photo for one chapter; a pick that cannot be honoured falls back
    to the engine's choice with a warning."""
    text_only = OpenerChoice(templates[templates.rules.opener])
    usable = [templates[n] for n in templates.rules.photo_openers
              if _text_fits(templates[n], chapter, templates, geom)]
    label = f"第{number}篇《{chapter.title}》"
    if chapter.opener_photo_id is not None:
        picked = _editor_pick(chapter, usable, geom, pinned, label, warnings)
        if picked is not None:
            return picked
    if len(chapter.photos) < MIN_OPENER_PHOTOS:
        return text_only
    for template in usable:
        scored = []
        for i, photo in enumerate(chapter.photos):
            ppi = opener_ppi(template, photo, geom) if photo.id not in pinned and photo.aspect > 1 else None
            if ppi is not None and ppi >= MIN_OPENER_PPI:
                scored.append((ppi, -i, photo))
        if scored:
            return OpenerChoice(template, max(scored, key=lambda s: s[:2])[2])
    return text_only


def _editor_pick(chapter: ChapterSnapshot, usable: list[Template], geom: Geometry,
                 pinned: set[int], label: str, warnings: list[str]) -> OpenerChoice | None:
    pid = chapter.opener_photo_id
    photo = next((p for p in chapter.photos if p.id == pid), None)
    fallback = "，改由系统选择篇章页"
    if photo is None:
        warnings.append(f"{label}选定的篇章页照片 #{pid} 不是本篇已采用的照片{fallback}")
        return None
    if pid in pinned:
        warnings.append(f"{label}选定的篇章页照片 #{pid} 已有固定版式{fallback}")
        return None
    fits = [(ppi, -k, t) for k, t in enumerate(usable) if (ppi := opener_ppi(t, photo, geom)) is not None]
    if not fits:
        warnings.append(f"{label}选定的篇章页照片 #{pid} 的比例放不进照片篇章页（须为横幅，"
                        f"裁切不超过 {MAX_CROP_LOSS:.0%}），或导语太长{fallback}")
        return None
    good = [f for f in fits if f[0] >= MIN_OPENER_PPI]
    ppi, _k, template = max(good, key=lambda f: f[1]) if good else max(fits, key=lambda f: f[0])
    if ppi < MIN_OPENER_PPI:
        warnings.append(f"{label}的篇章页照片 #{pid} 在篇章页上只有 {ppi:.0f} ppi（宜 ≥ {MIN_OPENER_PPI} ppi）")
    return OpenerChoice(template, photo)


def _text_fits(template: Template, chapter: ChapterSnapshot, templates: TemplateSet,
               geom: Geometry) -> bool:
    """A photo opener is one page: its opener text must fit beside the photo."""
    flow = template.flow_slot()
    blocks = paragraphs(chapter.opener_text, flow.style) if flow else []
    values = {name: "" for name in PLACEHOLDERS}
    return len(flow_pages(template, values, blocks, templates.styles, geom, 1)) == 1

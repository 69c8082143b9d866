"""Photo pages: which template takes which run of photos, and the frames that result.

The choice is a shortest path over the chapter's photos in their order (dynamic programming):
a page costs its template's ``cost`` plus, per photo, what the slot does to it (crop loss, or
white space around a "contain" slot), plus penalties for a page over the white-space limit, for
repeating the previous template, for captions that will not fit, for a blank page (only before a
spread), and for a chapter left without a full-bleed page or spread when one of its photos is
sharp enough for one. Pins fix the template of their photos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from album.layout.book import Crop, PhotoFrame, Rect, TextBlock, TextFrame, TextStyle
from album.layout.coverage import covered_share, margin_box, spread_margin_boxes
from album.layout.snapshot import PhotoSnapshot
from album.layout.template_model import (
    REFERENCE_TRIM_MM,
    CaptionSlot,
    PhotoSlot,
    Template,
    TemplateSet,
    resolve,
)
from album.layout.text_measure import Geometry, fits
from album.print_spec import PPI_ERROR, PPI_WARNING

MAX_CROP_LOSS = 0.30  # no unpinned photo loses more than this share of its area to cropping
WHITE_LIMIT = 0.35  # share of a photo page's margin box the photos may leave empty
FULL_BLEED_PPI = 250  # a photo this sharp at full-bleed page or spread size deserves such a page
PANORAMA_ASPECT = 2.2  # wider than this: a wide slot or a spread, the fallback only if none fits
LOSS_WEIGHT = 3.0
PINNED_LOSS_WEIGHT = 12.0  # among a pin's templates, the least cropping one wins clearly
EMPTY_WEIGHT = 0.8
WHITE_WEIGHT = 1.0  # × the share of the margin box photos leave white: large photos are wanted
OVER_WHITE_COST = 3.0  # a page over WHITE_LIMIT: dearer than a page more, cheaper than a blank
NO_BLEED_COST = 2.0  # a chapter with a FULL_BLEED_PPI photo but no full-bleed page or spread: less
# than a caption lost to a caption-less full-bleed page or a blank page
REPEAT_PENALTY = 0.8  # × how many times in a row the template already ran
MAX_RUN_TRACKED = 3
BLANK_COST = 4.0
REORDER_COST = 1.0  # per place a panorama moves from the editor's order to reach a spread
MAX_PANORAMA_MOVE = 2
END_ON_RECTO_COST = 2.0  # the next chapter must start on a recto: a blank verso would follow
NO_CAPTION_COST = 3.0  # a caption is the photo's record (who, where, when): losing it is costly
CAPTION_OVERFLOW_COST = 4.0  # a caption that will not fit even shrunk is a real defect
# Resolution: print wants 300 ppi; preflight warns below 200 and flags below 150. A slot that
# stretches a photo below GOOD_PPI costs more the further it falls, and a flagged one a lot.
GOOD_PPI = PPI_WARNING
LOW_PPI = PPI_ERROR
PPI_WEIGHT = 6.0
LOW_PPI_COST = 2.0
CREDIT_PHOTOGRAPHER, CREDIT_UNIT, CREDIT_SEP = "摄影：", "供稿：", "\u3000"


@dataclass(frozen=True)
class Placement:
    """One photo page (or spread) to make; ``template`` None is a blank page."""

    template: Template | None
    photos: tuple[PhotoSnapshot, ...] = ()
    pinned: bool = False


@dataclass(frozen=True)
class PinGroup:
    """Photos an editor fixed: ``templates`` are the ones allowed for them (one for a named pin).

    A named template is honoured whatever it crops; "alone" and "spread" keep the usual fit
    rules among their templates, unless no template passes them (``checked``)."""

    templates: tuple[Template, ...]
    length: int
    label: str
    checked: bool = False


@dataclass
class _Choice:
    cost: float
    back: tuple[int, tuple[int, str, int, bool]] | None
    placement: Placement | None


@dataclass
class ChapterPlan:
    placements: list[Placement] = field(default_factory=list)
    cost: float = 0.0
    moved: tuple[tuple[int, int], ...] = ()  # (photo id, places moved: − earlier, + later)


def fill_crop(photo: PhotoSnapshot, slot_aspect: float) -> Crop:
    """The largest window of the slot's aspect, centred on the focal point, kept in the image."""
    a = photo.aspect
    kw, kh = (slot_aspect / a, 1.0) if a > slot_aspect else (1.0, a / slot_aspect)

    def place(focal: float, size: float) -> float:
        return min(max(focal - size / 2, 0.0), 1.0 - size)

    left, top = place(photo.focal_x, kw), place(photo.focal_y, kh)
    return Crop(left, top, left + kw, top + kh)


def crop_loss(photo: PhotoSnapshot, slot: PhotoSlot, box: Rect) -> float:
    if slot.fit == "contain":
        return 0.0
    return 1.0 - fill_crop(photo, box.width_mm / box.height_mm).kept_share


def contain_rect(photo: PhotoSnapshot, box: Rect) -> Rect:
    """The photo at its own aspect, as large as fits, centred in ``box``."""
    a = photo.aspect
    w = min(box.width_mm, box.height_mm * a)
    h = w / a
    return Rect(box.x_mm + (box.width_mm - w) / 2, box.y_mm + (box.height_mm - h) / 2, w, h)


def credit_text(photo: PhotoSnapshot) -> str:
    parts = []
    if photo.photographer.strip():
        parts.append(CREDIT_PHOTOGRAPHER + photo.photographer.strip())
    if photo.unit.strip():
        parts.append(CREDIT_UNIT + photo.unit.strip())
    return CREDIT_SEP.join(parts)


def caption_blocks(photo: PhotoSnapshot, cap: CaptionSlot) -> tuple[TextBlock, ...]:
    text = photo.caption.strip() or CREDIT_SEP.join(
        p for p in (photo.place.strip(), photo.date_text.strip()) if p)
    blocks = [TextBlock(text, cap.style)] if text else []
    credit = credit_text(photo)
    if credit:
        blocks.append(TextBlock(credit, cap.credit_style))
    return tuple(blocks)


def caption_rect(template: Template, cap: CaptionSlot, photo_rect: Rect, geom: Geometry,
                 recto: bool) -> Rect:
    """Where a caption goes; an attached one hangs under the placed photo, as wide as the photo
    (but at least 60 % of its declared width, so a narrow photo keeps a readable caption)."""
    declared = resolve(template, cap.area, cap.frac, geom.trim_w, geom.trim_h, geom.margins, recto)
    if not cap.attach:
        return declared
    w = min(declared.width_mm, max(photo_rect.width_mm, 0.6 * declared.width_mm))
    centre = photo_rect.x_mm + photo_rect.width_mm / 2
    x = min(max(centre - w / 2, declared.x_mm), declared.right_mm - w)
    return Rect(x, photo_rect.bottom_mm + cap.gap_mm, w, declared.height_mm)


def photo_rects(template: Template, photos: tuple[PhotoSnapshot, ...], geom: Geometry,
                recto: bool) -> list[tuple[PhotoSlot, Rect, Rect, Crop]]:
    """Per slot: its box, where the photo goes and which part of it shows."""
    out = []
    for slot, photo in zip(template.photos, photos):
        box = resolve(template, slot.area, slot.frac, geom.trim_w, geom.trim_h, geom.margins,
                      recto, geom.bleed if slot.bleed else 0.0)
        if slot.fit == "contain":
            out.append((slot, box, contain_rect(photo, box), Crop()))
        else:
            out.append((slot, box, box, fill_crop(photo, box.width_mm / box.height_mm)))
    return out


def effective_ppi(photo: PhotoSnapshot, rect: Rect, crop: Crop) -> float:
    """Original pixels inside the crop per inch of placed size (as preflight measures it)."""
    return crop.effective_ppi(photo.width_px, photo.height_px, rect.width_mm, rect.height_mm)


def resolution_cost(photo: PhotoSnapshot, rect: Rect, crop: Crop) -> float:
    """Zero from ``GOOD_PPI`` up; so a small original goes to a small slot, and a hero page or a
    spread is only chosen for a photo with the pixels to fill it."""
    ppi = effective_ppi(photo, rect, crop)
    cost = PPI_WEIGHT * max(0.0, 1.0 - ppi / GOOD_PPI)
    return cost + (LOW_PPI_COST if ppi < LOW_PPI else 0.0)


def accepts(template: Template, slot: PhotoSlot, box: Rect, aspect: float, geom: Geometry) -> bool:
    """Whether a slot's aspect range takes a photo. Ranges are written for the reference trim
    (大16开); on another trim they scale with the slot, so a side-by-side pair of portrait slots
    becomes a pair of landscape slots on a landscape book, as its shape says it should."""
    ref = resolve(template, slot.area, slot.frac, *REFERENCE_TRIM_MM, geom.margins, True,
                  geom.bleed if slot.bleed else 0.0)
    scale = (box.width_mm / box.height_mm) / (ref.width_mm / ref.height_mm)
    return slot.min_aspect * scale - 1e-9 <= aspect <= slot.max_aspect * scale + 1e-9


def white_share(template: Template, rects: list[Rect], geom: Geometry) -> float:
    """How much of the page's (or spread's) margin box the photos leave empty, by the rule of
    ``album.layout.coverage``; ``rects`` are placed as on a recto."""
    boxes = (spread_margin_boxes(geom.trim_w, geom.trim_h, geom.margins) if template.kind == "spread"
             else (margin_box(geom.trim_w, geom.trim_h, geom.margins, recto=True),))
    return 1.0 - covered_share(rects, boxes)


def placement_cost(template: Template, photos: tuple[PhotoSnapshot, ...], geom: Geometry,
                   styles: Mapping[str, TextStyle], pinned: bool,
                   wide_home: Mapping[int, bool] | None = None) -> float | None:
    """Cost of putting ``photos`` on ``template``; None when an unpinned photo may not go there."""
    cost = template.cost
    placed = photo_rects(template, photos, geom, True)
    white = white_share(template, [rect for _s, _b, rect, _c in placed], geom)
    over = white > WHITE_LIMIT + 1e-9 and not template.deliberate_white
    cost += WHITE_WEIGHT * white + (OVER_WHITE_COST if over else 0.0)
    for slot, box, rect, crop in placed:
        photo = photos[template.photos.index(slot)]
        loss = 1.0 - crop.kept_share
        if not pinned:
            if not accepts(template, slot, box, photo.aspect, geom) or loss > MAX_CROP_LOSS:
                return None
            if slot.fit == "contain" and wide_home and wide_home.get(photo.id):
                return None
        empty = 1.0 - (rect.width_mm * rect.height_mm) / (box.width_mm * box.height_mm)
        cost += (PINNED_LOSS_WEIGHT if pinned else LOSS_WEIGHT) * loss + EMPTY_WEIGHT * empty
        cost += resolution_cost(photo, rect, crop)
        cap = template.caption_for(slot.name)
        if cap is None:
            has_text = photo.caption.strip() or credit_text(photo)
            cost += NO_CAPTION_COST if has_text else 0.0
            continue
        blocks = list(caption_blocks(photo, cap))
        if blocks and not fits(blocks, styles, caption_rect(template, cap, rect, geom, True)):
            cost += CAPTION_OVERFLOW_COST
    return cost


def full_bleed_sizes(geom: Geometry) -> tuple[tuple[float, float], ...]:
    """Width and height (mm, bleed included) of a full-bleed page and of a full-bleed spread."""
    height = geom.trim_h + 2 * geom.bleed
    return (geom.trim_w + 2 * geom.bleed, height), (2 * geom.trim_w + 2 * geom.bleed, height)


def bleed_candidate(photo: PhotoSnapshot, geom: Geometry) -> bool:
    """A photo that fills a whole page or a whole spread within the crop limit at
    FULL_BLEED_PPI or better: its chapter should have a full-bleed page or spread."""
    for width, height in full_bleed_sizes(geom):
        crop = fill_crop(photo, width / height)
        if (1.0 - crop.kept_share <= MAX_CROP_LOSS
                and crop.effective_ppi(photo.width_px, photo.height_px, width, height) >= FULL_BLEED_PPI):
            return True
    return False


def is_full_bleed(template: Template) -> bool:
    """A template with a page wholly covered by one bleeding photo (a spread's left page counts)."""
    return any(s.area == "trim" and s.bleed and s.frac.x == 0.0 and s.frac.y == 0.0
               and s.frac.h == 1.0 and s.frac.w >= 1.0 / template.pages for s in template.photos)


def has_wide_home(photo: PhotoSnapshot, templates: TemplateSet, geom: Geometry) -> bool:
    """A panorama that some wide slot or spread takes within the crop limit."""
    if photo.aspect <= PANORAMA_ASPECT:
        return False
    for template in templates.photo_templates():
        for slot, box, _rect, crop in photo_rects(template, (photo,) * len(template.photos), geom, True):
            if (slot.fit == "fill" and accepts(template, slot, box, photo.aspect, geom)
                    and 1.0 - crop.kept_share <= MAX_CROP_LOSS):
                return True
    return False


def has_spread_home(photo: PhotoSnapshot, templates: TemplateSet, geom: Geometry) -> bool:
    """A panorama that a spread takes within the crop limit: it belongs across two pages, and
    goes on one page (a strip) only when an editor pins it there."""
    if photo.aspect <= PANORAMA_ASPECT:
        return False
    for template in templates.photo_templates():
        if template.kind != "spread":
            continue
        for slot, box, _rect, crop in photo_rects(template, (photo,) * len(template.photos), geom, True):
            if accepts(template, slot, box, photo.aspect, geom) and 1.0 - crop.kept_share <= MAX_CROP_LOSS:
                return True
    return False


def plan_chapter(photos: tuple[PhotoSnapshot, ...], pins: Mapping[int, PinGroup],
                 templates: TemplateSet, geom: Geometry, first_page: int) -> ChapterPlan:
    """Choose placements for a chapter's photos starting at page ``first_page``: in the editor's
    order, except that a panorama may move up to MAX_PANORAMA_MOVE places when that lets it
    start on a left-hand page without a blank page (each place moved costs REORDER_COST)."""
    pinned_idx = {i + k for i, g in pins.items() for k in range(g.length)}
    plan = _plan_in_order(photos, pins, templates, geom, first_page)
    start = {p.id: i for i, p in enumerate(photos)}
    for i, photo in enumerate(photos):
        if i in pinned_idx or not has_spread_home(photo, templates, geom):
            continue
        order = _order(plan)
        current = order.index(photo)
        for target in range(current - MAX_PANORAMA_MOVE, current + MAX_PANORAMA_MOVE + 1):
            span = set(range(min(current, target), max(current, target) + 1))
            if target == current or not 0 <= target < len(photos) or pinned_idx & span:
                continue
            moved = list(order)
            moved.insert(target, moved.pop(current))
            tried = _plan_in_order(tuple(moved), pins, templates, geom, first_page)
            tried.moved = tuple((p.id, k - start[p.id]) for k, p in enumerate(moved)
                                if p.aspect > PANORAMA_ASPECT and k != start[p.id])
            tried.cost += REORDER_COST * sum(abs(step) for _id, step in tried.moved)
            if tried.cost < plan.cost - 1e-9:
                plan = tried
    return plan


def _order(plan: ChapterPlan) -> list[PhotoSnapshot]:
    return [p for placement in plan.placements for p in placement.photos]


State = tuple[int, str, int, bool]


def _plan_in_order(photos: tuple[PhotoSnapshot, ...], pins: Mapping[int, PinGroup],
                   templates: TemplateSet, geom: Geometry, first_page: int) -> ChapterPlan:
    """Choose placements for a chapter's photos, in order, starting at page ``first_page``.

    ``pins`` maps the index of a pinned group's first photo to the group. State of the search:
    (next photo, parity of the next page, previous template family, how often it ran, whether
    the chapter has a full-bleed page yet — tracked only when one of its photos deserves one)."""
    n = len(photos)
    pinned_idx = {i + k for i, g in pins.items() for k in range(g.length)}
    candidates = templates.photo_templates()
    wide = {p.id: has_wide_home(p, templates, geom) for p in photos}
    spread_only = {i for i, p in enumerate(photos) if has_spread_home(p, templates, geom)}
    wants_bleed = any(bleed_candidate(p, geom) for p in photos)
    bleeds = {t.name: is_full_bleed(t) for t in templates.photo_templates()}
    cost_cache: dict[tuple[int, str, bool], float | None] = {}

    def option_cost(i: int, t: Template, pinned: bool) -> float | None:
        key = (i, t.name, pinned)
        if key not in cost_cache:
            run = photos[i:i + len(t.photos)]
            cost_cache[key] = placement_cost(t, run, geom, templates.styles, pinned, wide)
        return cost_cache[key]

    layers: list[dict[State, _Choice]] = [dict() for _ in range(n + 1)]
    layers[0][(first_page % 2, "", 0, not wants_bleed)] = _Choice(0.0, None, None)
    for i in range(n + 1):
        layer = layers[i]
        for (parity, prev, run, bled), choice in list(layer.items()):
            if prev != "blank":
                _relax(layer, (1 - parity, "blank", 1, bled), choice.cost + BLANK_COST,
                       (i, (parity, prev, run, bled)), Placement(None))
        if i == n:
            break
        if i in pins:
            group = pins[i]
            options = [(t, False) for t in group.templates
                       if group.checked and option_cost(i, t, False) is not None]
            options = options or [(t, True) for t in group.templates]
            k_fixed: int | None = group.length
        else:
            options = [(t, False) for t in candidates]
            k_fixed = None
        placeable = []  # what does not depend on the search state is checked once per photo
        for t, pinned in options:
            k = k_fixed if k_fixed is not None else len(t.photos)
            if i + k > n:
                continue
            if k_fixed is None and any(j in pinned_idx for j in range(i, i + k)):
                continue
            if not pinned and k_fixed is None and t.kind != "spread" and any(
                    j in spread_only for j in range(i, i + k)):
                continue
            c = option_cost(i, t, pinned)
            if c is not None:
                placeable.append((t, c, t.family or t.name, bleeds[t.name],
                                  Placement(t, photos[i:i + k], pinned or k_fixed is not None)))
        for (parity, prev, run, bled), choice in list(layer.items()):
            for t, c, family, full, placement in placeable:
                if (t.kind == "spread" and parity != 0) or (prev == "blank" and t.kind != "spread"):
                    continue
                same = family == prev
                state = ((parity + t.pages) % 2, family, min(run + 1, MAX_RUN_TRACKED) if same else 1,
                         bled or full)
                _relax(layers[i + len(placement.photos)], state,
                       choice.cost + c + (REPEAT_PENALTY * run if same else 0.0),
                       (i, (parity, prev, run, bled)), placement)

    def total(state: State) -> float:
        return (layers[n][state].cost + (END_ON_RECTO_COST if state[0] == 0 else 0.0)
                + (0.0 if state[3] else NO_BLEED_COST))

    best_key = min(layers[n], key=total)
    plan = ChapterPlan(cost=total(best_key))  # with the blank verso it leaves, so reorders see it
    i, key = n, best_key
    while layers[i][key].back is not None:
        choice = layers[i][key]
        assert choice.placement is not None and choice.back is not None
        plan.placements.append(choice.placement)
        i, key = choice.back
    plan.placements.reverse()
    return plan


def _relax(layer: dict[State, _Choice], state: State, cost: float, back: tuple[int, State],
           placement: Placement) -> None:
    current = layer.get(state)
    if current is None or cost < current.cost - 1e-12:
        layer[state] = _Choice(cost, back, placement)


def photo_page_frames(placement: Placement, geom: Geometry,
                      number: int) -> list[list[PhotoFrame | TextFrame]]:
    """Frames for the page(s) of one placement starting at page ``number``: one list per page;
    a spread's photo is split at the gutter into its left and right halves."""
    template = placement.template
    assert template is not None
    recto = number % 2 == 1
    frames: list[PhotoFrame | TextFrame] = []
    for (slot, _box, rect, crop), photo in zip(photo_rects(template, placement.photos, geom, recto),
                                                placement.photos):
        frames.append(PhotoFrame(rect, photo.id, photo.sha256, crop, photo.orientation, slot.bleed))
        cap = template.caption_for(slot.name)
        blocks = caption_blocks(photo, cap) if cap else ()
        if cap and blocks:
            frames.append(TextFrame(caption_rect(template, cap, rect, geom, recto), blocks,
                                    role="caption", photo_ids=(photo.id,),
                                    vertical_align=cap.valign))  # type: ignore[arg-type]
    if template.kind != "spread":
        return [frames]
    return split_spread(frames, geom.trim_w)


def split_spread(frames: list[PhotoFrame | TextFrame], trim_w: float) -> list[list[PhotoFrame | TextFrame]]:
    """Cut spread-wide frames at the gutter (x = trim width) into left- and right-page frames;
    each half of a photo shows the matching share of its crop."""
    left: list[PhotoFrame | TextFrame] = []
    right: list[PhotoFrame | TextFrame] = []
    for f in frames:
        r = f.rect
        if r.right_mm <= trim_w + 1e-6:
            left.append(f)
        elif r.x_mm >= trim_w - 1e-6:
            right.append(_shift(f, -trim_w))
        elif isinstance(f, PhotoFrame):
            share = (trim_w - r.x_mm) / r.width_mm
            c = f.crop
            cut = c.left + share * (c.right - c.left)
            left.append(PhotoFrame(Rect(r.x_mm, r.y_mm, trim_w - r.x_mm, r.height_mm), f.photo_id,
                                   f.sha256, Crop(c.left, c.top, cut, c.bottom), f.orientation, f.bleeds))
            right.append(PhotoFrame(Rect(0.0, r.y_mm, r.right_mm - trim_w, r.height_mm), f.photo_id,
                                    f.sha256, Crop(cut, c.top, c.right, c.bottom), f.orientation, f.bleeds))
        else:
            right.append(_shift(f, -trim_w))  # validated on load: text never crosses the gutter
    return [left, right]


def _shift(frame: PhotoFrame | TextFrame, dx: float) -> PhotoFrame | TextFrame:
    r = frame.rect
    moved = Rect(r.x_mm + dx, r.y_mm, r.width_mm, r.height_mm)
    if isinstance(frame, PhotoFrame):
        return PhotoFrame(moved, frame.photo_id, frame.sha256, frame.crop, frame.orientation, frame.bleeds)
    return TextFrame(moved, frame.blocks, frame.role, frame.photo_ids, frame.vertical_align)


def placement_notes(placement: Placement, geom: Geometry, styles: Mapping[str, TextStyle]) -> list[str]:
    """Warnings an editor should see about one placement: heavy crops on pinned photos,
    captions with no place to go or likely too long for their frame."""
    template = placement.template
    if template is None:
        return []
    notes = []
    for (slot, _box, rect, crop), photo in zip(photo_rects(template, placement.photos, geom, True),
                                                placement.photos):
        loss = 1.0 - crop.kept_share
        if loss > MAX_CROP_LOSS:
            notes.append(f"照片 #{photo.id} 按固定版式「{template.name}」排版，裁掉了 {loss:.0%} 的画面"
                         f"（自动排版的上限是 {MAX_CROP_LOSS:.0%}）")
        cap = template.caption_for(slot.name)
        if cap is None:
            if photo.caption.strip() or credit_text(photo):
                notes.append(f"照片 #{photo.id} 的图注未排入：版式「{template.name}」没有图注位置")
            continue
        blocks = list(caption_blocks(photo, cap))
        if blocks and not fits(blocks, styles, caption_rect(template, cap, rect, geom, True)):
            notes.append(f"照片 #{photo.id} 的图注较长，在版式「{template.name}」中可能放不下")
    return notes

"""Text on pages without measuring glyphs: a conservative estimate of how much text a frame
holds, and the flow of long texts (preface, TOC, index, afterword) over as many pages as needed.

Glyphs are only measured when the PDF is drawn, so here every CJK or full-width character
counts one em, every other character 0.6 em, less what punctuation compression takes off (the
same ``linebreak.squeeze`` the drawing applies), each line gives up one em to line-breaking rules,
body paragraphs reserve a two-em indent and only ``FILL_SHARE`` of a frame's height is used.
Erring on the generous side costs a little white space; erring the other way loses text.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Mapping

from album.errors import LayoutError
from album.layout.book import Rect, TextBlock, TextFrame, TextStyle
from album.layout.linebreak import WIDE_MARKS, squeezed_em
from album.layout.template_model import Margins, Template, resolve
from album.units import pt_to_mm

FILL_SHARE = 0.92
LINE_SLACK_EM = 1.0
INDENT_EM = 2.0
TRAILING_RESERVE_EM = 6.0  # page numbers in TOC/index: up to four digits plus a gap
MAX_FLOW_PAGES = 400
INDENTED_FLOWS = ("preface", "afterword", "opener")


@dataclass(frozen=True)
class Geometry:
    """What resolving a template needs about the book being made."""

    trim_w: float
    trim_h: float
    bleed: float
    margins: Margins


def text_em(text: str) -> float:
    """Width of ``text`` in ems: wide (CJK, full-width) characters and the marks CJK faces set
    full-width 1, others 0.6, less the compression of adjacent punctuation (line ends are
    unknown here, so left full)."""
    natural = sum(1.0 if c in WIDE_MARKS or unicodedata.east_asian_width(c) in "WF" else 0.6
                  for c in text)
    return natural - squeezed_em(text, line_start=False, line_end=False)


def chars_per_line(style: TextStyle, width_mm: float, size_pt: float | None = None) -> float:
    em_mm = pt_to_mm(size_pt or style.size_pt)
    return max(1.0, math.floor(width_mm / em_mm) - LINE_SLACK_EM)


def block_lines(block: TextBlock, style: TextStyle, width_mm: float, indent_em: float = 0.0,
                size_pt: float | None = None) -> int:
    em = text_em(block.text) + indent_em + (TRAILING_RESERVE_EM if block.trailing else 0.0)
    return max(1, math.ceil(em / chars_per_line(style, width_mm, size_pt)))


def line_mm(style: TextStyle, size_pt: float | None = None) -> float:
    return pt_to_mm(size_pt or style.size_pt) * style.leading


def blocks_height_mm(blocks: list[TextBlock], styles: Mapping[str, TextStyle], width_mm: float,
                     shrink: bool = False, indent_em: float = 0.0) -> float:
    """Estimated height of ``blocks`` set in ``width_mm``; ``shrink`` uses each style's minimum
    size, as the renderer's shrink-to-fit may."""
    total = 0.0
    for block in blocks:
        style = styles[block.style]
        size = (style.min_size_pt or style.size_pt) if shrink else style.size_pt
        total += block_lines(block, style, width_mm, indent_em, size) * line_mm(style, size)
    return total


def fits(blocks: list[TextBlock], styles: Mapping[str, TextStyle], rect: Rect,
         shrink: bool = True) -> bool:
    return blocks_height_mm(blocks, styles, rect.width_mm, shrink) <= rect.height_mm * FILL_SHARE


def paragraphs(text: str, style: str) -> list[TextBlock]:
    """One block per non-empty line: editors type one paragraph per line."""
    return [TextBlock(line.strip(), style) for line in text.splitlines() if line.strip()]


def _split_block(block: TextBlock, style: TextStyle, width_mm: float, lines: int,
                 indent_em: float) -> tuple[TextBlock, TextBlock] | None:
    """Cut a paragraph so its head fills ``lines`` lines; None if not even two lines fit."""
    if lines < 2 or block.trailing:
        return None
    budget = lines * chars_per_line(style, width_mm) - indent_em
    used, cut = 0.0, 0
    for i, c in enumerate(block.text):
        used += text_em(c)
        if used > budget:
            break
        cut = i + 1
    if cut == 0 or cut >= len(block.text):
        return None
    return TextBlock(block.text[:cut], block.style), TextBlock(block.text[cut:], block.style)


def take_blocks(blocks: list[TextBlock], rect: Rect, styles: Mapping[str, TextStyle],
                indent_em: float) -> tuple[list[TextBlock], list[TextBlock]]:
    """What of ``blocks`` fits into ``rect`` at full size, and what is left for the next page."""
    capacity = rect.height_mm * FILL_SHARE
    used, taken = 0.0, []
    rest = list(blocks)
    while rest:
        block = rest[0]
        style = styles[block.style]
        height = block_lines(block, style, rect.width_mm, indent_em) * line_mm(style)
        if used + height <= capacity:
            taken.append(rest.pop(0))
            used += height
            continue
        room = math.floor((capacity - used) / line_mm(style))
        split = _split_block(block, style, rect.width_mm, room, indent_em)
        if split:
            taken.append(split[0])
            rest[0] = split[1]
        elif not taken:  # a block taller than a whole frame: set it anyway, it shrinks at draw time
            taken.append(rest.pop(0))
        break
    return taken, rest


def flow_pages(template: Template, values: Mapping[str, str], blocks: list[TextBlock],
               styles: Mapping[str, TextStyle], geom: Geometry, first_number: int) -> list[list[TextFrame]]:
    """Frames of each page a text template needs for ``blocks`` (at least one page).

    Fixed texts with ``first_only`` appear on the first page only; on later pages the flow frame
    grows upward into the room they left."""
    flow = template.flow_slot()
    pages: list[list[TextFrame]] = []
    rest = list(blocks)
    indent = INDENT_EM if flow and flow.flow in INDENTED_FLOWS else 0.0
    while not pages or rest:
        if len(pages) >= MAX_FLOW_PAGES:
            raise LayoutError(f"“{template.name}” 的文字超过 {MAX_FLOW_PAGES} 页，无法排版")
        number = first_number + len(pages)
        recto = number % 2 == 1
        first = not pages
        frames: list[TextFrame] = []
        top_freed: float | None = None
        for slot in template.texts:
            rect = resolve(template, slot.area, slot.frac, geom.trim_w, geom.trim_h, geom.margins,
                           recto)
            if slot.flow:
                continue
            if slot.first_only and not first:
                top_freed = rect.y_mm if top_freed is None else min(top_freed, rect.y_mm)
                continue
            text = (slot.text or "").format_map(values).strip()
            if text:
                frames.append(TextFrame(rect, (TextBlock(text, slot.style),), role=slot.role,
                                        vertical_align=slot.valign))  # type: ignore[arg-type]
        if flow:
            rect = resolve(template, flow.area, flow.frac, geom.trim_w, geom.trim_h, geom.margins,
                           recto)
            if top_freed is not None and top_freed < rect.y_mm:
                rect = Rect(rect.x_mm, top_freed, rect.width_mm, rect.bottom_mm - top_freed)
            taken, rest = take_blocks(rest, rect, styles, indent)
            if taken:
                frames.append(TextFrame(rect, tuple(taken), role=flow.role,
                                        vertical_align=flow.valign))  # type: ignore[arg-type]
        pages.append(frames)
    return pages

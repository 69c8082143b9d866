"""Chinese text in frames: shrink-to-fit and justified drawing.

Line breaking and punctuation compression are ``album.layout.linebreak``'s (CLREQ: 禁则, numbers
with their units, 标点挤压, no 孤字); this module gives it ReportLab's glyph advances and draws
each line where ``place_line`` puts its runs, so what is measured is what is drawn.

``fit_text_frame`` does all the measuring without a canvas, so preflight and tests see exactly
what ``draw_text_frame`` will draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.errors import RenderError
from album.layout.book import TextBlock, TextFrame, TextStyle
from album.layout.linebreak import Metrics, break_lines, line_width, place_line
from album.render.fonts import FontSet, halt_font
from album.units import PT_PER_MM

SHRINK_STEP_PT = 0.25
# The em box of a CJK face: 0.88 above the baseline, 0.12 below (Noto, Source Han, UMing).
EM_ASCENT = 0.88
EPSILON = 0.01

IssueKind = Literal["shrunk", "overflow", "missing-glyph"]


@dataclass(frozen=True)
class TextIssue:
    kind: IssueKind
    role: str  # the frame's role: caption, text, toc…
    photo_ids: tuple[int, ...]
    message: str
    size_pt: float  # size of the frame's first block as drawn


@dataclass(frozen=True)
class FittedBlock:
    block: TextBlock
    style: TextStyle
    font_name: str
    size_pt: float
    leading_pt: float
    lines: tuple[str, ...]
    ends_paragraph: tuple[bool, ...]  # the last line of a paragraph is never stretched

    @property
    def height_pt(self) -> float:
        return len(self.lines) * self.leading_pt


@dataclass(frozen=True)
class FittedText:
    blocks: tuple[FittedBlock, ...]
    width_pt: float
    height_pt: float  # the frame's height
    used_pt: float  # what the lines take
    scale: float  # 1.0 when nothing was shrunk
    issues: tuple[TextIssue, ...] = field(default=())

    @property
    def fits(self) -> bool:
        return self.used_pt <= self.height_pt + EPSILON


def fit_text_frame(frame: TextFrame, styles: dict[str, TextStyle], fonts: FontSet) -> FittedText:
    """Break every block at its size; shrink in 0.25 pt steps down to the styles' minimum
    sizes if the frame is too short; report, never cut, what still does not fit."""
    width = frame.rect.width_mm * PT_PER_MM
    height = frame.rect.height_mm * PT_PER_MM
    resolved = [(block, _style(styles, block)) for block in frame.blocks]
    largest = max((style.size_pt for _, style in resolved), default=0.0)
    scale, fitted = 1.0, _layout(resolved, fonts, width, 1.0)
    step = 0
    while sum(b.height_pt for b in fitted) > height + EPSILON and largest > 0:
        step += 1
        next_scale = 1.0 - step * SHRINK_STEP_PT / largest
        if next_scale <= 0 or all(_size(style, scale) <= _min_size(style) for _, style in resolved):
            break
        scale, fitted = next_scale, _layout(resolved, fonts, width, next_scale)
    used = sum(b.height_pt for b in fitted)
    issues = _issues(frame, fitted, fonts, width, height, used, scale)
    return FittedText(tuple(fitted), width, height, used, scale, tuple(issues))


def _style(styles: dict[str, TextStyle], block: TextBlock) -> TextStyle:
    try:
        return styles[block.style]
    except KeyError:
        raise RenderError(f"版式中没有定义文字样式“{block.style}”") from None


def _min_size(style: TextStyle) -> float:
    return style.min_size_pt if style.min_size_pt is not None else style.size_pt


def _size(style: TextStyle, scale: float) -> float:
    return max(_min_size(style), style.size_pt * scale) if scale < 1.0 else style.size_pt


def metrics(font_name: str, size_pt: float) -> Metrics:
    """ReportLab's advances for one registered face at one size, in points."""
    return Metrics(lambda s: stringWidth(s, font_name, size_pt), size_pt)


def _layout(resolved: list[tuple[TextBlock, TextStyle]], fonts: FontSet, width: float,
            scale: float) -> list[FittedBlock]:
    fitted = []
    for block, style in resolved:
        name = fonts.name(style.font)
        size = _size(style, scale)
        face = metrics(name, size)
        lines: list[str] = []
        ends: list[bool] = []
        paragraphs = block.text.split("\n")
        for index, paragraph in enumerate(paragraphs):
            last_paragraph = index == len(paragraphs) - 1
            para_lines = break_lines(paragraph, width, face)
            if last_paragraph and block.trailing:
                para_lines = _make_room_for_trailing(para_lines, block.trailing, width, face)
            lines.extend(para_lines)
            ends.extend(i == len(para_lines) - 1 for i in range(len(para_lines)))
        fitted.append(FittedBlock(block, style, name, size, size * style.leading,
                                  tuple(lines), tuple(ends)))
    return fitted


def _make_room_for_trailing(lines: list[str], trailing: str, width: float,
                            face: Metrics) -> list[str]:
    """The block's last line must leave room for the page number and a one-em leader."""
    room = width - face.measure(trailing) - face.em
    if room <= 0 or not lines or line_width(lines[-1], face) <= room + EPSILON:
        return lines
    return lines[:-1] + break_lines(lines[-1], room, face)


def _issues(frame: TextFrame, fitted: list[FittedBlock], fonts: FontSet, width: float,
            height: float, used: float, scale: float) -> list[TextIssue]:
    size = fitted[0].size_pt if fitted else 0.0
    issues: list[TextIssue] = []

    def report(kind: IssueKind, message: str) -> None:
        issues.append(TextIssue(kind, frame.role, frame.photo_ids, message, round(size, 2)))

    for block in fitted:
        missing = fonts.missing_glyphs(block.block.text + block.block.trailing, block.style.font)
        if missing:
            chars = "".join(sorted(missing))
            report("missing-glyph", f"字体中没有这些字符，印出来会是方框：{chars}")
    if used > height + EPSILON:
        report("overflow", f"文字超出文字框 {(used - height) / PT_PER_MM:.1f} 毫米"
                           f"（已缩到最小字号 {size:.2f} 点仍放不下），请删减文字或换版式")
    elif scale < 1.0:
        original = fitted[0].style.size_pt
        report("shrunk", f"文字较长，字号由 {original:g} 点缩小到 {size:.2f} 点")
    too_narrow = [line for b in fitted for line in b.lines
                  if line_width(line, metrics(b.font_name, b.size_pt)) > width + EPSILON]
    if too_narrow:
        report("overflow", f"文字框太窄，有 {len(too_narrow)} 行超出右边")
    return issues


def draw_text_frame(canvas: Canvas, frame: TextFrame, styles: dict[str, TextStyle],
                    fonts: FontSet, *, x_pt: float, top_pt: float, cmyk: bool) -> list[TextIssue]:
    """Draw ``frame`` with its top-left corner at PDF point (x_pt, top_pt); return its issues.

    Text that does not fit even at the minimum size is drawn in full below the frame and
    reported, so nothing disappears without a word.
    """
    fitted = fit_text_frame(frame, styles, fonts)
    slack = max(0.0, fitted.height_pt - fitted.used_pt)
    offset = {"top": 0.0, "middle": slack / 2, "bottom": slack}[frame.vertical_align]
    line_top = top_pt - offset
    canvas.saveState()
    try:
        for block in fitted.blocks:
            _set_fill(canvas, block.style.gray, cmyk)
            canvas.setFont(block.font_name, block.size_pt)
            for index, line in enumerate(block.lines):
                # The em box sits centred in the line box: half the leading above and below.
                baseline = (line_top - (block.leading_pt - block.size_pt) / 2
                            - EM_ASCENT * block.size_pt)
                is_last = index == len(block.lines) - 1
                trailing = block.block.trailing if is_last else ""
                _draw_line(canvas, block, line, x_pt, baseline, fitted.width_pt,
                           stretch=block.style.align == "justify" and not block.ends_paragraph[index]
                           and not trailing)
                if trailing:
                    _draw_trailing(canvas, block, line, trailing, x_pt, baseline, fitted.width_pt)
                line_top -= block.leading_pt
            if block.style.rule_below_pt > 0:  # halfway down the white under the last line
                _draw_rule(canvas, block.style, x_pt, line_top + (block.leading_pt - block.size_pt) / 4,
                           fitted.width_pt, cmyk)
    finally:
        canvas.restoreState()
    return list(fitted.issues)


def _set_fill(canvas: Canvas, gray: float, cmyk: bool) -> None:
    """Black text is 100 % K only in print; the proof uses the matching grey."""
    gray = min(1.0, max(0.0, gray))
    if cmyk:
        canvas.setFillColorCMYK(0, 0, 0, gray)
    else:
        canvas.setFillGray(1.0 - gray)


def _draw_rule(canvas: Canvas, style: TextStyle, x: float, y: float, width: float,
               cmyk: bool) -> None:
    """A rule across the frame under a block, in the block's ink: it closes the block, so it
    sits nearer the block than the text after it."""
    gray = min(1.0, max(0.0, style.gray))
    if cmyk:
        canvas.setStrokeColorCMYK(0, 0, 0, gray)
    else:
        canvas.setStrokeGray(1.0 - gray)
    canvas.setLineWidth(style.rule_below_pt)
    canvas.line(x, y, x + width, y)


def _draw_line(canvas: Canvas, block: FittedBlock, line: str, x: float, baseline: float,
               width: float, *, stretch: bool) -> None:
    """Draw each run where ``place_line`` puts it: compressed marks and justification included."""
    if not line:
        return
    face = metrics(block.font_name, block.size_pt)
    natural = line_width(line, face)
    start = x
    if block.style.align == "right":
        start = x + width - natural
    elif block.style.align == "center":
        start = x + (width - natural) / 2
    text = canvas.beginText(start, baseline)
    text.setFont(block.font_name, block.size_pt)
    for run in place_line(line, face, width, stretch=stretch):
        halt = halt_font(block.font_name, run.text) if run.halved else None
        if halt is None:
            text.setTextOrigin(start + run.x, baseline)
            text.textOut(run.text)
            continue
        # A compressed mark from the half-width face: its advance ends where the next run
        # starts, so text extraction reads on (album.render.halt).
        shift = block.size_pt / 2 if run.halved == "left" else 0.0
        text.setTextOrigin(start + run.x + shift, baseline)
        text.setFont(halt, block.size_pt)
        text.textOut(run.text)
        text.setFont(block.font_name, block.size_pt)
    canvas.drawText(text)


def _draw_trailing(canvas: Canvas, block: FittedBlock, line: str, trailing: str, x: float,
                   baseline: float, width: float) -> None:
    """Page number flush right, with a dotted leader on a grid so dots line up down a page."""
    name, size = block.font_name, block.size_pt
    trailing_w = stringWidth(trailing, name, size)
    text = canvas.beginText(x + width - trailing_w, baseline)
    text.setFont(name, size)
    text.textOut(trailing)
    canvas.drawText(text)
    pitch = size * 0.5
    right = x + width
    start = x + line_width(line, metrics(name, size)) + pitch / 2
    # Dots sit on a grid counted from the frame's right edge, so they line up down the page.
    steps = math.ceil((trailing_w + pitch / 2 + stringWidth(".", name, size)) / pitch)
    positions = []
    dot_x = right - steps * pitch
    while dot_x >= start:
        positions.append(dot_x)
        dot_x -= pitch
    if not positions:
        return
    leader = canvas.beginText(positions[-1], baseline)
    leader.setFont(name, size)
    for dot_x in reversed(positions):
        leader.setTextOrigin(dot_x, baseline)
        leader.textOut(".")
    canvas.drawText(leader)

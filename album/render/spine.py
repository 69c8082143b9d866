"""Vertical text on the spine, set as Chinese vertical setting does it: Chinese characters
upright, one under the other; Latin words and numbers ("2026", "ISBN", a Latin name) turned
90° clockwise as whole runs, reading downwards with their tops towards the front cover; the
brackets, dashes and ellipsis whose vertical forms are the horizontal ones turned, turned the
same way. Stacking Latin letters upright would break words into letters and numbers into
digits.

Each run is measured along the spine (an upright character takes one em, a turned run its
string width), so the caller can fit the text between the head and the publisher, and every
run is centred across the spine on the same axis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.units import pt_to_mm

# Letters and digits, with the spaces and marks that join them inside one run ("ISBN 978-7",
# "No. 3"); and the punctuation whose vertical forms are the horizontal glyphs turned.
SIDEWAYS = re.compile(r"[A-Za-z0-9]+(?:[ .,:/'&+\-–]+[A-Za-z0-9]+)*|[（）《》〈〉「」『』【】〔〕—…～]+")
GAP_EM = 0.15  # between consecutive runs along the spine, as between stacked characters


@dataclass(frozen=True)
class SpineRun:
    text: str
    sideways: bool  # turned 90° clockwise; else one upright character
    length_mm: float  # along the spine


def spine_runs(text: str, font: str, size_pt: float) -> list[SpineRun]:
    """``text`` cut into upright characters and sideways runs, each measured at ``size_pt``.
    Spaces between runs only separate them; the gap does that on the spine."""
    em = pt_to_mm(size_pt)
    runs: list[SpineRun] = []
    pos = 0
    for match in [*SIDEWAYS.finditer(text), None]:
        end = match.start() if match else len(text)
        runs += [SpineRun(ch, False, em) for ch in text[pos:end] if not ch.isspace()]
        if match:
            runs.append(SpineRun(match.group(), True,
                                 pt_to_mm(stringWidth(match.group(), font, size_pt))))
            pos = match.end()
    return runs


def runs_length_mm(runs: list[SpineRun], size_pt: float) -> float:
    """Length the runs take on the spine, gaps included."""
    if not runs:
        return 0.0
    return sum(run.length_mm for run in runs) + GAP_EM * pt_to_mm(size_pt) * (len(runs) - 1)


def draw_runs(canvas: Canvas, to_pt: Callable[[float, float], tuple[float, float]],
              runs: list[SpineRun], x_mm: float, top_mm: float, font: str,
              size_pt: float) -> None:
    """Set ``runs`` downwards from ``top_mm`` (y measured down) centred on the axis ``x_mm``;
    ``to_pt`` maps those millimetres to the canvas's points. Text is 100 % K."""
    face = getFont(font).face
    ascent, descent = face.ascent / 1000, face.descent / 1000
    # Upright: the em box starts at the run's top. Sideways: the middle of the em box (between
    # descent and ascent) lies on the axis, as an upright character's middle does.
    baseline_em = ascent / (ascent - descent)
    middle_pt = (ascent + descent) / 2 * size_pt
    canvas.setFillColorCMYK(0, 0, 0, 1)
    canvas.setFont(font, size_pt)
    y = top_mm
    for run in runs:
        if run.sideways:
            canvas.saveState()
            canvas.translate(*to_pt(x_mm, y))
            canvas.rotate(-90)
            canvas.drawString(0, -middle_pt, run.text)
            canvas.restoreState()
        else:
            canvas.drawCentredString(*to_pt(x_mm, y + baseline_em * pt_to_mm(size_pt)), run.text)
        y += run.length_mm + GAP_EM * pt_to_mm(size_pt)

"""Vertical text on the spine, set as Chinese vertical setting does it: Chinese characters
upright, one under the other; punctuation in its vertical form (，→︐ 。→︒ 《》→︽︾ “”→﹁﹂ …,
from the face's vertical-forms block, which places the comma in the top right of its em);
Latin words and numbers of three or more characters ("2026", "ISBN", a Latin name) turned
90° clockwise as whole runs, reading downwards with their tops towards the front cover; runs of
one or two ("15", "No") set upright across the column in one em, 纵中横 (tate-chu-yoko).
Stacking Latin letters upright would break words into letters and numbers into digits.

Each run is measured along the spine (an upright character or a 纵中横 run takes one em, a
turned run its string width), so the caller can fit the text between the head and the
publisher, and every run is centred across the spine on the same axis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from album.units import pt_to_mm

# Letters and digits, with the spaces and marks that join them inside one run ("ISBN 978-7",
# "No. 3"); and the marks with no vertical form, turned like a Latin run.
LATIN = re.compile(r"[A-Za-z0-9]+(?:[ .,:/'&+\-–]+[A-Za-z0-9]+)*|[～~]+")
ACROSS_MAX = 2  # a Latin run this short is set upright across the column (纵中横)
GAP_EM = 0.15  # between consecutive runs along the spine, as between stacked characters
# Unicode's vertical presentation forms (U+FE10–FE19, U+FE30–FE44).
VERTICAL_FORMS = str.maketrans({
    "，": "︐", "、": "︑", "。": "︒", "：": "︓", "；": "︔", "！": "︕", "？": "︖",
    "〖": "︗", "〗": "︘", "…": "︙", "‥": "︰", "—": "︱", "–": "︲",
    "（": "︵", "）": "︶", "｛": "︷", "｝": "︸", "〔": "︹", "〕": "︺", "【": "︻", "】": "︼",
    "《": "︽", "》": "︾", "〈": "︿", "〉": "﹀", "「": "﹁", "」": "﹂", "『": "﹃", "』": "﹄",
    "“": "﹁", "”": "﹂", "‘": "﹃", "’": "﹄",
})

Kind = Literal["upright", "turned", "across"]


@dataclass(frozen=True)
class SpineRun:
    text: str
    kind: Kind  # upright: one character; turned: 90° clockwise; across: 纵中横 in one em
    length_mm: float  # along the spine


def spine_runs(text: str, font: str, size_pt: float) -> list[SpineRun]:
    """``text`` cut into upright characters, turned runs and 纵中横 runs, each measured at
    ``size_pt``. Spaces between runs only separate them; the gap does that on the spine. A
    mark whose vertical form the face lacks is turned like a Latin run."""
    em = pt_to_mm(size_pt)
    glyphs = getFont(font).face.charToGlyph
    runs: list[SpineRun] = []
    pos = 0
    for match in [*LATIN.finditer(text), None]:
        end = match.start() if match else len(text)
        for ch in text[pos:end]:
            if ch.isspace():
                continue
            vertical = ch.translate(VERTICAL_FORMS)
            if vertical == ch or ord(vertical) in glyphs:
                runs.append(SpineRun(vertical, "upright", em))
            else:
                runs.append(SpineRun(ch, "turned", pt_to_mm(stringWidth(ch, font, size_pt))))
        if match:
            run = match.group()
            if len(run) <= ACROSS_MAX and run.isalnum():
                runs.append(SpineRun(run, "across", em))
            else:
                runs.append(SpineRun(run, "turned", pt_to_mm(stringWidth(run, font, size_pt))))
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
        baseline = to_pt(x_mm, y + baseline_em * pt_to_mm(size_pt))
        if run.kind == "turned":
            canvas.saveState()
            canvas.translate(*to_pt(x_mm, y))
            canvas.rotate(-90)
            canvas.drawString(0, -middle_pt, run.text)
            canvas.restoreState()
        elif run.kind == "across":  # on the upright baseline, narrowed to one em if wider
            canvas.saveState()
            canvas.translate(*baseline)
            canvas.scale(min(1.0, size_pt / stringWidth(run.text, font, size_pt)), 1.0)
            canvas.drawCentredString(0, 0, run.text)
            canvas.restoreState()
        else:
            canvas.drawCentredString(*baseline, run.text)
        y += run.length_mm + GAP_EM * pt_to_mm(size_pt)

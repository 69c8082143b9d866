"""Half-width punctuation faces: what OpenType's ``halt`` feature does, as a small face of its own.

A compressed mark (标点挤压) loses the blank half of its em. Drawn from the full face, the next
character has to start half an em back inside the mark's advance, and text extraction (pdftotext,
search, copy and paste) reads that jump back as the end of a word or a line. Drawn from this
face, the mark's advance is half an em and the text runs on. Each mark keeps its ink on the GB
side (a comma's in the left half, an opening bracket's moved into the half it keeps); ink wider
than that half is moved inside it, so a face whose comma sits mid-em (WenQuanYi) does not run
into the next character. Made once per face and cached beside the converted faces.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

from album.layout.linebreak import BLANK_LEFT, BLANK_RIGHT

VERSION = 2  # part of the cache key: bump when the making changes


def halt_path(source: Path, index: int, cache: Path) -> Path:
    """The half-width face of ``source`` (face ``index``), made on first use."""
    key = hashlib.sha1(f"{source.resolve()}|{index}|{VERSION}".encode()).hexdigest()[:12]
    target = cache / f"{source.stem}-{index}-halt-{key}.ttf"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        font = make_halt(source, index)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")  # several processes may race here
        os.close(fd)
        font.save(tmp)
        os.replace(tmp, target)
    return target


def make_halt(source: Path, index: int) -> TTFont:
    """The marks of BLANK_LEFT and BLANK_RIGHT that the face has, half an em wide each."""
    font = TTFont(str(source), fontNumber=index)
    cmap = font.getBestCmap()
    marks = {ch for ch in BLANK_LEFT | BLANK_RIGHT if ord(ch) in cmap}
    options = Options()
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["BDF ", "FFTM"]  # bitmap and tool tables the subsetter cannot read
    subsetter = Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in marks])
    subsetter.subset(font)
    # A face of its own: ReportLab takes a face whose PostScript name it knows for that face.
    names = font["name"]
    postscript = names.getDebugName(6) or source.stem
    for record in list(names.names):
        if record.nameID == 6:
            names.setName(f"{postscript}-Halt", 6, record.platformID, record.platEncID, record.langID)
    half = font["head"].unitsPerEm // 2
    pad = font["head"].unitsPerEm // 20  # clearance left when ink has to be moved
    glyf, hmtx = font["glyf"], font["hmtx"]
    cmap = font.getBestCmap()
    for ch in marks:
        name = cmap[ord(ch)]
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        left, right = (glyph.xMin, glyph.xMax) if glyph.numberOfContours else (0, 0)
        shift = -half if ch in BLANK_LEFT else 0
        # keep the ink inside the half that remains (with some clearance when it had to move)
        if ch in BLANK_LEFT and left + shift < 0:
            shift += pad - (left + shift)
        elif ch not in BLANK_LEFT and right + shift > half:
            shift += half - pad - (right + shift)
        if shift and glyph.numberOfContours:
            _move(glyph, shift)
            glyph.recalcBounds(glyf)
        hmtx[name] = (half, glyph.xMin if glyph.numberOfContours else 0)
    return font


def _move(glyph, dx: int) -> None:  # type: ignore[no-untyped-def]
    if glyph.isComposite():
        for component in glyph.components:
            component.x += dx
    else:
        glyph.coordinates.translate((dx, 0))

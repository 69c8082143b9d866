"""Originals that can go into the PDF as they are, without decoding or re-encoding.

Re-encoding a JPEG that is already upright, uncropped, of about the placed pixel size and in the
output colour space buys nothing: it costs a decode, a resample and an encode, and loses a
generation of quality. Such an original is embedded byte for byte (ReportLab passes a JPEG file
through as a DCTDecode stream). The test is strict, because a wrong yes shows in print:

- a baseline or progressive 8-bit JPEG that ReportLab's own reader accepts;
- no turn: EXIF orientation 1;
- the crop keeps the whole picture (at most ``EDGE_TOLERANCE_PX`` trimmed per edge, which
  drawing into the frame cannot show);
- no more than ``MAX_OVERSIZE`` times the target pixels (more would bloat the PDF; smaller is
  fine, since the pipeline never upsamples and would only re-encode at the same size);
- it decodes to the end (checked cheaply at 1/8 scale), so no truncated file slips through;
- colour as the PDF wants it: for print, CMYK with Adobe's marker (ReportLab writes the inverted
  /Decode that Adobe CMYK JPEGs need, so a CMYK JPEG without it would print as a negative);
  for proofs, RGB that is untagged or tagged sRGB.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError
from reportlab.pdfbase.pdfdoc import PDFError
from reportlab.pdfbase.pdfutils import readJPEGInfo

from album.layout.book import Crop

MAX_OVERSIZE = 1.5
EDGE_TOLERANCE_PX = 1.0


@dataclass(frozen=True)
class Embeddable:
    """An original that may be embedded as is: its pixel size and colour mode."""

    width_px: int
    height_px: int
    colour_mode: str


def embeddable_as_is(path: Path, *, mode: str, crop: Crop, orientation: int | None,
                     target_w_px: int, target_h_px: int) -> Embeddable | None:
    """The original's facts when it can be embedded unchanged for this frame, else None.
    Reads only the file's header."""
    try:
        with Image.open(path) as im:
            if im.format != "JPEG" or getattr(im, "bits", 8) != 8:
                return None
            turn = orientation if orientation is not None else im.getexif().get(0x0112, 1)
            if turn not in (None, 1):
                return None
            w, h = im.size
            if not _keeps_whole(crop, w, h):
                return None
            if w > target_w_px * MAX_OVERSIZE or h > target_h_px * MAX_OVERSIZE:
                return None
            if not _colour_fits(im, mode):
                return None
            colour_mode = im.mode
            # The bytes go into the PDF unseen, so make sure they decode to the end: at 1/8
            # scale libjpeg reads every coefficient but does almost no pixel work.
            im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
            im.load()
        with open(path, "rb") as fh:
            readJPEGInfo(fh)  # raises on what drawImage cannot embed (lossless, arithmetic…)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, struct.error, PDFError,
            Image.DecompressionBombError):
        return None  # the full pipeline says what is wrong with the file, if anything
    return Embeddable(w, h, colour_mode)


def _keeps_whole(crop: Crop, w: int, h: int) -> bool:
    return (crop.left * w <= EDGE_TOLERANCE_PX and (1 - crop.right) * w <= EDGE_TOLERANCE_PX
            and crop.top * h <= EDGE_TOLERANCE_PX
            and (1 - crop.bottom) * h <= EDGE_TOLERANCE_PX)


def _colour_fits(im: Image.Image, mode: str) -> bool:
    if mode == "print":
        return im.mode == "CMYK" and "adobe" in im.info
    if im.mode != "RGB":
        return False
    icc = im.info.get("icc_profile")
    return not icc or _is_srgb(icc)


def _is_srgb(icc: bytes) -> bool:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile)
    except (OSError, ImageCms.PyCMSError):
        return False
    return description.strip().lower().startswith("srgb")

"""The two baselines the render is measured against, on the same Book (photos, frames, crops).

- naive: what a plain ReportLab script does: one canvas, ``drawImage`` of each original file
  into its frame (clipped), no resampling, no colour conversion, no text. ASCII85 is switched
  off as in our writer, so the comparison is about image handling, not stream encoding.
- floor: only the unavoidable image work, with no PDF: for every placed photo, decode at the
  smallest sufficient JPEG scale (``draft``), turn upright, crop and resample (LANCZOS) to the
  placed size at 300 ppi, encode as JPEG (quality 92, 4:4:4, as print) to memory; in a process
  pool of the same size as the render's. ``floor_icc`` adds the RGB → CMYK conversion through
  the output profile, which print cannot skip either (reported for information).
- decode: each placed original decoded once at full size, nothing else, in the same pool: the
  cost no renderer that looks at every pixel can go below (#14: cold print ≤ 5 × this).
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from album.layout.book import Book, PhotoFrame
from album.config import DEFAULT_CMYK_PROFILE
from album.render.marks import PrintSheet, mm
from album.store import MediaStore

PPI = 300
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
             6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}


def naive_pdf(book: Book, store: MediaStore, out: Path) -> int:
    """Draw every original into its frame with plain ReportLab; return the PDF's size."""
    sheet = PrintSheet.for_trim(book.trim_width_mm, book.trim_height_mm, book.bleed_mm, True)
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        canvas = Canvas(str(out), pagesize=sheet.media_size, pageCompression=1)
        x0, top = sheet.trim_top_left
        for page in book.pages:
            for frame in page.photo_frames():
                r = frame.rect
                x, y = x0 + mm(r.x_mm), top - mm(r.y_mm + r.height_mm)
                w, h = mm(r.width_mm), mm(r.height_mm)
                c = frame.crop
                # Scale the whole picture so its crop fills the frame; the clip hides the rest.
                full_w, full_h = w / (c.right - c.left), h / (c.bottom - c.top)
                canvas.saveState()
                path = canvas.beginPath()
                path.rect(x, y, w, h)
                canvas.clipPath(path, stroke=0, fill=0)
                canvas.drawImage(str(store.original_path(frame.sha256)),
                                 x - c.left * full_w, y - (1 - c.bottom) * full_h,
                                 width=full_w, height=full_h)
                canvas.restoreState()
            canvas.showPage()
        canvas.save()
    finally:
        rl_config.useA85 = saved
    return out.stat().st_size


@dataclass(frozen=True)
class FloorJob:
    original: str
    orientation: int
    crop: tuple[float, float, float, float]
    target_px: tuple[int, int]
    cmyk: bool


def floor_jobs(book: Book, store: MediaStore, cmyk: bool) -> list[FloorJob]:
    jobs = []
    for page in book.pages:
        for frame in page.photo_frames():
            assert isinstance(frame, PhotoFrame)
            c = frame.crop
            target = (max(1, round(frame.rect.width_mm / 25.4 * PPI)),
                      max(1, round(frame.rect.height_mm / 25.4 * PPI)))
            jobs.append(FloorJob(str(store.original_path(frame.sha256)), frame.orientation,
                                 (c.left, c.top, c.right, c.bottom), target, cmyk))
    return jobs


def run_floor(jobs: list[FloorJob], workers: int) -> int:
    """Do the image work of every job in a process pool; return the encoded bytes."""
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return sum(pool.map(_floor_one, jobs, chunksize=4))


def run_decode(jobs: list[FloorJob], workers: int) -> int:
    """Decode every placed original once, fully, in a process pool; return the pixels decoded."""
    originals = sorted({job.original for job in jobs})
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return sum(pool.map(_decode_one, originals, chunksize=4))


def _decode_one(path: str) -> int:
    with Image.open(path) as im:
        im.load()
        return im.width * im.height


_TRANSFORM: list[ImageCms.ImageCmsTransform] = []


def _floor_one(job: FloorJob) -> int:
    im = Image.open(job.original)
    turned = job.orientation in (5, 6, 7, 8)
    up_w, up_h = (im.height, im.width) if turned else im.size
    left, top, right, bottom = job.crop
    crop_w, crop_h = (right - left) * up_w, (bottom - top) * up_h
    scale = min(1.0, max(job.target_px[0] / crop_w, job.target_px[1] / crop_h))
    im.draft("RGB", (int(im.width * scale) + 1, int(im.height * scale) + 1))
    im = im.convert("RGB")
    if job.orientation in TRANSPOSE:
        im = im.transpose(TRANSPOSE[job.orientation])
    w, h = im.size
    out = im.resize((max(1, round(crop_w * scale)), max(1, round(crop_h * scale))),
                    Image.Resampling.LANCZOS, box=(left * w, top * h, right * w, bottom * h))
    if job.cmyk:
        if not _TRANSFORM:
            _TRANSFORM.append(ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(str(DEFAULT_CMYK_PROFILE)),
                "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION))
        out = ImageCms.applyTransform(out, _TRANSFORM[0])
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=92, subsampling=0)
    return buf.tell()

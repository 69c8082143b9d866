"""Derived previews: upright photo thumbnails and proof page images, each made once and cached.

Thumbnails live in the media store's cache under a key derived from what they depend on (the
original's sha256, or the PDF's path, size and modification time), so a new upload or a new
render gets new previews and old ones are never served by mistake.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from album.errors import AlbumError, NotFoundError
from album.store import MediaStore

PHOTO_SIZES = (320, 1200)
PAGE_WIDTHS = (240, 900)
JPEG_QUALITY = 82
# pdfium is not thread-safe: one render at a time across the whole process.
_PDFIUM_LOCK = threading.Lock()


def photo_thumbnail(store: MediaStore, sha256: str, size: int = PHOTO_SIZES[0]) -> Path:
    """A JPEG at most ``size`` px on its long side, EXIF orientation applied (shown upright)."""
    if size not in PHOTO_SIZES:
        raise AlbumError(f"不支持的缩略图尺寸 {size}")
    key = f"{sha256}-t{size}"
    cached = store.cache_path(key, ".jpg")
    if cached.is_file():
        return cached
    original = store.original_path(sha256)
    if not original.is_file():
        raise NotFoundError("原图不在媒体库中")
    try:
        with Image.open(original) as img:
            if img.format == "JPEG":
                img.draft("RGB", (size * 2, size * 2))  # decode at reduced scale: far faster
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((size, size), Image.Resampling.LANCZOS)
            data = _jpeg_bytes(upright)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AlbumError(f"无法生成缩略图：{type(exc).__name__}") from exc
    return store.put_cache(key, ".jpg", data)


def _jpeg_bytes(img: Image.Image) -> bytes:
    if img.mode not in ("RGB", "L"):
        if "A" in img.getbands() or img.mode == "P":
            rgba = img.convert("RGBA")
            img = Image.new("RGB", rgba.size, "white")
            img.paste(rgba, mask=rgba.getchannel("A"))
        else:
            img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()


def _pdf_key(pdf: Path) -> str:
    stat = pdf.stat()
    return hashlib.sha256(f"{pdf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()


def pdf_page_count(pdf: Path) -> int:
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(pdf))
        try:
            return len(doc)
        finally:
            doc.close()


def page_thumbnail(store: MediaStore, pdf: Path, page: int, width: int = PAGE_WIDTHS[0]) -> Path:
    """A PNG of page ``page`` (1-based) of ``pdf``, ``width`` px wide, rendered with pdfium."""
    import pypdfium2 as pdfium

    if width not in PAGE_WIDTHS:
        raise AlbumError(f"不支持的页面预览宽度 {width}")
    if not pdf.is_file():
        raise NotFoundError("校样文件不存在")
    key = f"{_pdf_key(pdf)}-p{page}-w{width}"
    cached = store.cache_path(key, ".png")
    if cached.is_file():
        return cached
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(pdf))
        try:
            if not 1 <= page <= len(doc):
                raise NotFoundError(f"没有第 {page} 页")
            pdf_page = doc[page - 1]
            scale = width / pdf_page.get_width()
            bitmap = pdf_page.render(scale=scale)
            image = bitmap.to_pil()
            pdf_page.close()
        finally:
            doc.close()
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "PNG", optimize=True)
    return store.put_cache(key, ".png", buf.getvalue())

"""Recognise an image by its first bytes and check it decodes, before anything is stored.

The extension a contributor's file carries is never trusted: a script named ``.jpg`` is refused
here, and so is a file whose header promises more pixels than the configured limit
(a decompression bomb) — that check happens before a single pixel is decoded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from album.config import Limits
from album.errors import IngestError
from album.ingest.intake import refuse
from album.messages import explain_error
from album.phash import dhash_image

ACCEPTED = ("JPEG", "PNG", "TIFF", "WEBP")

# Pillow's own bomb guard would raise before our limit if ours is higher; ours is the one in force.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"GIF8", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"%PDF", 0, "PDF"),
    (b"PK\x03\x04", 0, "ZIP"),
)
_FTYP_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIC", b"msf1": "HEIC",
                b"hevc": "HEIC", b"avif": "AVIF", b"avis": "AVIF"}


class Reason:
    """Codes for refused files; the web layer and CLI show the Chinese message beside them."""

    EMPTY = "empty"
    NOT_IMAGE = "not-image"
    UNSUPPORTED = "unsupported"
    TOO_MANY_PIXELS = "too-many-pixels"
    CORRUPT = "corrupt"


def sniff_format(head: bytes) -> str | None:
    """Name the container format from the first bytes, or None when it is not one we know."""
    for magic, offset, name in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "ISOBMFF")
    return None


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width_px: int
    height_px: int
    mode: str
    exif_orientation: int | None
    dhash: int = 0


def inspect_image(path: Path, limits: Limits) -> ImageInfo:
    """Check ``path`` is a whole, decodable image within the pixel limit; raise IngestError saying
    why not. Its byte size was checked where it came in (``intake``)."""
    if path.stat().st_size == 0:
        raise refuse(Reason.EMPTY, "文件为空（0 字节）")
    with open(path, "rb") as fh:
        head = fh.read(32)
    kind = sniff_format(head)
    if kind is None or kind in ("PDF", "ZIP"):
        raise refuse(Reason.NOT_IMAGE, "不是图片文件（内容与扩展名不符）")
    if kind not in ACCEPTED:
        raise refuse(
            Reason.UNSUPPORTED,
            f"不支持的图片格式 {kind}；请转换为 JPEG、PNG、TIFF 或 WebP 后再上传",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(path) as im:
                if im.format not in ACCEPTED and im.format != "MPO":
                    raise refuse(Reason.NOT_IMAGE, "不是图片文件（内容与扩展名不符）")
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise refuse(Reason.CORRUPT, "图片尺寸无效")
                if width * height > limits.max_pixels:
                    raise refuse(
                        Reason.TOO_MANY_PIXELS,
                        f"像素过多：{width}×{height}，上限 {limits.max_pixels // 1_000_000} 百万像素"
                        "（可能是解压炸弹）",
                    )
                orientation = im.getexif().get(0x0112)
                if im.format in ("JPEG", "MPO"):
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()
                return ImageInfo(
                    dhash=dhash_image(im),
                    format="JPEG" if im.format == "MPO" else im.format,
                    width_px=width,
                    height_px=height,
                    mode=im.mode,
                    exif_orientation=orientation if isinstance(orientation, int) else None,
                )
        except IngestError:
            raise
        except UnidentifiedImageError as exc:
            raise refuse(Reason.CORRUPT, "图片无法识别：文件头已损坏") from exc
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise refuse(Reason.CORRUPT, f"图片已损坏或不完整：{explain_error(exc)}") from exc

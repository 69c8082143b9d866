"""Hostile inputs shared by the CLI import tests (tests/ingest) and the web upload tests (tests/web)."""

from __future__ import annotations

import re
import struct
import zlib

# What each refused corpus file must be refused for; every other file must be accepted.
REFUSED = {
    "broken.png": "corrupt",
    "broken_data_stream.png": "corrupt",
    "crash-0c7e0e8e11ce787078f00b5b0ca409a167f070e0.tif": "corrupt",
    "crash-2020-10-test.tif": "corrupt",
    "truncated_end_chunk.png": "corrupt",
    "truncated_image.png": "corrupt",
    "truncated_jpeg.jpg": "corrupt",
    "decompression_bomb.gif": "unsupported",
    "decompression_bomb_extents.gif": "unsupported",
    "hopper.gif": "unsupported",
    "hopper.bmp": "unsupported",
    "hopper.heif": "unsupported",
    "hopper.avif": "unsupported",
    "exif.avif": "unsupported",
    "rot1mir0.avif": "unsupported",
    "negative_size.ppm": "not-image",
}


# Words a Chinese refusal may carry: format names and units. Anything else in Latin letters is a
# library's English leaking through to a contributor.
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
ALLOWED_WORDS = {"JPEG", "PNG", "TIFF", "WebP", "GIF", "BMP", "HEIC", "AVIF", "PDF", "ZIP", "zip", "UTF"}


def english_in(reason: str) -> set[str]:
    """The Latin words of ``reason`` that are not format names or units."""
    return set(LATIN_WORD.findall(reason)) - ALLOWED_WORDS


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header promises width × height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")

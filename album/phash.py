"""A 64-bit difference hash (dHash): near-identical photos (resized, recompressed) hash alike.

Computed once at ingest from the small draft decode the sniffing step makes anyway, stored on
the photo, and compared by preflight.
"""

from __future__ import annotations

from PIL import Image, ImageOps


def dhash_image(im: Image.Image) -> int:
    """dHash of an image, after EXIF orientation so a rotated copy of a photo still matches."""
    small = ImageOps.exif_transpose(im).convert("L").resize((9, 8), Image.Resampling.BOX)
    px = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col + 1] > px[row * 9 + col])
    return bits

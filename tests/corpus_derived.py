"""Test photos derived from files in tests/corpus, for tests that need a photo of a size or shape
the committed corpus does not hold. Nothing made here is committed: the tests make these files
in their temporary folders (see tests/corpus/MANIFEST.md, "Generated at test time").

Every function is deterministic: the same source file and the same Pillow give the same bytes,
and a file already made is reused. To look at them:

    .venv/bin/python tests/corpus_derived.py /tmp/derived
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageOps

# Stands in for photos/mate-elephants-5640x3172.jpg of the collection the corpus was copied from
# (18 MP, 16 MB: too big to commit): same pixel size and 16:9 shape, more than 1 MB on disk.
LARGE_SOURCE = "photos/mate-wood.jpg"  # 2560 × 1920
LARGE_SIZE = (5640, 3172)
LARGE_NAME = "large-mate-wood-5640x3172.jpg"


def large_photo(corpus: Path, folder: Path) -> Path:
    """An 18 MP photo: ``LARGE_SOURCE`` cut to 16:9 around its centre and upscaled (LANCZOS) to
    5640 × 3172, JPEG quality 95 (about 2 MB). As many pixels as a camera file, and as slow to
    decode, but no more detail than its 5 MP source."""
    out = folder / LARGE_NAME
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(corpus / LARGE_SOURCE) as im:
        w, h = im.size
        ch = w * LARGE_SIZE[1] // LARGE_SIZE[0]
        top = (h - ch) // 2
        big = im.convert("RGB").crop((0, top, w, top + ch)).resize(LARGE_SIZE, Image.Resampling.LANCZOS)
    tmp = out.with_suffix(".part")
    big.save(tmp, "JPEG", quality=95)
    tmp.replace(out)
    return out


def mirrored_photo(source: Path, folder: Path) -> Path:
    """``source`` flipped left to right (JPEG quality 90): a photo of the same size and shape
    with pixels, sha256 and perceptual hash of its own."""
    out = folder / f"mirrored-{source.stem}.jpg"
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as im:
        flipped = ImageOps.mirror(im.convert("RGB"))
    tmp = out.with_suffix(".part")
    flipped.save(tmp, "JPEG", quality=90)
    tmp.replace(out)
    return out


def small_photos(corpus: Path, folder: Path, count: int, size: tuple[int, int] = (480, 320)) -> list[Path]:
    """``count`` small JPEGs (quality 85, a few dozen KB), each its own crop of a corpus photo
    scaled to ``size``: many uploads that cost little to send and ingest, all different files.
    The sources are decoded at a reduced scale (JPEG draft mode): 50 photos in about a second."""
    sources = sorted((corpus / "photos").glob("*.jpg"))
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(count):
        out = folder / f"small-{n:03d}.jpg"
        made.append(out)
        if out.is_file():
            continue
        with Image.open(sources[n % len(sources)]) as im:
            im.draft("RGB", (size[0] * 2, size[1] * 2))
            w, h = im.size
            shift = 20 * (n // len(sources))  # the same source again: another crop
            box = (shift, shift, w - 2 * shift, h - shift)
            small = im.convert("RGB").crop(box).resize(size, Image.Resampling.LANCZOS)
        tmp = out.with_suffix(".part")
        small.save(tmp, "JPEG", quality=85)
        tmp.replace(out)
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: corpus_derived.py OUT_DIR", file=sys.stderr)
        return 2
    from conftest import CORPUS

    out = Path(argv[0])
    for path in (large_photo(CORPUS, out), mirrored_photo(CORPUS / "photos/kde-kite.jpg", out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
